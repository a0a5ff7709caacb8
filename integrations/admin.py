"""Staff console for the vault: every workspace's connections, read-only,
secrets masked (only the last 4 characters), with a "check now" action.
Secrets are never shown or typed here — workspace admins connect."""

from __future__ import annotations

from django.contrib import admin, messages

from integrations.models import Connection
from nexusone.admin import WorkspaceOwnedAdmin, staff_action
from nexusone.errors import ApplicationError
from nexusone.tenancy import workspace_scope

SECRET_FIELDS = ("api_key", "access_token", "refresh_token")


@admin.register(Connection)
class ConnectionAdmin(WorkspaceOwnedAdmin):
    list_display = (
        "provider",
        "workspace",
        "kind",
        "status",
        "account_name",
        "secret",
        "expires_at",
        "last_checked_at",
        "last_error",
    )
    list_filter = ("provider", "kind", "status")
    search_fields = ("workspace__name", "workspace__slug", "account_id", "account_name")
    exclude = SECRET_FIELDS
    actions = ("check_now",)

    @admin.display(description="secret")
    def secret(self, obj) -> str:
        return obj.secret_hint or "—"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Connection._meta.concrete_fields if f.name not in SECRET_FIELDS] + ["secret"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # view only (the "check now" action needs no change right)

    def has_delete_permission(self, request, obj=None):
        return False

    @staff_action("integrations.connection.check", description="Check now")
    def check_now(self, request, queryset):
        from integrations.services import connection_check

        for connection in queryset.select_related("workspace"):
            with workspace_scope(connection.workspace):
                try:
                    connection = connection_check(connection=connection, user=request.user, request=request)
                except ApplicationError as exc:
                    self.message_user(request, f"{connection}: {exc.message}", messages.ERROR)
                    continue
            level = messages.SUCCESS if connection.status == "connected" else messages.WARNING
            self.message_user(request, f"{connection}: {connection.get_status_display()}", level)
