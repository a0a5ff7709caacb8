"""Admin plumbing: workspace-owned models are listed through `unscoped` (the
admin is the staff console across tenants), and the audit log is read-only."""

from __future__ import annotations

from django.contrib import admin
from unfold.admin import ModelAdmin

from nexusone.audit import AuditEntry
from nexusone.idempotency import IdempotencyRecord


class WorkspaceOwnedAdmin(ModelAdmin):
    """Base admin for WorkspaceOwned models: staff see every workspace."""

    list_select_related = ("workspace",)

    def get_queryset(self, request):
        queryset = self.model.unscoped.all()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor_type", "actor_user", "workspace", "target_repr", "ip_address")
    list_filter = ("actor_type", "action", "created_at")
    search_fields = ("action", "actor_user__email", "workspace__name", "target_repr", "target_id")
    list_select_related = ("actor_user", "workspace")
    date_hierarchy = "created_at"


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "workspace", "key", "method", "path", "state", "response_status")
    list_filter = ("state", "method")
    search_fields = ("key", "path", "workspace__name")
    list_select_related = ("workspace",)

    def get_queryset(self, request):
        return IdempotencyRecord.unscoped.select_related("workspace")
