"""Staff console for WhatsApp: every workspace's numbers, templates,
broadcasts, messages, conversations, opt-outs, bot rules and raw webhook
events. Access tokens are never shown (only their last 4 characters) and
cannot be typed in here — numbers are connected by their workspace admins.
Actions: cancel broadcasts (refunding what was not sent), re-sync templates,
reprocess webhook events."""

from __future__ import annotations

from django.contrib import admin, messages

from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin, staff_action
from nexusone.errors import ApplicationError
from nexusone.tenancy import workspace_scope
from whatsapp.models import (
    BotRule,
    Broadcast,
    Conversation,
    Message,
    MessageTemplate,
    OptOut,
    SendBatch,
    WebhookEvent,
    WhatsAppAccount,
)


@admin.register(WhatsAppAccount)
class WhatsAppAccountAdmin(WorkspaceOwnedAdmin):
    list_display = (
        "__str__",
        "workspace",
        "phone_number_id",
        "display_phone_number",
        "mode",
        "token_hint",
        "quality_rating",
        "last_error",
        "created_at",
    )
    search_fields = ("name", "phone_number_id", "waba_id", "display_phone_number", "workspace__name")
    list_filter = ("quality_rating", "bot_enabled")
    exclude = ("access_token",)
    readonly_fields = ("workspace", "access_token_last4", "templates_synced_at", "created_at", "updated_at")
    actions = ("sync_templates",)

    @admin.display(description="mode")
    def mode(self, obj) -> str:
        return "sandbox" if obj.is_sandbox else "cloud_api"

    @admin.display(description="access token")
    def token_hint(self, obj) -> str:
        return f"…{obj.access_token_last4}" if obj.access_token_last4 else "—"

    def has_add_permission(self, request):
        return False

    @staff_action("whatsapp.admin.templates_sync", description="Sync templates from Meta")
    def sync_templates(self, request, queryset):
        from whatsapp.services.accounts import templates_sync

        for account in queryset.select_related("workspace"):
            with workspace_scope(account.workspace):
                try:
                    templates_sync(account=account)
                except ApplicationError as exc:
                    self.message_user(request, f"{account}: {exc.message}", messages.ERROR)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(WorkspaceOwnedAdmin):
    list_display = ("name", "language", "category", "status", "account", "workspace", "synced_at")
    list_filter = ("status", "category", "language")
    search_fields = ("name", "account__display_phone_number", "workspace__name")
    readonly_fields = ("workspace", "account", "external_id", "synced_at")


class SendBatchInline(admin.TabularInline):
    model = SendBatch
    extra = 0
    can_delete = False
    fields = ("index", "size", "charge_state", "charged_quantity", "refunded_count", "charge_id", "finished_at")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return SendBatch.unscoped.all()  # staff console: no tenant scope (the formset filters by broadcast)


@admin.register(Broadcast)
class BroadcastAdmin(WorkspaceOwnedAdmin):
    list_display = (
        "__str__",
        "workspace",
        "status",
        "count_total",
        "count_sent",
        "count_delivered",
        "count_read",
        "count_failed",
        "credits_charged",
        "credits_refunded",
        "created_at",
    )
    list_filter = ("status", "created_at")
    search_fields = ("name", "workspace__name")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Broadcast._meta.fields]
    inlines = (SendBatchInline,)
    actions = ("cancel",)

    def has_add_permission(self, request):
        return False

    @staff_action("whatsapp.admin.broadcast_cancel", description="Cancel (refund unsent messages)")
    def cancel(self, request, queryset):
        from whatsapp.services.broadcasts import broadcast_cancel

        for broadcast in queryset.filter(status__in=Broadcast.ACTIVE).select_related("workspace"):
            with workspace_scope(broadcast.workspace):
                broadcast_cancel(broadcast=broadcast, user=request.user)


@admin.register(Message)
class MessageAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = (
        "id",
        "workspace",
        "direction",
        "to",
        "from_number",
        "kind",
        "status",
        "error_code",
        "error_reason",
        "refund_state",
        "created_at",
    )
    list_filter = ("direction", "status", "refund_state", "kind")
    search_fields = ("to", "from_number", "wamid")
    list_select_related = ("workspace",)
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page


@admin.register(Conversation)
class ConversationAdmin(WorkspaceOwnedAdmin):
    list_display = ("__str__", "phone", "account", "workspace", "last_message_at", "unread_count")
    search_fields = ("phone", "profile_name", "workspace__name")
    readonly_fields = ("workspace", "account", "phone", "contact_id", "last_inbound_at", "last_message_at")


@admin.register(OptOut)
class OptOutAdmin(WorkspaceOwnedAdmin):
    list_display = ("phone", "workspace", "source", "keyword", "created_at")
    list_filter = ("source",)
    search_fields = ("phone", "workspace__name")
    readonly_fields = ("workspace", "account", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(BotRule)
class BotRuleAdmin(WorkspaceOwnedAdmin):
    list_display = ("name", "account", "workspace", "match_type", "pattern", "language", "reply_type", "is_active")
    list_filter = ("match_type", "reply_type", "is_active", "language")
    search_fields = ("name", "pattern", "workspace__name")
    readonly_fields = ("workspace", "account")

    def has_add_permission(self, request):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("key", "kind", "phone_number_id", "workspace", "received_at", "processed_at", "attempts", "outcome")
    list_filter = ("kind", "outcome", "received_at")
    search_fields = ("key", "phone_number_id")
    list_select_related = ("workspace",)
    show_full_result_count = False
    actions = ("reprocess",)

    def get_queryset(self, request):
        return WebhookEvent.unscoped.all()  # staff console: every workspace

    def has_change_permission(self, request, obj=None):
        return False

    @staff_action("whatsapp.admin.webhook_reprocess", description="Process again (pending or failed events)")
    def reprocess(self, request, queryset):
        from whatsapp.webhooks import enqueue_processing

        pending = list(queryset.filter(workspace__isnull=False).values_list("pk", "workspace_id"))
        queryset.filter(pk__in=[pk for pk, _ws in pending]).update(processed_at=None, attempts=0)
        enqueue_processing(pending)
        self.message_user(request, f"{len(pending)} event(s) queued.")
