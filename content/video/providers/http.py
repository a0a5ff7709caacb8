"""The video providers' HTTP: the outbound door (`nexusone.outbound`) with the
defaults ElevenLabs and D-ID calls need — a longer read timeout (speech for a
5,000-character script takes a while) and a backoff base from settings, so
tests retry without sleeping. 429 is retried for every method, honouring
`Retry-After`; 5xx only for GETs (a repeated POST could make a second paid
voice or talk)."""

from __future__ import annotations

import httpx
from django.conf import settings

from nexusone import outbound
from nexusone.outbound import use_transport

__all__ = ["ProviderClient", "use_transport"]

TIMEOUT = httpx.Timeout(120.0, connect=5.0)


def ProviderClient(*, service: str, base_url: str, headers: dict | None = None) -> outbound.ProviderClient:
    return outbound.ProviderClient(
        service=service,
        base_url=base_url,
        headers=headers,
        timeout=TIMEOUT,
        retry=outbound.RetryPolicy(backoff_base=settings.VIDEO_RETRY_BASE_SECONDS),
    )
