"""Media API serializers (`…Input` validates, `…Output` renders)."""

from __future__ import annotations

from rest_framework import serializers

from content.models import LANGUAGE_CHOICES
from medialib.models import MediaAsset
from medialib.services import PURPOSE_FILE, PURPOSES
from nexusone import storage


class UploadInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, use_url=False)
    purpose = serializers.ChoiceField(choices=[(p, p) for p in PURPOSES], default=PURPOSE_FILE)


class MediaAssetOutput(serializers.ModelSerializer):
    """`url` is public for public buckets and a signed link (valid until
    `url_expires_at`) for private ones — issued only to members."""

    url = serializers.SerializerMethodField()
    url_expires_at = serializers.SerializerMethodField()
    is_public = serializers.BooleanField(read_only=True)

    class Meta:
        model = MediaAsset
        fields = [
            "id",
            "name",
            "kind",
            "content_type",
            "size",
            "bucket",
            "is_public",
            "source",
            "width",
            "height",
            "duration_seconds",
            "url",
            "url_expires_at",
            "created_at",
            "expires_at",
        ]
        read_only_fields = fields

    def _link(self, obj) -> storage.Link:
        cache = self.context.setdefault("_links", {})
        if obj.pk not in cache:
            request = self.context["request"]
            link = storage.link(obj, user=request.user)
            cache[obj.pk] = storage.Link(url=request.build_absolute_uri(link.url), expires_at=link.expires_at)
        return cache[obj.pk]

    def get_url(self, obj) -> str:
        return self._link(obj).url

    def get_url_expires_at(self, obj) -> str | None:
        expires = self._link(obj).expires_at
        return expires.isoformat() if expires else None


class VoiceoverInput(serializers.Serializer):
    text = serializers.CharField(max_length=5000, trim_whitespace=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    voice_id = serializers.RegexField(r"^[A-Za-z0-9_-]{0,64}$", required=False, allow_blank=True, default="")


class VoiceoverOutput(serializers.Serializer):
    id = serializers.IntegerField()
    audio_url = serializers.CharField()
    url_expires_at = serializers.CharField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)
    provider = serializers.CharField()
    voice_id = serializers.CharField(allow_blank=True)
    language = serializers.CharField()
    credits_charged = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ImagesInput(serializers.Serializer):
    prompt = serializers.CharField(max_length=1000, trim_whitespace=True)
    size = serializers.ChoiceField(
        choices=[("1024x1024", "1024x1024"), ("1024x1536", "1024x1536"), ("1536x1024", "1536x1024")],
        default="1024x1024",
    )
    count = serializers.IntegerField(min_value=1, max_value=4, default=1)
    language = serializers.ChoiceField(
        choices=LANGUAGE_CHOICES,
        default="en",
        help_text="Language of the words on an offline card.",
    )


class ImagesOutput(serializers.Serializer):
    images = MediaAssetOutput(many=True)
    provider = serializers.CharField()
    model = serializers.CharField()
    credits_charged = serializers.IntegerField()
