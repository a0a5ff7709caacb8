"""D-ID Talks: `POST /talks` (portrait + our voice track + webhook) → 201
`{id, status: "created"}`, `GET /talks/{id}` → `created → started → done
(result_url) | error | rejected`. Auth: `Authorization: Basic <key>`, the key
exactly as D-ID shows it. Errors: `{"kind", "description"}`; 402 no
credits, 451 moderation. D-ID does not sign webhooks: the job's URL carries
an unguessable token, and the talk is re-read here before anything happens.
"""

from __future__ import annotations

from django.conf import settings

from content.video.providers.base import Talk, VideoProviderError, code_for_status
from content.video.providers.http import ProviderClient

SERVICE = "d-id"
# D-ID's own text-to-speech voices when no ElevenLabs key is configured.
MICROSOFT_VOICES = {
    "en": "en-US-JennyNeural",
    "es": "es-ES-ElviraNeural",
    "pt": "pt-BR-FranciscaNeural",
    "ar": "ar-SA-ZariyahNeural",
    "he": "he-IL-HilaNeural",
}


def _error(answer) -> VideoProviderError:
    code, retryable = code_for_status(answer.status_code)
    try:
        body = answer.json()
    except ValueError:
        body = {}
    description = ""
    if isinstance(body, dict):
        parts = (body.get("kind"), body.get("description") or body.get("message"))
        description = " — ".join(str(x) for x in parts if x)
    return VideoProviderError(
        code, provider=SERVICE, status=answer.status_code, description=description, retryable=retryable
    )


def talk_from(body: dict) -> Talk:
    error = body.get("error") or {}
    return Talk(
        id=body.get("id", ""),
        status=body.get("status", ""),
        result_url=body.get("result_url") or "",
        duration=body.get("duration"),
        error_kind=error.get("kind", "") if isinstance(error, dict) else "",
        error_description=(error.get("description", "") if isinstance(error, dict) else str(error))[:500],
    )


class DIDClient:
    def __init__(self, api_key: str, *, base_url: str | None = None):
        self.api_key = api_key
        self.http = ProviderClient(
            service=SERVICE, base_url=base_url or settings.DID_BASE_URL, headers={"Authorization": f"Basic {api_key}"}
        )

    def create_talk(
        self,
        *,
        source_url: str,
        webhook: str,
        user_data: str,
        name: str,
        audio_url: str = "",
        text: str = "",
        language: str = "en",
    ) -> str:
        if audio_url:
            script = {"type": "audio", "audio_url": audio_url}
        else:
            voice = MICROSOFT_VOICES.get(language, MICROSOFT_VOICES["en"])
            script = {"type": "text", "input": text, "provider": {"type": "microsoft", "voice_id": voice}}
        body = {
            "source_url": source_url,
            "script": script,
            "config": {"result_format": "mp4", "fluent": False},
            "webhook": webhook,
            "user_data": user_data[:1000],
            "name": name[:100],
        }
        answer = self.http.post("/talks", json=body, secrets=[self.api_key])
        if answer.status_code not in (200, 201):
            raise _error(answer)
        talk_id = answer.json().get("id")
        if not talk_id:
            raise VideoProviderError(
                "provider_failed", provider=SERVICE, status=answer.status_code, description="no talk id in the answer"
            )
        return talk_id

    def get_talk(self, talk_id: str) -> Talk:
        answer = self.http.get(f"/talks/{talk_id}", secrets=[self.api_key])
        if answer.status_code != 200:
            raise _error(answer)
        return talk_from(answer.json())

    def download(self, url: str, sink) -> int:
        """Stream a finished talk's `result_url` (a signed S3 link that expires) into `sink`."""
        # A presigned link carries its own signature: no Authorization header may go with it.
        answer = ProviderClient(service=SERVICE, base_url="").get(url, sink=sink)
        if answer.status_code != 200:
            raise VideoProviderError(
                "download_failed", provider=SERVICE, status=answer.status_code, retryable=answer.status_code >= 500
            )
        return sink.tell()
