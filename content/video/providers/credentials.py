"""Which keys a workspace's videos use.

Interim until the integrations vault (`integrations/`) lands: the platform
keys from settings. Then: the workspace's own ElevenLabs / D-ID key from the
vault, else these. No key → the offline renderer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class VideoKeys:
    elevenlabs: str | None
    did: str | None

    @property
    def offline(self) -> bool:
        return not self.did


def video_keys(*, workspace) -> VideoKeys:
    return VideoKeys(elevenlabs=settings.ELEVENLABS_API_KEY or None, did=settings.DID_API_KEY or None)
