"""E-mail API under /api/v1/email/. Thin: validate input → call a service or
a selector → render output. Every view inherits the scoped base, so another
workspace's rows are 404 like missing ones; reads need `viewer`, writes
`member`; senders and suppressions are changed by `admin`s."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from emails import selectors
from emails.api import serializers as s
from emails.models import Campaign, Sender, Suppression
from emails.services import campaigns, dispatch, senders, suppressions
from nexusone.api.viewsets import ScopedAPIView, ScopedViewSet
from nexusone.idempotency import idempotent

ERRORS = {
    400: OpenApiResponse(description="Validation error: `details` maps each field to messages."),
    404: OpenApiResponse(description="Not found (also for another workspace's ids)."),
}
IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
CHARGED = {402: OpenApiResponse(description="`insufficient_credits` with `needed` and `available`.")}
TAGS = ["email"]


@extend_schema_view(
    list=extend_schema(responses={200: s.EmailSenderOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.EmailSenderOutput, **ERRORS}, tags=TAGS),
    destroy=extend_schema(responses={204: None, 404: ERRORS[404]}, tags=TAGS),
)
class SenderViewSet(ScopedViewSet):
    """From addresses and the DNS records their domain must publish (SPF,
    DKIM, DMARC); `POST …/{id}/verify` looks them up."""

    model = Sender
    serializer_class = s.EmailSenderOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields: list = []
    search_fields = ["email", "name"]
    ordering_fields = ["email", "created_at"]
    ordering = ["email", "id"]
    permissions = {"create": "emails.sender.manage", "destroy": "emails.sender.manage"}

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.EmailSenderOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.EmailSenderOutput(self.get_object()).data)

    @extend_schema(
        request=s.EmailSenderInput, responses={201: s.EmailSenderOutput, 409: OpenApiResponse(), **ERRORS}, tags=TAGS
    )
    def create(self, request):
        data = s.EmailSenderInput(data=request.data)
        data.is_valid(raise_exception=True)
        sender = senders.sender_create(
            workspace=request.workspace, user=request.user, request=request, **data.validated_data
        )
        return Response(s.EmailSenderOutput(sender).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        senders.sender_delete(sender=self.get_object(), user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.EmailSenderOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Look the domain's SPF, DKIM and DMARC records up (DNS) and update `verified`."""
        return Response(s.EmailSenderOutput(senders.sender_verify(sender=self.get_object())).data)


