from django.contrib import admin

from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin
from notifications.models import EmailPreference, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin, WorkspaceOwnedAdmin):
    list_display = ("created_at", "workspace", "recipient", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind", "level", "created_at")
    search_fields = ("workspace__slug", "recipient__email", "title")
    list_select_related = ("workspace", "recipient")
    ordering = ("-id",)
    show_full_result_count = False


@admin.register(EmailPreference)
class EmailPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "email", "updated_at")
    list_filter = ("kind", "email")
    search_fields = ("user__email",)
