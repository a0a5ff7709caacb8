"""Ad campaign API under /api/v1/campaigns/. Thin: validate → service → render.

Reads need `viewer`; drafts, launches and syncs need `member`. Objects come
from the scoped queryset, so another workspace's id is a 404 like a missing
one; nested variant routes resolve the campaign the same way.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from campaigns import abtest, generators, insights, launching, services
from campaigns.api import serializers as s
from campaigns.models import AdVariant, Campaign
from nexusone.api.viewsets import ScopedViewSet
from nexusone.errors import NotFound, ValidationFailed
from nexusone.idempotency import idempotent

TAGS = ["campaigns"]
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False, description="A retry with the same key is free."
)
ERRORS = {
    400: OpenApiResponse(description="Validation error: `details` maps each field (`budget.amount`) to messages."),
    404: OpenApiResponse(description="Not found (also for another workspace's ids)."),
}


MAX_RANGE_DAYS = 400
RANGE = [
    OpenApiParameter("from", date, required=False, description="First day (default: 27 days before `to`)."),
    OpenApiParameter("to", date, required=False, description="Last day (default: today, UTC)."),
]


def date_range(params) -> tuple[date, date]:
    """`?from=&to=` → (since, until), 400 with field errors on bad input."""
    errors: dict[str, list[str]] = {}
    values: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = params.get(name)
        try:
            values[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = [_("Enter a date (YYYY-MM-DD).")]
    if errors:
        raise ValidationFailed(details=errors)
    until = values["to"] or timezone.now().date()
    since = values["from"] or until - timedelta(days=27)
    if since > until:
        raise ValidationFailed(details={"from": [_("The start must not be after the end.")]})
    if (until - since).days > MAX_RANGE_DAYS:
        raise ValidationFailed(details={"from": [_("At most %(n)d days.") % {"n": MAX_RANGE_DAYS}]})
    return since, until


def _with_variants(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(Prefetch("variants", queryset=AdVariant.objects.order_by("position")))


@extend_schema_view(
    list=extend_schema(responses={200: s.CampaignOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.CampaignOutput, **ERRORS}, tags=TAGS),
    destroy=extend_schema(responses={204: None, 404: ERRORS[404]}, tags=TAGS),
)
class CampaignViewSet(ScopedViewSet):
    """Ad campaigns: drafts with AI-written copy variants (`facebook_ads`, 15
    credits, once per Idempotency-Key), launched on Meta through the
    workspace's `meta` connection (or the offline provider)."""

    model = Campaign
    serializer_class = s.CampaignOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["status", "objective"]
    search_fields = ["name"]
    ordering_fields = ["created_at", "name"]
    ordering = ["-created_at", "-id"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return _with_variants(queryset).order_by("-created_at", "-id")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if getattr(self, "action", None) == "list" else queryset

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.CampaignOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.CampaignOutput(self.get_object()).data)

    @extend_schema(
        request=s.CampaignInput, responses={201: s.CampaignOutput, **ERRORS}, parameters=[IDEMPOTENCY], tags=TAGS
    )
    @idempotent(required=False)
    def create(self, request):
        campaign = services.campaign_create(
            workspace=request.workspace,
            user=request.user,
            data=request.data,
            idempotency_key=getattr(request, "idempotency_key", None) or "",
            fallback_language=getattr(request, "LANGUAGE_CODE", "en"),
            request=request,
        )
        campaign = _with_variants(Campaign.objects.filter(pk=campaign.pk)).get()
        return Response(s.CampaignOutput(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CampaignPatchInput, responses={200: s.CampaignOutput, **ERRORS}, tags=TAGS)
    def partial_update(self, request, pk=None):
        campaign = services.campaign_update(campaign=self.get_object(), data=request.data, user=request.user)
        campaign = _with_variants(Campaign.objects.filter(pk=campaign.pk)).get()
        return Response(s.CampaignOutput(campaign).data)

    def destroy(self, request, pk=None):
        services.campaign_delete(campaign=self.get_object(), user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _render(self, campaign: Campaign, code: int = status.HTTP_200_OK) -> Response:
        campaign = _with_variants(Campaign.objects.filter(pk=campaign.pk)).get()
        return Response(s.CampaignOutput(campaign).data, status=code)

    @extend_schema(
        request=None,
        responses={202: s.CampaignOutput, 400: OpenApiResponse(description="`integration_required` (what is missing in "
                   "`details.missing`), `currency_mismatch`."), 409: OpenApiResponse(description="Not a draft.")},
        tags=TAGS,
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def launch(self, request, pk=None):
        """Launch at the workspace's Meta ad account (or the offline provider when the platform has no Meta app):
        one campaign, one ad set, a creative and an ad per variant. Answers 202; `status` becomes `active`
        (or `failed` with `launch_error`) when the launch task is done. Free: the draft paid for the copy."""
        campaign = launching.campaign_launch(campaign=self.get_object(), user=request.user, request=request)
        return self._render(campaign, status.HTTP_202_ACCEPTED)

    def _status(self, request, name: str) -> Response:
        campaign = launching.campaign_set_status(
            campaign=self.get_object(), action=name, user=request.user, request=request
        )
        return self._render(campaign)

    @extend_schema(request=None, responses={200: s.CampaignOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Pause the campaign at the provider."""
        return self._status(request, "pause")

    @extend_schema(request=None, responses={200: s.CampaignOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Resume a paused campaign at the provider."""
        return self._status(request, "resume")

    @extend_schema(request=None, responses={200: s.CampaignOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive the campaign at the provider (then it may be deleted here)."""
        return self._status(request, "archive")

    @extend_schema(
        request=None,
        responses={
            200: s.SyncOutput,
            202: OpenApiResponse(s.SyncOutput, description="The provider is still preparing the report."),
            **ERRORS,
            502: OpenApiResponse(description="The provider failed or skipped the report (`ads_provider_error`)."),
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        """Ask the provider for the last 28 days of insights as an asynchronous report and wait a few
        seconds for it: 200 when its rows are stored (upserted per ad and day), 202 while it is still
        being prepared (it is followed in the background; `run.status` says where it stands)."""
        campaign = self.get_object()
        run = insights.insights_sync_now(campaign=campaign)
        campaign.refresh_from_db()
        body = {
            "rows": run.rows if run is not None else 0,
            "last_synced_at": campaign.last_synced_at,
            "run": s.InsightRunOutput(run).data if run is not None else None,
        }
        running = run is not None and run.status == run.Status.RUNNING
        return Response(body, status=status.HTTP_202_ACCEPTED if running else status.HTTP_200_OK)

    @extend_schema(
        parameters=[*RANGE, OpenApiParameter("level", str, enum=["campaign", "ad"], required=False)],
        responses={200: s.InsightsOutput, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def insights(self, request, pk=None):
        """Daily figures (impressions, reach, clicks, CTR %, CPC, CPM, spend, conversions, value, ROAS) for
        the campaign or per ad, with the range's totals. Money in the campaign's currency (major units)."""
        campaign = self.get_object()
        since, until = date_range(request.query_params)
        level = request.query_params.get("level") or "campaign"
        if level not in ("campaign", "ad"):
            raise ValidationFailed(details={"level": [_("Choose “campaign” or “ad”.")]})
        return Response(insights.campaign_insights(campaign=campaign, since=since, until=until, level=level))

    @extend_schema(parameters=RANGE, responses={200: s.MetricsOutput, **ERRORS}, tags=TAGS)
    @action(detail=False, methods=["get"], filter_backends=[])
    def metrics(self, request):
        """Marketing metrics: the workspace's totals (per currency) and per campaign per day."""
        since, until = date_range(request.query_params)
        return Response(insights.workspace_metrics(since=since, until=until))

    @extend_schema(
        request=s.InspirationInput,
        responses={201: s.CampaignGenerationOutput, **ERRORS},
        parameters=[IDEMPOTENCY],
        tags=TAGS,
    )
    @action(detail=False, methods=["post"], url_path="ad-inspiration", filter_backends=[])
    @idempotent(required=False)
    def ad_inspiration(self, request):
        """Angles, hooks, headlines, primary texts and calls to action (`ad_inspiration`, 5 credits)."""
        result = generators.ad_inspiration(
            workspace=request.workspace, user=request.user, data=request.data,
            idempotency_key=getattr(request, "idempotency_key", None) or "",
        )  # fmt: skip
        return Response(s.CampaignGenerationOutput(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.PlanInput, responses={201: s.CampaignGenerationOutput, **ERRORS}, parameters=[IDEMPOTENCY], tags=TAGS
    )
    @action(detail=False, methods=["post"], url_path="launch-plan", filter_backends=[])
    @idempotent(required=False)
    def launch_plan(self, request):
        """A week-by-week launch plan: goals, channels, the budget split, a content calendar (`launch_plan`, 8)."""
        result = generators.launch_plan(
            workspace=request.workspace, user=request.user, data=request.data,
            idempotency_key=getattr(request, "idempotency_key", None) or "",
        )  # fmt: skip
        return Response(s.CampaignGenerationOutput(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.RefreshReportOutput(many=True), **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["get"], url_path="refresh-reports", filter_backends=[])
    def refresh_reports(self, request, pk=None):
        """What each weekly refresh found (fatigued ads and why) and did (new ads)."""
        campaign = self.get_object()
        return Response(s.RefreshReportOutput(campaign.refresh_reports.order_by("-created_at"), many=True).data)

    @extend_schema(responses={200: s.ProviderOutput}, tags=TAGS)
    @action(detail=False, methods=["get"], filter_backends=[])
    def provider(self, request):
        """Which ads provider a launch would use now, and what is missing for Meta."""
        return Response(launching.provider_state(workspace=request.workspace))

    @extend_schema(
        parameters=[OpenApiParameter("metric", str, enum=[*abtest.METRICS], required=False)],
        responses={200: s.AbTestOutput, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], url_path="ab-test", filter_backends=[])
    def ab_test(self, request, pk=None):
        """The variants' A/B test: rates with 95 % intervals, the two-proportion z-test, the leader and whether
        the result is significant (only with the minimum sample per variant)."""
        metric = request.query_params.get("metric") or "ctr"
        return Response(abtest.ab_result(campaign=self.get_object(), metric=metric))

    @extend_schema(request=s.ConcludeInput, responses={200: s.AbTestOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"], url_path="ab-test/conclude")
    def ab_test_conclude(self, request, pk=None):
        """Keep the winner (`winner`, else the significant leader) and pause the other ads at the provider."""
        campaign = self.get_object()
        data = s.ConcludeInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = abtest.ab_conclude(
            campaign=campaign,
            winner_id=data.validated_data.get("winner"),
            metric=data.validated_data.get("metric") or "ctr",
            user=request.user,
        )
        return Response(result)


class AdVariantViewSet(ScopedViewSet):
    """The copy variants of a campaign (its A/B test); editable while it is a draft."""

    model = AdVariant
    serializer_class = s.VariantOutput
    lookup_value_regex = r"[0-9]+"
    url_models = {"campaign_pk": Campaign}
    filter_backends: list = []

    def campaign(self) -> Campaign:
        campaign = Campaign.objects.filter(pk=self.kwargs["campaign_pk"]).first()
        if campaign is None:
            raise NotFound()
        return campaign

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(campaign_id=self.kwargs.get("campaign_pk")).order_by("position")

    @extend_schema(responses={200: s.VariantOutput(many=True), **ERRORS}, tags=TAGS)
    def list(self, request, campaign_pk=None):
        self.campaign()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.VariantOutput(page, many=True).data)

    @extend_schema(request=s.VariantInput, responses={200: s.VariantOutput, **ERRORS}, tags=TAGS)
    def partial_update(self, request, campaign_pk=None, pk=None):
        self.campaign()
        variant = services.variant_update(variant=self.get_object(), data=request.data)
        return Response(s.VariantOutput(variant).data)
