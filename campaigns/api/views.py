"""Ad campaign API under /api/v1/campaigns/. Thin: validate → service → render.

Reads need `viewer`; drafts, launches and syncs need `member`. Objects come
from the scoped queryset, so another workspace's id is a 404 like a missing
one; nested variant routes resolve the campaign the same way.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from campaigns import services
from campaigns.api import serializers as s
from campaigns.models import AdVariant, Campaign
from nexusone.api.viewsets import ScopedViewSet
from nexusone.errors import NotFound
from nexusone.idempotency import idempotent

TAGS = ["campaigns"]
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False, description="A retry with the same key is free."
)
ERRORS = {
    400: OpenApiResponse(description="Validation error: `details` maps each field (`budget.amount`) to messages."),
    404: OpenApiResponse(description="Not found (also for another workspace's ids)."),
}


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
