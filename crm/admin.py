"""Staff console for the CRM: every workspace's rows (through `unscoped`)."""

from django.contrib import admin
from unfold.admin import TabularInline

from crm.models import Activity, Contact, ContactImport, ContactImportError, CustomFieldDefinition, Segment
from nexusone.admin import WorkspaceOwnedAdmin


class ActivityInline(TabularInline):
    model = Activity
    extra = 0
    fields = ("type", "occurred_at", "actor", "payload")
    readonly_fields = fields
    ordering = ("-occurred_at",)
    show_change_link = True
    max_num = 0

    def get_queryset(self, request):
        return Activity.unscoped.select_related("actor")


@admin.register(Contact)
class ContactAdmin(WorkspaceOwnedAdmin):
    list_display = ("__str__", "email", "phone", "company", "stage", "engagement_score", "workspace", "created_at")
    list_filter = ("stage", "language", "email_opt_in", "whatsapp_opt_in", "sms_opt_in", "created_at")
    search_fields = ("first_name", "last_name", "email", "phone", "company", "workspace__name", "workspace__slug")
    readonly_fields = (
        "workspace",
        "engagement_score",
        "last_activity_at",
        "source_import_id",
        "created_at",
        "updated_at",
    )
    list_select_related = ("workspace",)
    inlines = [ActivityInline]
    show_full_result_count = False  # COUNT(*) over every workspace's contacts is slow on big tables


@admin.register(Activity)
class ActivityAdmin(WorkspaceOwnedAdmin):
    list_display = ("type", "contact", "occurred_at", "actor", "workspace")
    list_filter = ("type", "occurred_at")
    search_fields = ("contact__email", "contact__last_name", "workspace__name")
    readonly_fields = ("workspace", "contact", "dedupe_key", "created_at", "updated_at")
    list_select_related = ("workspace", "contact", "actor")
    raw_id_fields = ("actor",)
    show_full_result_count = False


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(WorkspaceOwnedAdmin):
    list_display = ("label", "key", "type", "position", "workspace")
    list_filter = ("type",)
    search_fields = ("key", "label", "workspace__name")
    readonly_fields = ("workspace", "created_at", "updated_at")


@admin.register(Segment)
class SegmentAdmin(WorkspaceOwnedAdmin):
    list_display = ("name", "workspace", "created_by", "updated_at")
    search_fields = ("name", "workspace__name")
    readonly_fields = ("workspace", "created_by", "created_at", "updated_at")


class ContactImportErrorInline(TabularInline):
    model = ContactImportError
    extra = 0
    fields = ("line", "reason")
    readonly_fields = fields
    max_num = 0

    def get_queryset(self, request):
        return ContactImportError.unscoped.all()


@admin.register(ContactImport)
class ContactImportAdmin(WorkspaceOwnedAdmin):
    list_display = (
        "file_name",
        "status",
        "total",
        "created",
        "updated",
        "merged",
        "rejected",
        "credits_charged",
        "workspace",
        "created_at",
    )
    list_filter = ("status", "created_at")
    search_fields = ("file_name", "workspace__name")
    readonly_fields = [field.name for field in ContactImport._meta.fields]
    inlines = [ContactImportErrorInline]

    def has_add_permission(self, request):
        return False  # imports start from the product (they are charged)
