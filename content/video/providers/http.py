"""The video providers' HTTP: the outbound door (`nexusone.outbound`) with the
defaults ElevenLabs and D-ID calls need — a longer read timeout (speech for a
5,000-character script takes a while) and a backoff base from settings, so
tests retry without sleeping. 429 is retried for every method, honouring
`Retry-After`; 5xx only for GETs (a repeated POST could make a second paid
voice or talk)."""

from __future__ import annotations

from django.conf import settings

from nexusone import outbound

__all__ = ["ProviderClient"]


def ProviderClient(*, service: str, base_url: str, headers: dict | None = None) -> outbound.ProviderClient:
    import httpx  # with the door's first call, not at boot (issue 19, "Cold start")

    return outbound.ProviderClient(
        service=service,
        base_url=base_url,
        headers=headers,
        timeout=httpx.Timeout(120.0, connect=5.0),
        retry=outbound.RetryPolicy(backoff_base=settings.VIDEO_RETRY_BASE_SECONDS),
    )
