"""ElevenLabs text to speech: `POST /v1/text-to-speech/{voice_id}` (raw audio
bytes back) and the voice list `GET /v2/voices`. Auth: `xi-api-key`.

The model must speak the language: Hebrew is only in `eleven_v3`; the other
four of our languages are in `eleven_multilingual_v2` (which refuses a
`language_code`). Errors: 422 `{"detail": [{loc, msg, type}]}`, others
`{"detail": {"status", "message"}}` — `quota_exceeded` arrives as a 401.
"""

from __future__ import annotations

from django.conf import settings

from content.video.providers.base import Speech, VideoProviderError, Voice, code_for_status
from content.video.providers.http import ProviderClient

SERVICE = "elevenlabs"
MODEL_FOR_LANGUAGE = {"he": "eleven_v3"}
DEFAULT_MODEL = "eleven_multilingual_v2"
MODELS_TAKING_LANGUAGE_CODE = {"eleven_v3", "eleven_flash_v2_5", "eleven_turbo_v2_5"}
# A premade multilingual voice ("Rachel") when the request names none.
DEFAULT_VOICE_ID = "21m00Tcm4TlvDq8ikWAM"
OUTPUT_FORMAT = "mp3_44100_128"


def model_for(language: str) -> str:
    return MODEL_FOR_LANGUAGE.get(language, DEFAULT_MODEL)


def _error(answer) -> VideoProviderError:
    code, retryable = code_for_status(answer.status_code)
    description = ""
    try:
        detail = answer.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, dict):
        status = str(detail.get("status", ""))
        description = f"{status}: {detail.get('message', '')}".strip(": ")
        if status == "quota_exceeded":
            code, retryable = "provider_quota_exceeded", False
        elif status == "invalid_api_key":
            code, retryable = "provider_auth_failed", False
        elif status in ("too_many_concurrent_requests", "system_busy"):
            code, retryable = "provider_rate_limited", True
    elif isinstance(detail, list):
        description = "; ".join(f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg', '')}" for d in detail)
    return VideoProviderError(
        code, provider=SERVICE, status=answer.status_code, description=description, retryable=retryable
    )


class ElevenLabsClient:
    def __init__(self, api_key: str, *, base_url: str | None = None):
        self.api_key = api_key
        self.http = ProviderClient(
            service=SERVICE, base_url=base_url or settings.ELEVENLABS_BASE_URL, headers={"xi-api-key": api_key}
        )

    def text_to_speech(self, *, text: str, voice_id: str, language: str) -> Speech:
        model = model_for(language)
        body: dict = {"text": text, "model_id": model}
        if model in MODELS_TAKING_LANGUAGE_CODE:
            body["language_code"] = language
        answer = self.http.post(
            f"/v1/text-to-speech/{voice_id or DEFAULT_VOICE_ID}",
            params={"output_format": OUTPUT_FORMAT},
            json=body,
            headers={"Accept": "audio/mpeg"},
            secrets=[self.api_key],
        )
        if answer.status_code != 200:
            raise _error(answer)
        return Speech(
            audio=answer.content,
            content_type=answer.headers.get("content-type", "audio/mpeg").split(";")[0],
            extension="mp3",
            model_id=model,
            request_id=answer.headers.get("request-id", ""),
            characters=len(text),
        )

    def voices(self, *, language: str | None = None, page_size: int = 100) -> list[Voice]:
        """The account's voices (`GET /v2/voices`, token pages), those verified for `language` first."""
        voices: list[Voice] = []
        token = None
        for _page in range(10):
            params = {"page_size": page_size, **({"next_page_token": token} if token else {})}
            answer = self.http.get("/v2/voices", params=params, secrets=[self.api_key])
            if answer.status_code != 200:
                raise _error(answer)
            body = answer.json()
            for item in body.get("voices", []):
                verified = tuple(sorted({v.get("language", "") for v in item.get("verified_languages") or []} - {""}))
                voices.append(
                    Voice(
                        voice_id=item["voice_id"],
                        name=item.get("name") or item["voice_id"],
                        category=item.get("category") or "",
                        preview_url=item.get("preview_url") or "",
                        labels=item.get("labels") or {},
                        languages=verified,
                    )
                )
            token = body.get("next_page_token")
            if not body.get("has_more") or not token:
                break
        if language:
            voices.sort(key=lambda v: (language not in v.languages, v.name.lower()))
        return voices
