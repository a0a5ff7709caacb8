"""Social posts (/api/v1/social-posts/) and the generators' results
(/api/v1/campaign-generations/). Thin: validate → service → render."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from campaigns import generators, posts
from campaigns.api import serializers as s
from campaigns.api.views import ERRORS, IDEMPOTENCY, TAGS
from campaigns.models import Generation, SocialPost
from nexusone.api.viewsets import ScopedViewSet
from nexusone.idempotency import idempotent


@extend_schema_view(
    list=extend_schema(responses={200: s.SocialPostOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.SocialPostOutput, **ERRORS}, tags=TAGS),
    destroy=extend_schema(responses={204: None, 404: ERRORS[404]}, tags=TAGS),
)
class SocialPostViewSet(ScopedViewSet):
    """Posts on the workspace's Facebook Page or Instagram account, now or at
    `scheduled_at` (published by the beat, exactly once)."""

    model = SocialPost
    serializer_class = s.SocialPostOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["status", "platform"]
    ordering_fields = ["scheduled_at", "created_at"]
    ordering = ["-created_at", "-id"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("-created_at", "-id")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if getattr(self, "action", None) == "list" else queryset

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.SocialPostOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.SocialPostOutput(self.get_object()).data)

    @extend_schema(
        request=s.SocialPostInput, responses={201: s.SocialPostOutput, **ERRORS}, parameters=[IDEMPOTENCY], tags=TAGS
    )
    @idempotent(required=False)
    def create(self, request):
        post = posts.post_create(
            workspace=request.workspace,
            user=request.user,
            data=request.data,
            idempotency_key=getattr(request, "idempotency_key", None) or "",
        )
        post.refresh_from_db()
        return Response(s.SocialPostOutput(post).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        posts.post_cancel(post=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(responses={200: s.CampaignGenerationOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.CampaignGenerationOutput, **ERRORS}, tags=TAGS),
)
class GenerationViewSet(ScopedViewSet):
    """Ad-inspiration batches and launch plans (made with POST /campaigns/ad-inspiration and /campaigns/launch-plan)."""

    model = Generation
    serializer_class = s.CampaignGenerationOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["kind"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("-created_at", "-id")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if getattr(self, "action", None) == "list" else queryset

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.CampaignGenerationOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.CampaignGenerationOutput(self.get_object()).data)

    @extend_schema(request=s.PlanApplyInput, responses={200: s.PlanApplyOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        """Turn a launch plan's items into scheduled posts and campaign drafts (each draft charged `facebook_ads`
        once; applying again creates nothing more)."""
        return Response(generators.plan_apply(plan=self.get_object(), user=request.user, data=request.data))
