"""Staff console for ad campaigns: every workspace's campaigns with their
variants, and the insight rows, read-only."""

from __future__ import annotations

from django.contrib import admin

from campaigns.models import AdInsight, AdVariant, Campaign
from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin


class AdVariantInline(admin.TabularInline):
    model = AdVariant
    fields = ("position", "headline", "primary_text", "call_to_action", "status", "external_ad_id", "refresh_round")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return AdVariant.unscoped.order_by("campaign", "position")


@admin.register(Campaign)
class CampaignAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = (
        "name",
        "workspace",
        "objective",
        "status",
        "provider",
        "budget_type",
        "budget_amount",
        "currency",
        "credits_charged",
        "launched_at",
        "created_at",
    )
    list_filter = ("status", "objective", "provider", "budget_type", "created_at")
    search_fields = ("name", "workspace__name", "external_campaign_id")
    list_select_related = ("workspace",)
    readonly_fields = [f.name for f in Campaign._meta.fields]
    inlines = (AdVariantInline,)
    show_full_result_count = False


@admin.register(AdVariant)
class AdVariantAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = (
        "id",
        "campaign",
        "position",
        "headline",
        "status",
        "external_ad_id",
        "external_status",
        "workspace",
    )
    list_filter = ("status",)
    search_fields = ("headline", "campaign__name", "external_ad_id")
    list_select_related = ("workspace", "campaign")
    show_full_result_count = False


@admin.register(AdInsight)
class AdInsightAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("date", "campaign_id", "variant_id", "impressions", "clicks", "spend", "conversions", "workspace")
    list_filter = ("date",)
    list_select_related = ("workspace",)
    show_full_result_count = False
