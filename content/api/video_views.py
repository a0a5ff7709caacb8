"""Video projects API: create (202, 25 credits, plan quota), list, status,
cancel, delete; the voices and presenters to choose from.

Thin: validate input → call a service → render output."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from content.api import video_serializers as s
from content.api.views import ERRORS, IDEMPOTENCY_HEADER, NOT_FOUND, _actor
from content.models import LANGUAGE_CHOICES
from content.video import prompt_helper, selectors, services
from content.video.models import VideoProject, VideoPrompt, VideoStyle
from nexusone.api.viewsets import ScopedAPIView, ScopedViewSet
from nexusone.idempotency import idempotent


class VideoProjectFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=VideoProject.Status.choices)
    language = django_filters.ChoiceFilter(choices=LANGUAGE_CHOICES)
    style = django_filters.ChoiceFilter(choices=VideoStyle.choices)

    class Meta:
        model = VideoProject
        fields = ["status", "language", "style"]


@extend_schema(tags=["videos"])
class VideoProjectViewSet(ScopedViewSet):
    """Avatar videos: create (queued, 202), list (filters `status`, `language`, `style`, `?search=`),
    status of one, cancel, delete (removes the files)."""

    model = VideoProject
    serializer_class = s.VideoProjectOutput
    filterset_class = VideoProjectFilter
    search_fields = ["title", "script"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"[0-9]+"

    def safely_get_queryset(self, queryset):
        return queryset.select_related("video_asset", "thumbnail_asset").order_by("-created_at", "-id")

    def _out(self, project: VideoProject) -> dict:
        return s.VideoProjectOutput(project, context={"request": self.request}).data

    @extend_schema(responses={200: s.VideoProjectOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.VideoProjectOutput(page, many=True, context={"request": request}).data)

    @extend_schema(responses={200: s.VideoProjectOutput, **NOT_FOUND})
    def retrieve(self, request, pk=None):
        return Response(self._out(self.get_object()))

    @extend_schema(
        request=s.VideoProjectCreateInput,
        responses={202: s.VideoProjectOutput, 403: OpenApiResponse(description="`quota_exceeded`"), **ERRORS},
        parameters=[IDEMPOTENCY_HEADER],
    )
    @idempotent()
    def create(self, request):
        data = s.VideoProjectCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.video_project_create(
            workspace=request.workspace,
            user=_actor(request),
            idempotency_key=request.idempotency_key,
            **data.validated_data,
        )
        project.refresh_from_db()
        return Response(self._out(project), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: s.VideoProjectOutput, 409: None, **NOT_FOUND})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        project = services.video_project_cancel(project=self.get_object(), user=_actor(request), request=request)
        return Response(self._out(project))

    @extend_schema(responses={204: None, **NOT_FOUND})
    def destroy(self, request, pk=None):
        services.video_project_delete(project=self.get_object(), user=_actor(request), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VoiceListView(ScopedAPIView):
    """Voices to choose from (ElevenLabs, cached; the offline renderer's styles without a key)."""

    @extend_schema(
        parameters=[OpenApiParameter("language", str, enum=[c for c, _n in LANGUAGE_CHOICES], required=False)],
        responses={200: s.VoiceListOutput, 502: OpenApiResponse(description="The voice provider failed.")},
        tags=["videos"],
    )
    def get(self, request):
        language = request.query_params.get("language") or None
        if language is not None and language not in dict(LANGUAGE_CHOICES):
            from nexusone.errors import ValidationFailed

            raise ValidationFailed(details={"language": [_("Unknown language.")]})
        return Response(s.VoiceListOutput(selectors.voice_list(workspace=request.workspace, language=language)).data)


class AvatarListView(ScopedAPIView):
    """Presenters: the curated set and the workspace's uploaded portraits."""

    @extend_schema(responses={200: s.AvatarListOutput}, tags=["videos"])
    def get(self, request):
        avatars = [{**a, "image_url": request.build_absolute_uri(a["image_url"])} for a in selectors.avatar_list()]
        return Response(s.AvatarListOutput({"avatars": avatars}).data)


@extend_schema(tags=["media"])
class VideoPromptViewSet(ScopedViewSet):
    """Shot-by-shot prompts for text-to-video models: create (5 credits), list, retrieve."""

    model = VideoPrompt
    serializer_class = s.VideoPromptOutput
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"[0-9]+"

    def safely_get_queryset(self, queryset):
        return queryset.order_by("-created_at", "-id")

    @extend_schema(responses={200: s.VideoPromptOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.VideoPromptOutput(page, many=True).data)

    @extend_schema(responses={200: s.VideoPromptOutput, **NOT_FOUND})
    def retrieve(self, request, pk=None):
        return Response(s.VideoPromptOutput(self.get_object()).data)

    @extend_schema(
        request=s.VideoPromptInput, responses={201: s.VideoPromptOutput, **ERRORS}, parameters=[IDEMPOTENCY_HEADER]
    )
    @idempotent()
    def create(self, request):
        data = s.VideoPromptInput(data=request.data)
        data.is_valid(raise_exception=True)
        prompt = prompt_helper.video_prompt_create(
            workspace=request.workspace,
            user=_actor(request),
            idempotency_key=request.idempotency_key,
            **data.validated_data,
        )
        return Response(s.VideoPromptOutput(prompt).data, status=status.HTTP_201_CREATED)
