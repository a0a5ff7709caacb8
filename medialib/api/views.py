"""Media API: the library (list, retrieve, delete) and uploads.

Thin: validate input → call a service → render output."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from content.api.views import ERRORS as CHARGED_ERRORS
from content.api.views import IDEMPOTENCY_HEADER
from medialib import generation, selectors, services
from medialib.api import serializers as s
from medialib.filters import MediaAssetFilter
from medialib.models import MediaAsset
from nexusone import storage
from nexusone.api.viewsets import ScopedAPIView, ScopedViewSet
from nexusone.idempotency import idempotent

NOT_FOUND = {404: OpenApiResponse(description="No such file in this workspace.")}


def _actor(request):
    return request.user if getattr(request.user, "is_authenticated", False) else None


class UploadView(ScopedAPIView):
    """Upload a file to the media library (multipart field `file`)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.UploadInput},
        responses={
            201: s.MediaAssetOutput,
            400: OpenApiResponse(description="No file, or an empty one."),
            413: OpenApiResponse(description="`payload_too_large`: the file (or the image's pixel count) is too big."),
            415: OpenApiResponse(description="`unsupported_media_type`: not an image, video, audio file or PDF."),
        },
        tags=["media"],
    )
    def post(self, request):
        data = s.UploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        asset = services.media_upload(
            workspace=request.workspace,
            user=_actor(request),
            upload=data.validated_data["file"],
            purpose=data.validated_data["purpose"],
        )
        return Response(s.MediaAssetOutput(asset, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["media"])
class MediaAssetViewSet(ScopedViewSet):
    """The workspace's media library: list (filters `kind`, `bucket`, `source`, `?search=`), retrieve, delete."""

    model = MediaAsset
    serializer_class = s.MediaAssetOutput
    filterset_class = MediaAssetFilter
    search_fields = ["name"]
    ordering_fields = ["created_at", "id", "size"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"[0-9]+"

    def safely_get_queryset(self, queryset):
        return queryset.exclude(source__in=selectors.HIDDEN_SOURCES).order_by("-created_at", "-id")

    @extend_schema(responses={200: s.MediaAssetOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.MediaAssetOutput(page, many=True, context={"request": request}).data)

    @extend_schema(responses={200: s.MediaAssetOutput, **NOT_FOUND})
    def retrieve(self, request, pk=None):
        return Response(s.MediaAssetOutput(self.get_object(), context={"request": request}).data)

    @extend_schema(responses={204: None, **NOT_FOUND})
    def destroy(self, request, pk=None):
        services.media_delete(asset=self.get_object(), user=_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VoiceoverView(ScopedAPIView):
    """Text to speech (5 credits): ElevenLabs with a key, else an offline tone track of the right length."""

    @extend_schema(
        request=s.VoiceoverInput,
        responses={201: s.VoiceoverOutput, **CHARGED_ERRORS},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["media"],
    )
    @idempotent()
    def post(self, request):
        data = s.VoiceoverInput(data=request.data)
        data.is_valid(raise_exception=True)
        asset = generation.voiceover_create(
            workspace=request.workspace,
            user=_actor(request),
            idempotency_key=request.idempotency_key,
            **data.validated_data,
        )
        link = storage.link(asset, user=request.user)
        meta = asset.metadata
        body = {
            "id": asset.pk,
            "audio_url": request.build_absolute_uri(link.url),
            "url_expires_at": link.expires_at.isoformat() if link.expires_at else None,
            "duration_seconds": asset.duration_seconds,
            "provider": meta.get("provider", ""),
            "voice_id": meta.get("voice_id", ""),
            "language": meta.get("language", ""),
            "credits_charged": meta.get("credits", 0),
            "created_at": asset.created_at,
        }
        return Response(s.VoiceoverOutput(body).data, status=status.HTTP_201_CREATED)


class ImagesView(ScopedAPIView):
    """Generate 1–4 images (5 credits each) into the public `generated-content` bucket."""

    @extend_schema(
        request=s.ImagesInput,
        responses={201: s.ImagesOutput, **CHARGED_ERRORS},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["media"],
    )
    @idempotent()
    def post(self, request):
        data = s.ImagesInput(data=request.data)
        data.is_valid(raise_exception=True)
        batch = generation.images_generate(
            workspace=request.workspace,
            user=_actor(request),
            idempotency_key=request.idempotency_key,
            **data.validated_data,
        )
        body = {
            "images": batch.images,
            "provider": batch.provider,
            "model": batch.model,
            "credits_charged": batch.credits_charged,
        }
        return Response(s.ImagesOutput(body, context={"request": request}).data, status=status.HTTP_201_CREATED)