@extend_schema_view(
    list=extend_schema(responses={200: s.EmailCampaignOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.EmailCampaignDetailOutput, **ERRORS}, tags=TAGS),
    destroy=extend_schema(responses={204: None, 404: ERRORS[404], 409: OpenApiResponse()}, tags=TAGS),
)
class CampaignViewSet(ScopedViewSet):
    """E-mail campaigns: a draft until `POST …/{id}/send` (202, charged then:
    `email_send`, 1 credit per 100 recipients, rounded up) or, with
    `schedule_at`, started by the platform within a minute of that time."""

    model = Campaign
    serializer_class = s.EmailCampaignOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["status"]
    search_fields = ["name", "subject"]
    ordering_fields = ["created_at", "name", "started_at"]
    ordering = ["-created_at", "-id"]

    def safely_get_queryset(self, queryset):
        return queryset.filter(kind=Campaign.Kind.BROADCAST).select_related("sender")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.EmailCampaignOutput(page, many=True).data)

    def _detail(self, campaign: Campaign) -> dict:
        campaign.estimate = campaigns.campaign_estimate(campaign=campaign) if campaign.is_editable else None
        return s.EmailCampaignDetailOutput(campaign).data

    def retrieve(self, request, pk=None):
        return Response(self._detail(self.get_object()))

    @extend_schema(request=s.EmailCampaignInput, responses={201: s.EmailCampaignDetailOutput, **ERRORS}, tags=TAGS)
    def create(self, request):
        data = s.EmailCampaignInput(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = campaigns.campaign_create(workspace=request.workspace, data=data.validated_data, user=request.user)
        return Response(self._detail(campaign), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.EmailCampaignInput,
        responses={200: s.EmailCampaignDetailOutput, 409: OpenApiResponse(), **ERRORS},
        tags=TAGS,
    )
    def partial_update(self, request, pk=None):
        campaign = self.get_object()
        data = s.EmailCampaignInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(self._detail(campaigns.campaign_update(campaign=campaign, data=data.validated_data)))

    def destroy(self, request, pk=None):
        campaigns.campaign_delete(campaign=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY],
        responses={202: s.EmailCampaignOutput, 409: OpenApiResponse(description="Already sent."), **CHARGED, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent(required=False)
    def send(self, request, pk=None):
        """Send now: 400 `sender_not_verified`, `postal_address_required` or
        `empty_audience` when not ready; 402 when credits are short."""
        campaign = dispatch.campaign_send(campaign=self.get_object(), user=request.user, request=request)
        return Response(s.EmailCampaignOutput(campaign).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: s.EmailCampaignOutput, 409: OpenApiResponse(), **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Stop a scheduled or sending campaign; what was not sent is refunded."""
        campaign = dispatch.campaign_cancel(campaign=self.get_object(), user=request.user, request=request)
        return Response(s.EmailCampaignOutput(campaign).data)

    @extend_schema(
        parameters=[OpenApiParameter("variant", int, required=False, description="A/B subject line index.")],
        responses={200: s.EmailPreviewOutput, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        """The e-mail as its first recipient would see it (links not tracked)."""
        campaign = self.get_object()
        variant = request.query_params.get("variant", "0")
        preview = campaigns.campaign_preview(campaign=campaign, variant=int(variant) if variant.isdigit() else 0)
        return Response(preview)

    @extend_schema(
        request=s.EmailTestSendInput,
        parameters=[IDEMPOTENCY],
        responses={
            200: s.EmailTestSendOutput,
            502: OpenApiResponse(description="The mail service refused it."),
            **CHARGED,
            **ERRORS,
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent(required=False)
    def test(self, request, pk=None):
        """Send a test to up to 5 addresses (no tracking; one `email_send` unit)."""
        campaign = self.get_object()
        data = s.EmailTestSendInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = campaigns.campaign_test_send(
            campaign=campaign,
            to=data.validated_data["to"],
            user=request.user,
            idempotency_key=getattr(request, "idempotency_key", None),
        )
        return Response(result)

    @extend_schema(
        request=s.EmailVariantsInput,
        parameters=[IDEMPOTENCY],
        responses={200: s.EmailVariantsOutput, 409: OpenApiResponse(), **CHARGED, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent(required=False)
    def variants(self, request, pk=None):
        """AI-written subject, preheader and body variants in the audience's
        language (the `content` cost per variant)."""
        campaign = self.get_object()
        data = s.EmailVariantsInput(data=request.data)
        data.is_valid(raise_exception=True)
        variants = campaigns.campaign_variants(
            campaign=campaign,
            brief=data.validated_data["brief"],
            count=data.validated_data["count"],
            user=request.user,
            idempotency_key=getattr(request, "idempotency_key", None),
        )
        return Response({"variants": variants})

    @extend_schema(responses={200: s.EmailStatsOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["get"])
    def stats(self, request, pk=None):
        """Delivered, opened, clicked, unsubscribed, bounced — with rates, A/B
        variants, clicks per link and an hourly timeline."""
        return Response(selectors.campaign_stats(campaign=self.get_object()))

    @extend_schema(
        parameters=[OpenApiParameter("status", str, required=False)],
        responses={200: s.EmailMessageOutput(many=True), **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def messages(self, request, pk=None):
        """One row per recipient, with its status and tracking times."""
        campaign = self.get_object()
        queryset = selectors.message_list(campaign=campaign, status=request.query_params.get("status", ""))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.EmailMessageOutput(page, many=True).data)


@extend_schema_view(
    list=extend_schema(responses={200: s.EmailSuppressionOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.EmailSuppressionOutput, **ERRORS}, tags=TAGS),
    destroy=extend_schema(responses={204: None, 404: ERRORS[404], 409: OpenApiResponse()}, tags=TAGS),
)
class SuppressionViewSet(ScopedViewSet):
    """Addresses never e-mailed again by this workspace: unsubscribed, hard
    bounces, complaints, and those added here by hand (only those can be removed)."""

    model = Suppression
    serializer_class = s.EmailSuppressionOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["reason"]
    search_fields = ["email"]
    ordering_fields = ["created_at", "email"]
    ordering = ["-created_at", "-id"]
    permissions = {"create": "emails.suppression.manage", "destroy": "emails.suppression.manage"}

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.EmailSuppressionOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.EmailSuppressionOutput(self.get_object()).data)

    @extend_schema(
        request=s.EmailSuppressionInput,
        responses={201: s.EmailSuppressionOutput, 409: OpenApiResponse(), **ERRORS},
        tags=TAGS,
    )
    def create(self, request):
        data = s.EmailSuppressionInput(data=request.data)
        data.is_valid(raise_exception=True)
        suppression = suppressions.suppression_create(
            workspace=request.workspace, user=request.user, request=request, **data.validated_data
        )
        return Response(s.EmailSuppressionOutput(suppression).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        suppressions.suppression_delete(suppression=self.get_object(), user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailSettingsInput(serializers.Serializer):
    postal_address = serializers.CharField(max_length=300, allow_blank=True)


class EmailSettingsView(ScopedAPIView):
    """The workspace's e-mail settings: the postal address every campaign's
    footer shows (required before the first campaign)."""

    permissions = {"get": "emails.view", "put": "emails.change"}

    @extend_schema(responses={200: EmailSettingsInput}, tags=TAGS)
    def get(self, request):
        from emails.branding import postal_address

        return Response({"postal_address": postal_address(request.workspace)})

    @extend_schema(request=EmailSettingsInput, responses={200: EmailSettingsInput, **ERRORS}, tags=TAGS)
    def put(self, request):
        from emails.branding import postal_address_set

        data = EmailSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        value = postal_address_set(
            workspace=request.workspace, value=data.validated_data["postal_address"], user=request.user, request=request
        )
        return Response({"postal_address": value})
