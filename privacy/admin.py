from django.contrib import admin

from privacy.models import AccountingRecord, WorkspaceDeletion, WorkspaceExport


@admin.register(WorkspaceDeletion)
class WorkspaceDeletionAdmin(admin.ModelAdmin):
    """Deletion requests and their purge state (the row names no workspace once purged)."""

    list_display = ("reference", "workspace", "status", "requested_at", "purge_after", "purged_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in WorkspaceDeletion._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(WorkspaceExport)
class WorkspaceExportAdmin(admin.ModelAdmin):
    list_display = ("id", "workspace", "status", "progress", "size", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in WorkspaceExport._meta.fields]

    def get_queryset(self, request):
        return WorkspaceExport.unscoped.all()

    def has_add_permission(self, request):
        return False


@admin.register(AccountingRecord)
class AccountingRecordAdmin(admin.ModelAdmin):
    list_display = ("deletion_reference", "kind", "module", "amount", "reference", "occurred_at")
    readonly_fields = [f.name for f in AccountingRecord._meta.fields]

    def has_add_permission(self, request):
        return False
