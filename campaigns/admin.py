"""Staff console for ad campaigns: every workspace's campaigns with their
variants, the insight rows and insights reports, read-only."""

from __future__ import annotations

from django.contrib import admin

from campaigns.models import (
    AdInsight,
    AdVariant,
    Campaign,
    Generation,
    GraphEvent,
    InsightRun,
    RefreshReport,
    SocialPost,
)
from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin, staff_action
from nexusone.tenancy import workspace_scope


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
    actions = ("pause",)

    @staff_action("campaigns.admin.pause", description="Pause at the provider")
    def pause(self, request, queryset):
        from campaigns.launching import campaign_set_status

        for campaign in queryset.filter(status=Campaign.Status.ACTIVE).select_related("workspace"):
            with workspace_scope(campaign.workspace):
                campaign_set_status(campaign=campaign, action="pause", user=request.user)


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


@admin.register(InsightRun)
class InsightRunAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    """Meta's asynchronous insights reports: where each stands and why one failed."""

    list_display = (
        "id",
        "campaign",
        "since",
        "until",
        "status",
        "provider_status",
        "percent",
        "polls",
        "rows",
        "error",
        "created_at",
        "workspace",
    )
    list_filter = ("status", "created_at")
    search_fields = ("report_run_id", "campaign__name")
    list_select_related = ("workspace", "campaign")
    readonly_fields = [f.name for f in InsightRun._meta.fields]
    show_full_result_count = False


@admin.register(GraphEvent)
class GraphEventAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("key", "kind", "status", "attempts", "error", "contact_id", "created_at", "workspace")
    list_filter = ("kind", "status")
    search_fields = ("key",)
    list_select_related = ("workspace",)
    show_full_result_count = False


@admin.register(SocialPost)
class SocialPostAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("id", "platform", "status", "scheduled_at", "published_at", "provider", "external_id", "workspace")
    list_filter = ("platform", "status")
    search_fields = ("text", "external_id")
    list_select_related = ("workspace",)
    show_full_result_count = False


@admin.register(Generation)
class GenerationAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("id", "kind", "language", "provider", "credits_charged", "created_at", "workspace")
    list_filter = ("kind", "provider")
    list_select_related = ("workspace",)
    show_full_result_count = False


@admin.register(RefreshReport)
class RefreshReportAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("campaign", "week", "outcome", "credits_charged", "created_at", "workspace")
    list_filter = ("outcome", "week")
    list_select_related = ("workspace", "campaign")
    show_full_result_count = False
