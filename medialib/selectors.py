"""Media library reads (inside the workspace scope)."""

from __future__ import annotations

from django.db.models import QuerySet

from medialib.models import MediaAsset

# Intermediate files (voice tracks handed to a provider) are not library items.
HIDDEN_SOURCES = ("voice_track",)


def media_list() -> QuerySet[MediaAsset]:
    return MediaAsset.objects.exclude(source__in=HIDDEN_SOURCES).order_by("-created_at", "-id")


def media_get(*, pk: int) -> MediaAsset | None:
    return MediaAsset.objects.filter(pk=pk).first()


def portraits() -> QuerySet[MediaAsset]:
    """The workspace's uploaded presenter portraits (for avatar videos)."""
    return MediaAsset.objects.filter(source="portrait", kind=MediaAsset.Kind.IMAGE).order_by("-created_at", "-id")
