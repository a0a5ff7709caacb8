"""Journey API under /api/v1/journeys/. Thin: validate → service → render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from journeys import selectors, services
from journeys.api import serializers as s
from journeys.models import Journey
from nexusone.api.viewsets import ScopedViewSet

ERRORS = {
    400: OpenApiResponse(
        description="Validation error: `details` maps each field (e.g. `steps[1].subject`) to messages."
    ),
    404: OpenApiResponse(description="Not found (also for another workspace's ids)."),
}
TAGS = ["journeys"]


@extend_schema_view(
    list=extend_schema(responses={200: s.JourneyOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.JourneyOutput, **ERRORS}, tags=TAGS),
    destroy=extend_schema(responses={204: None, 404: ERRORS[404]}, tags=TAGS),
)
class JourneyViewSet(ScopedViewSet):
    """Customer journeys: a trigger enrols CRM contacts, who move through the
    steps once each, evaluated every minute. Costs are those of the messages
    the steps send (`email_send`, `sms_send`, WhatsApp)."""

    model = Journey
    serializer_class = s.JourneyOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["status"]
    search_fields = ["name"]
    ordering_fields = ["created_at", "name"]
    ordering = ["-created_at", "-id"]

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.JourneyOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.JourneyOutput(self.get_object()).data)

    @extend_schema(request=s.JourneyInput, responses={201: s.JourneyOutput, **ERRORS}, tags=TAGS)
    def create(self, request):
        data = s.JourneyInput(data=request.data)
        data.is_valid(raise_exception=True)
        journey = services.journey_create(
            workspace=request.workspace, data=data.validated_data, user=request.user, request=request
        )
        return Response(s.JourneyOutput(journey).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.JourneyInput, responses={200: s.JourneyOutput, **ERRORS}, tags=TAGS)
    def partial_update(self, request, pk=None):
        journey = self.get_object()
        data = s.JourneyInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        journey = services.journey_update(journey=journey, data=data.validated_data, user=request.user, request=request)
        return Response(s.JourneyOutput(journey).data)

    def destroy(self, request, pk=None):
        services.journey_delete(journey=self.get_object(), user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.JourneyOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        journey = services.journey_activate(journey=self.get_object(), user=request.user, request=request)
        return Response(s.JourneyOutput(journey).data)

    @extend_schema(request=None, responses={200: s.JourneyOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        journey = services.journey_pause(journey=self.get_object(), user=request.user, request=request)
        return Response(s.JourneyOutput(journey).data)

    @extend_schema(responses={200: s.JourneyStatsOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["get"], filter_backends=[])
    def stats(self, request, pk=None):
        """Entered, in progress, completed, left (by reason), and per step: runs by outcome and contacts waiting."""
        return Response(selectors.journey_stats(journey=self.get_object()))

    @extend_schema(
        parameters=[OpenApiParameter("status", str, required=False)],
        responses={200: s.EnrollmentOutput(many=True), **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def enrollments(self, request, pk=None):
        """The contacts in the journey, newest first, with their current step."""
        queryset = selectors.enrollment_list(journey=self.get_object(), status=request.query_params.get("status", ""))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.EnrollmentOutput(page, many=True).data)
