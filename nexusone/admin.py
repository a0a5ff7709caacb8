"""Admin plumbing: workspace-owned models are listed through `unscoped` (the
admin is the staff console across tenants), the audit log is read-only, and
admin actions check the permission table (`staff_action`)."""

from __future__ import annotations

import functools

from django.contrib import admin
from unfold.admin import ModelAdmin

from nexusone.audit import AuditEntry
from nexusone.idempotency import IdempotencyRecord
from nexusone.permissions import require_staff


def staff_action(rule: str, **options):
    """`@admin.action` that first checks the table's staff rule `rule`
    (nexusone.permissions), so the admin asks the same table as pages and
    the API. `options` go to `admin.action` (description, permissions)."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(modeladmin, request, queryset):
            require_staff(request.user, rule)
            return func(modeladmin, request, queryset)

        wrapper.permission_rule = rule
        return admin.action(**options)(wrapper)

    return decorator


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
    def get_queryset(self, request):
        return AuditEntry.unscoped.all()  # staff console: every workspace

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
