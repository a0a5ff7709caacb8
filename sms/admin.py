"""Staff console for SMS: every workspace's campaigns (cancel refunds what
was not sent) and messages, read-only."""

from __future__ import annotations

from django.contrib import admin

from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin
from nexusone.permissions import require_staff
from nexusone.tenancy import workspace_scope
from sms.models import SmsCampaign, SmsMessage


@admin.register(SmsCampaign)
class SmsCampaignAdmin(WorkspaceOwnedAdmin):
    list_display = (
        "name", "kind", "workspace", "status", "provider", "segments", "count_recipients", "count_sent",
        "count_delivered", "count_failed", "credits_charged", "credits_refunded", "created_at",
    )  # fmt: skip
    list_filter = ("status", "kind", "provider", "created_at")
    search_fields = ("name", "body", "workspace__name")
    readonly_fields = [f.name for f in SmsCampaign._meta.fields]
    actions = ("cancel",)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Cancel (refund what was not sent)")
    def cancel(self, request, queryset):
        from sms.services import campaign_cancel

        require_staff(request.user, "sms.admin.campaign_cancel")
        active = (SmsCampaign.Status.DRAFT, SmsCampaign.Status.SCHEDULED, SmsCampaign.Status.SENDING)
        for campaign in queryset.filter(status__in=active, kind=SmsCampaign.Kind.BROADCAST).select_related("workspace"):
            with workspace_scope(campaign.workspace):
                campaign_cancel(campaign=campaign, user=request.user)


@admin.register(SmsMessage)
class SmsMessageAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("id", "direction", "to", "from_number", "status", "segments", "sid", "error_code", "workspace")
    list_filter = ("direction", "status")
    search_fields = ("to", "from_number", "sid")
    list_select_related = ("workspace",)
    show_full_result_count = False
