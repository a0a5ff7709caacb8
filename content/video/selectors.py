"""Video reads (inside the workspace scope): jobs, voices, presenters."""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from django.core.cache import cache
from django.db.models import QuerySet

from content.video import presenters
from content.video.models import VideoProject
from content.video.providers.credentials import video_keys
from content.video.providers.elevenlabs import ElevenLabsClient
from medialib.selectors import portraits
from nexusone import storage

VOICES_CACHE_SECONDS = 3600
# What the offline renderer offers: it has no voices, only speaking styles.
OFFLINE_VOICES = (
    {"voice_id": "offline-bright", "name": "Bright", "category": "offline"},
    {"voice_id": "offline-warm", "name": "Warm", "category": "offline"},
    {"voice_id": "offline-deep", "name": "Deep", "category": "offline"},
)


def video_project_list() -> QuerySet[VideoProject]:
    return VideoProject.objects.select_related("video_asset", "thumbnail_asset").order_by("-created_at", "-id")


def video_project_get(*, pk: int) -> VideoProject | None:
    return video_project_list().filter(pk=pk).first()


def voice_list(*, workspace, language: str | None) -> dict:
    """ElevenLabs voices of the key in use (cached an hour per key and language),
    or the offline renderer's speaking styles."""
    keys = video_keys(workspace=workspace)
    if not keys.elevenlabs:
        voices = [{**v, "preview_url": "", "languages": [], "labels": {}} for v in OFFLINE_VOICES]
        return {"provider": "offline", "voices": voices}
    digest = hashlib.sha256(keys.elevenlabs.encode()).hexdigest()[:16]
    cache_key = f"video:voices:{digest}:{language or 'all'}"
    voices = cache.get(cache_key)
    if voices is None:
        voices = [
            {**asdict(v), "languages": list(v.languages)}
            for v in ElevenLabsClient(keys.elevenlabs).voices(language=language)
        ]
        cache.set(cache_key, voices, VOICES_CACHE_SECONDS)
    return {"provider": "elevenlabs", "voices": voices}


def avatar_list(*, absolute: bool = False) -> list[dict]:
    """The curated presenters, then the workspace's uploaded portraits."""
    items = [
        {
            "avatar_id": p.avatar_id,
            "name": str(p.name),
            "kind": "curated",
            "image_url": presenters.presenter_url(p, absolute=absolute),
        }
        for p in presenters.PRESENTERS
    ]
    for asset in portraits()[:100]:
        items.append(
            {
                "avatar_id": f"{presenters.PORTRAIT_PREFIX}{asset.pk}",
                "name": asset.name,
                "kind": "portrait",
                "image_url": storage.public_url(asset, absolute=absolute),
            }
        )
    return items
