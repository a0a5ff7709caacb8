from django.contrib import admin

from analytics.models import UsageEvent
from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyAdmin, WorkspaceOwnedAdmin):
    list_display = ("created_at", "workspace", "module", "action", "credits", "success", "processing_ms", "user")
    list_filter = ("module", "success", "created_at")
    search_fields = ("workspace__name", "workspace__slug", "module", "action")
    list_select_related = ("workspace", "user")
    ordering = ("-id",)  # primary-key order: no index on created_at alone
    show_full_result_count = False
