"""/api/v1/webhook-endpoints/ — endpoints, their deliveries, rotate, test, redeliver."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from nexusone.api.viewsets import ScopedViewSet
from nexusone.errors import NotFound
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint


class EndpointInput(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(child=serializers.CharField(max_length=64), allow_empty=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False, default=True)


class EndpointOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "description", "enabled", "disabled_at", "disabled_reason", "failing_since",
                  "created_at", "updated_at"]  # fmt: skip


class EndpointWithSecret(EndpointOutput):
    """Shown once: at creation and after a rotation."""

    secret = serializers.CharField()

    class Meta(EndpointOutput.Meta):
        fields = [*EndpointOutput.Meta.fields, "secret"]


class DeliveryOutput(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.message_id")
    type = serializers.CharField(source="event.type")

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event_id", "type", "status", "attempts", "next_attempt_at", "last_status_code",
                  "last_duration_ms", "last_response", "last_error", "delivered_at", "created_at"]  # fmt: skip


@extend_schema_view(
    list=extend_schema(responses={200: EndpointOutput(many=True)}, tags=["webhooks"]),
    retrieve=extend_schema(responses={200: EndpointOutput}, tags=["webhooks"]),
    destroy=extend_schema(responses={204: None}, tags=["webhooks"]),
)
class WebhookEndpointViewSet(ScopedViewSet):
    model = WebhookEndpoint
    serializer_class = EndpointOutput
    lookup_value_regex = r"[0-9]+"
    permissions = {
        "list": "webhooks.view",
        "retrieve": "webhooks.view",
        "deliveries": "webhooks.view",
        "create": "webhooks.manage",
        "partial_update": "webhooks.manage",
        "update": "webhooks.manage",
        "destroy": "webhooks.manage",
        "rotate_secret": "webhooks.manage",
        "test": "webhooks.manage",
    }

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset().order_by("created_at", "id"))
        return self.get_paginated_response(EndpointOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(EndpointOutput(self.get_object()).data)

    @extend_schema(request=EndpointInput, responses={201: EndpointWithSecret}, tags=["webhooks"])
    def create(self, request):
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(
            workspace=request.workspace, user=request.user, role=request.workspace_role,
            data=data.validated_data, request=request,
        )  # fmt: skip
        return Response(EndpointWithSecret(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndpointInput(partial=True), responses={200: EndpointOutput}, tags=["webhooks"])
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        data = EndpointInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(
            endpoint=endpoint, user=request.user, role=request.workspace_role,
            data={k: v for k, v in data.validated_data.items() if k in request.data}, request=request,
        )  # fmt: skip
        return Response(EndpointOutput(endpoint).data)

    @extend_schema(request=EndpointInput, responses={200: EndpointOutput}, tags=["webhooks"])
    def update(self, request, pk=None):
        return self.partial_update(request, pk)

    def destroy(self, request, pk=None):
        services.endpoint_delete(
            endpoint=self.get_object(), user=request.user, role=request.workspace_role, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: EndpointWithSecret}, tags=["webhooks"])
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = services.endpoint_rotate(
            endpoint=self.get_object(), user=request.user, role=request.workspace_role, request=request
        )
        return Response(EndpointWithSecret(endpoint).data)

    @extend_schema(request=None, responses={200: DeliveryOutput}, tags=["webhooks"])
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = services.send_test(endpoint=self.get_object(), role=request.workspace_role)
        return Response(DeliveryOutput(delivery).data)

    @extend_schema(responses={200: DeliveryOutput(many=True)}, tags=["webhooks"])
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        rows = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(DeliveryOutput(page, many=True).data)


class WebhookDeliveryViewSet(ScopedViewSet):
    """`POST /api/v1/webhook-endpoints/{endpoint}/deliveries/{id}/redeliver`."""

    model = WebhookDelivery
    serializer_class = DeliveryOutput
    url_models = {"endpoint_pk": WebhookEndpoint}
    lookup_value_regex = r"[0-9]+"
    permissions = {"redeliver": "webhooks.manage"}

    @extend_schema(request=None, responses={200: DeliveryOutput}, tags=["webhooks"])
    @action(detail=True, methods=["post"])
    def redeliver(self, request, endpoint_pk=None, pk=None):
        delivery = WebhookDelivery.objects.filter(endpoint_id=endpoint_pk, pk=pk).select_related("event").first()
        if delivery is None:
            raise NotFound()
        delivery = services.redeliver(delivery=delivery, role=request.workspace_role, user=request.user)
        return Response(DeliveryOutput(delivery).data)
