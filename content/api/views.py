"""Content API: generations, business ideas, magic pages.

Thin: validate input → call a service → render output. Charged POSTs take
an `Idempotency-Key` (required): same key and body → the stored response
and one charge; another body → 422; while the first runs → 409."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from content import landing_services, selectors, services
from content.api import serializers as s
from content.filters import GenerationFilter, IdeaBatchFilter, LandingPageFilter
from content.models import Generation, IdeaBatch, LandingPage
from nexusone.api.viewsets import ScopedAPIView, ScopedViewSet
from nexusone.idempotency import idempotent

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=True,
    description="Unique per intended action: a retry with the same key returns the first response and is charged once.",
)  # fmt: skip
ERRORS = {
    400: OpenApiResponse(description="Validation error (details name the fields) or missing Idempotency-Key."),
    402: OpenApiResponse(description="Not enough credits (`needed`, `available`); nothing was created."),
    409: OpenApiResponse(description="A request with this Idempotency-Key is still running."),
    422: OpenApiResponse(description="The Idempotency-Key was used for a different request."),
    502: OpenApiResponse(description="The AI provider failed; the charge was refunded."),
    504: OpenApiResponse(description="The AI provider timed out; the charge was refunded."),
}
NOT_FOUND = {404: OpenApiResponse(description="No such row in this workspace.")}


def _actor(request):
    return request.user if getattr(request.user, "is_authenticated", False) else None


class ContentGenerateView(ScopedAPIView):
    """Generate one piece of content (5 credits)."""

    @extend_schema(
        request=s.GenerateInput,
        responses={201: s.GenerationOutput, **ERRORS},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["content"],
    )
    @idempotent()
    def post(self, request):
        data = s.GenerateInput(data=request.data)
        data.is_valid(raise_exception=True)
        generation = services.content_generate(
            workspace=request.workspace,
            user=_actor(request),
            idempotency_key=request.idempotency_key,
            **data.validated_data,
        )
        return Response(s.GenerationOutput(generation).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["content"])
class GenerationViewSet(ScopedViewSet):
    """History: list (filters `type`, `language`, `tone`, `length`, `?search=`),
    retrieve, edit the text, delete."""

    model = Generation
    serializer_class = s.GenerationOutput
    filterset_class = GenerationFilter
    search_fields = ["prompt", "text"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"[0-9]+"

    def safely_get_queryset(self, queryset):
        return queryset.order_by("-created_at", "-id")

    @extend_schema(responses={200: s.GenerationOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.GenerationOutput(page, many=True).data)

    @extend_schema(responses={200: s.GenerationOutput, **NOT_FOUND})
    def retrieve(self, request, pk=None):
        return Response(s.GenerationOutput(self.get_object()).data)

    @extend_schema(request=s.GenerationUpdateInput, responses={200: s.GenerationOutput, **NOT_FOUND})
    def partial_update(self, request, pk=None):
        generation = self.get_object()
        data = s.GenerationUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        generation = services.generation_update(generation=generation, text=data.validated_data["text"])
        return Response(s.GenerationOutput(generation).data)

    @extend_schema(responses={204: None, **NOT_FOUND})
    def destroy(self, request, pk=None):
        services.generation_delete(generation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["content"])
class IdeaBatchViewSet(ScopedViewSet):
    """Business ideas ("generate income"): create a batch of five (8 credits), list, retrieve."""

    model = IdeaBatch
    serializer_class = s.IdeaBatchOutput
    filterset_class = IdeaBatchFilter
    search_fields = ["niche"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"[0-9]+"

    def safely_get_queryset(self, queryset):
        return queryset.order_by("-created_at", "-id")

    @extend_schema(responses={200: s.IdeaBatchOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.IdeaBatchOutput(page, many=True).data)

    @extend_schema(responses={200: s.IdeaBatchOutput, **NOT_FOUND})
    def retrieve(self, request, pk=None):
        return Response(s.IdeaBatchOutput(self.get_object()).data)

    @extend_schema(request=s.IdeasInput, responses={201: s.IdeaBatchOutput, **ERRORS}, parameters=[IDEMPOTENCY_HEADER])
    @idempotent()
    def create(self, request):
        data = s.IdeasInput(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.ideas_generate(
            workspace=request.workspace,
            user=_actor(request),
            idempotency_key=request.idempotency_key,
            **data.validated_data,
        )
        return Response(s.IdeaBatchOutput(batch).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["magic pages"])
class LandingPageViewSet(ScopedViewSet):
    """Magic pages: create (10 credits, plan quota), edit, publish/unpublish, stats, leads."""

    model = LandingPage
    serializer_class = s.LandingPageOutput
    filterset_class = LandingPageFilter
    search_fields = ["title", "industry"]
    ordering_fields = ["created_at", "id", "views", "conversions"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"[0-9]+"

    def safely_get_queryset(self, queryset):
        return queryset.order_by("-created_at", "-id")

    def _out(self, page: LandingPage) -> dict:
        return s.LandingPageOutput(page, context={"request": self.request}).data

    @extend_schema(responses={200: s.LandingPageOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.LandingPageOutput(page, many=True, context={"request": request}).data)

    @extend_schema(responses={200: s.LandingPageOutput, **NOT_FOUND})
    def retrieve(self, request, pk=None):
        return Response(self._out(self.get_object()))

    @extend_schema(
        request=s.LandingPageCreateInput,
        responses={201: s.LandingPageOutput, 403: OpenApiResponse(description="`quota_exceeded`"), **ERRORS},
        parameters=[IDEMPOTENCY_HEADER],
    )
    @idempotent()
    def create(self, request):
        data = s.LandingPageCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        page = landing_services.landing_page_create(
            workspace=request.workspace,
            user=_actor(request),
            idempotency_key=request.idempotency_key,
            **data.validated_data,
        )
        return Response(self._out(page), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.LandingPageUpdateInput, responses={200: s.LandingPageOutput, 400: None, **NOT_FOUND})
    def partial_update(self, request, pk=None):
        page = self.get_object()
        data = s.LandingPageUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        page = landing_services.landing_page_update(page=page, data=data.validated_data)
        return Response(self._out(page))

    @extend_schema(responses={204: None, **NOT_FOUND})
    def destroy(self, request, pk=None):
        landing_services.landing_page_delete(page=self.get_object(), actor=_actor(request), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.PublishOutput, **NOT_FOUND})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        page = landing_services.landing_page_publish(page=self.get_object(), actor=_actor(request), request=request)
        return Response({"url": request.build_absolute_uri(page.public_path), "status": page.status})

    @extend_schema(request=None, responses={200: s.PublishOutput, **NOT_FOUND})
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        page = landing_services.landing_page_unpublish(page=self.get_object(), actor=_actor(request), request=request)
        return Response({"url": None, "status": page.status})

    @extend_schema(responses={200: s.LandingPageStatsOutput, **NOT_FOUND})
    @action(detail=True, methods=["get"])
    def stats(self, request, pk=None):
        return Response(s.LandingPageStatsOutput(selectors.landing_page_stats(page=self.get_object())).data)

    @extend_schema(responses={200: s.SubmissionOutput(many=True), **NOT_FOUND})
    @action(detail=True, methods=["get"])
    def submissions(self, request, pk=None):
        page = self.paginate_queryset(selectors.landing_page_submissions(page=self.get_object()))
        return self.get_paginated_response(s.SubmissionOutput(page, many=True).data)
