"""Video API serializers (`…Input` validates, `…Output` renders)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from content.models import LANGUAGE_CHOICES
from content.video.models import VideoProject, VideoPrompt, VideoStyle
from content.video.services import MAX_SCRIPT
from nexusone import storage


class VideoProjectCreateInput(serializers.Serializer):
    script = serializers.CharField(max_length=MAX_SCRIPT, trim_whitespace=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    style = serializers.ChoiceField(choices=VideoStyle.choices, default=VideoStyle.PROFESSIONAL)
    voice_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    avatar_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VideoErrorOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class VideoProjectOutput(serializers.ModelSerializer):
    """`video_url` / `thumbnail_url` are ours (the `video-assets` bucket), never the provider's expiring link."""

    video_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    class Meta:
        model = VideoProject
        fields = [
            "id",
            "title",
            "script",
            "language",
            "style",
            "voice_id",
            "avatar_id",
            "status",
            "progress",
            "stage",
            "video_url",
            "thumbnail_url",
            "duration_seconds",
            "provider",
            "error",
            "credits_charged",
            "created_at",
            "updated_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _url(self, asset) -> str | None:
        if asset is None:
            return None
        url = storage.public_url(asset)
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_video_url(self, obj) -> str | None:
        return self._url(obj.video_asset) if obj.status == VideoProject.Status.COMPLETED else None

    def get_thumbnail_url(self, obj) -> str | None:
        return self._url(obj.thumbnail_asset) if obj.status == VideoProject.Status.COMPLETED else None

    @extend_schema_field(VideoErrorOutput(allow_null=True))
    def get_error(self, obj) -> dict | None:
        if not obj.error_code:
            return None
        return {"code": obj.error_code, "message": obj.error_text}


class VoiceOutput(serializers.Serializer):
    voice_id = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    preview_url = serializers.CharField(allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField())
    labels = serializers.DictField(child=serializers.CharField())


class VoiceListOutput(serializers.Serializer):
    provider = serializers.CharField()
    voices = VoiceOutput(many=True)


class AvatarOutput(serializers.Serializer):
    avatar_id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["curated", "portrait"])
    image_url = serializers.CharField()


class AvatarListOutput(serializers.Serializer):
    avatars = AvatarOutput(many=True)


class VideoPromptInput(serializers.Serializer):
    idea = serializers.CharField(max_length=1000, trim_whitespace=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    style = serializers.ChoiceField(choices=VideoStyle.choices, default=VideoStyle.PROFESSIONAL)


class ShotOutput(serializers.Serializer):
    duration_seconds = serializers.IntegerField()
    visual = serializers.CharField()
    camera = serializers.CharField(allow_blank=True)
    on_screen_text = serializers.CharField(allow_blank=True)
    narration = serializers.CharField(allow_blank=True)


class VideoPromptOutput(serializers.ModelSerializer):
    shots = ShotOutput(many=True)

    class Meta:
        model = VideoPrompt
        fields = [
            "id",
            "idea",
            "language",
            "style",
            "title",
            "shots",
            "prompt",
            "provider",
            "model",
            "credits_charged",
            "created_at",
        ]
        read_only_fields = fields
