"""SMS API under /api/v1/sms/. Thin: validate → service → render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from nexusone.api.viewsets import ScopedAPIView, ScopedViewSet
from nexusone.idempotency import idempotent
from sms import segments, services
from sms.api import serializers as s
from sms.models import SmsCampaign, SmsMessage

ERRORS = {
    400: OpenApiResponse(description="Validation error: `details` maps each field to messages."),
    404: OpenApiResponse(description="Not found (also for another workspace's ids)."),
}
TAGS = ["sms"]


def _output(campaign: SmsCampaign) -> dict:
    if campaign.is_editable:
        estimate = services.campaign_estimate(campaign=campaign)
        campaign.recipients, campaign.credits = estimate["recipients"], estimate["credits"]
    else:
        campaign.recipients, campaign.credits = campaign.count_recipients, campaign.credits_charged
    return s.SmsCampaignOutput(campaign).data


@extend_schema_view(
    list=extend_schema(responses={200: s.SmsCampaignOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.SmsCampaignOutput, **ERRORS}, tags=TAGS),
    destroy=extend_schema(responses={204: None, 404: ERRORS[404], 409: OpenApiResponse()}, tags=TAGS),
)
class SmsCampaignViewSet(ScopedViewSet):
    """SMS campaigns to contacts with SMS consent. The answer says how many
    `segments` each message takes (GSM-7 160/153, UCS-2 70/67) and its
    `encoding`; `POST …/{id}/send` charges `sms_send` per segment and recipient."""

    model = SmsCampaign
    serializer_class = s.SmsCampaignOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["status"]
    search_fields = ["name", "body"]
    ordering_fields = ["created_at", "name"]
    ordering = ["-created_at", "-id"]

    def safely_get_queryset(self, queryset):
        return queryset.filter(kind=SmsCampaign.Kind.BROADCAST)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        for campaign in page:
            campaign.recipients, campaign.credits = campaign.count_recipients, campaign.credits_charged
        return self.get_paginated_response(s.SmsCampaignOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(_output(self.get_object()))

    @extend_schema(request=s.SmsCampaignInput, responses={201: s.SmsCampaignOutput, **ERRORS}, tags=TAGS)
    def create(self, request):
        data = s.SmsCampaignInput(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(workspace=request.workspace, data=data.validated_data, user=request.user)
        return Response(_output(campaign), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SmsCampaignInput, responses={200: s.SmsCampaignOutput, **ERRORS}, tags=TAGS)
    def partial_update(self, request, pk=None):
        campaign = self.get_object()
        data = s.SmsCampaignInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(_output(services.campaign_update(campaign=campaign, data=data.validated_data)))

    def destroy(self, request, pk=None):
        services.campaign_delete(campaign=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            202: s.SmsCampaignOutput,
            402: OpenApiResponse(description="`insufficient_credits` with `needed` and `available`."),
            409: OpenApiResponse(description="Already sent."),
            **ERRORS,
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent(required=False)
    def send(self, request, pk=None):
        campaign = services.campaign_send(campaign=self.get_object(), user=request.user, request=request)
        return Response(_output(campaign), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: s.SmsCampaignOutput, 409: OpenApiResponse(), **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        campaign = services.campaign_cancel(campaign=self.get_object(), user=request.user, request=request)
        return Response(_output(campaign))

    @extend_schema(
        parameters=[OpenApiParameter("status", str, required=False)],
        responses={200: s.SmsMessageOutput(many=True), **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def messages(self, request, pk=None):
        """One row per recipient with its status, Twilio sid and error."""
        campaign = self.get_object()
        queryset = SmsMessage.objects.filter(campaign_id=campaign.pk).order_by("pk")
        if request.query_params.get("status"):
            queryset = queryset.filter(status=request.query_params["status"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.SmsMessageOutput(page, many=True).data)


class SmsSegmentCountView(ScopedAPIView):
    """How many segments a text takes, and in which encoding (free)."""

    @extend_schema(parameters=[s.SmsCountInput], responses={200: s.SmsCountOutput, **ERRORS}, tags=TAGS)
    def get(self, request):
        data = s.SmsCountInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        counted = segments.count(data.validated_data["body"])
        return Response(
            {
                "encoding": counted.encoding,
                "segments": counted.segments,
                "characters": counted.characters,
                "units": counted.units,
                "per_segment": counted.per_segment,
            }
        )
