"""Staff console for e-mail: every workspace's senders, campaigns (with the
cancel action, which refunds what was not sent), recipients, tracking events
and suppressions. Campaigns are created and sent from the product (they are
charged), never here."""

from __future__ import annotations

from django.contrib import admin, messages

from emails.models import Campaign, EmailEvent, EmailMessage, Sender, Suppression
from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin
from nexusone.errors import ApplicationError
from nexusone.permissions import require_staff
from nexusone.tenancy import workspace_scope


@admin.register(Sender)
class SenderAdmin(WorkspaceOwnedAdmin):
    list_display = ("email", "name", "domain", "verified", "dns_checked_at", "workspace", "created_at")
    list_filter = ("verified",)
    search_fields = ("email", "domain", "workspace__name")
    readonly_fields = ("workspace", "domain", "dns_status", "dns_checked_at", "verified_at", "created_at", "updated_at")
    actions = ("verify",)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Check the DNS records again")
    def verify(self, request, queryset):
        from emails.services.senders import sender_verify

        require_staff(request.user, "emails.admin.sender_verify")
        for sender in queryset.select_related("workspace"):
            with workspace_scope(sender.workspace):
                sender_verify(sender=sender)


@admin.register(Campaign)
class CampaignAdmin(WorkspaceOwnedAdmin):
    list_display = (
        "name",
        "kind",
        "workspace",
        "status",
        "count_recipients",
        "count_sent",
        "count_failed",
        "count_opened",
        "count_clicked",
        "count_bounced",
        "credits_charged",
        "credits_refunded",
        "created_at",
    )
    list_filter = ("status", "kind", "created_at")
    search_fields = ("name", "subject", "workspace__name")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Campaign._meta.fields if f.name != "rendered"]
    exclude = ("rendered",)
    actions = ("cancel",)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Cancel (refund what was not sent)")
    def cancel(self, request, queryset):
        from emails.services.dispatch import campaign_cancel

        require_staff(request.user, "emails.admin.campaign_cancel")
        active = (Campaign.Status.SCHEDULED, Campaign.Status.SENDING, Campaign.Status.TESTING)
        for campaign in queryset.filter(status__in=active, kind=Campaign.Kind.BROADCAST).select_related("workspace"):
            with workspace_scope(campaign.workspace):
                try:
                    campaign_cancel(campaign=campaign, user=request.user)
                except ApplicationError as exc:
                    self.message_user(request, f"{campaign}: {exc.message}", messages.WARNING)


@admin.register(EmailMessage)
class EmailMessageAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = (
        "id",
        "to_email",
        "campaign",
        "workspace",
        "status",
        "attempts",
        "sent_at",
        "opened_at",
        "clicked_at",
    )
    list_filter = ("status",)
    search_fields = ("to_email", "message_id", "provider_message_id")
    list_select_related = ("workspace", "campaign")
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page


@admin.register(EmailEvent)
class EmailEventAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("occurred_at", "type", "source", "message", "workspace")
    list_filter = ("type", "source")
    search_fields = ("key", "message__to_email")
    list_select_related = ("workspace", "message")
    show_full_result_count = False


@admin.register(Suppression)
class SuppressionAdmin(WorkspaceOwnedAdmin):
    list_display = ("email", "reason", "workspace", "campaign", "created_at")
    list_filter = ("reason",)
    search_fields = ("email", "workspace__name")
    readonly_fields = ("workspace", "email", "reason", "campaign", "created_at", "updated_at")

    def has_add_permission(self, request):
        return False
