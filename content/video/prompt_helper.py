"""The video prompt helper: an idea → a shot-by-shot prompt for text-to-video
models, through the AI gateway (module `content`, 5 credits; offline: five
templated shots in the request's language)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from content import gateway
from content.services import MODULE_CONTENT, charged_run
from content.video.models import VideoPrompt, VideoStyle
from nexusone.errors import ProviderError, ValidationFailed

LANGUAGES = ("en", "es", "pt", "ar", "he")
MAX_IDEA = 1000
MAX_SHOTS = 8


def _text(value, limit: int) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, str | int | float) else ""


def normalize_shots(data: dict, *, provider: str) -> tuple[str, list[dict], str]:
    shots = []
    for shot in data.get("shots") or []:
        if not isinstance(shot, dict) or not _text(shot.get("visual"), 500):
            continue
        try:
            seconds = max(1, min(20, int(float(shot.get("duration_seconds") or 4))))
        except (TypeError, ValueError):
            seconds = 4
        shots.append(
            {
                "duration_seconds": seconds,
                "visual": _text(shot.get("visual"), 500),
                "camera": _text(shot.get("camera"), 200),
                "on_screen_text": _text(shot.get("on_screen_text"), 120),
                "narration": _text(shot.get("narration"), 300),
            }
        )
    prompt = str(data.get("prompt") or "").strip()[:4000]
    if not shots or not prompt:
        raise ProviderError(details={"provider": provider, "reason": "malformed_response"})
    return _text(data.get("title"), 200), shots[:MAX_SHOTS], prompt


def video_prompt_create(
    *,
    workspace,
    user,
    idea: str,
    language: str,
    style: str = VideoStyle.PROFESSIONAL,
    idempotency_key: str | None = None,
) -> VideoPrompt:
    idea = (idea or "").strip()
    errors = {}
    if not idea:
        errors["idea"] = [_("This field is required.")]
    elif len(idea) > MAX_IDEA:
        errors["idea"] = [_("At most %(n)d characters.") % {"n": MAX_IDEA}]
    if language not in LANGUAGES:
        errors["language"] = [_("“%(value)s” is not a valid choice.") % {"value": language}]
    if style not in VideoStyle.values:
        errors["style"] = [_("“%(value)s” is not a valid choice.") % {"value": style}]
    if errors:
        raise ValidationFailed(details=errors)
    if idempotency_key:
        existing = VideoPrompt.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    actor = user if getattr(user, "is_authenticated", False) else None

    def work(handle) -> VideoPrompt:
        result = gateway.generate_text(
            task="content.video_prompt",
            template="video_prompt",
            language=language,
            variables={"idea": idea, "style": style},
            max_tokens=1200,
            temperature=0.8,
            json_output=True,
        )
        handle.metadata.update(result.metadata())
        title, shots, prompt = normalize_shots(
            gateway.parse_json_object(result.text, provider=result.provider), provider=result.provider
        )
        return VideoPrompt.objects.create(
            workspace=workspace,
            created_by=actor,
            idea=idea,
            language=language,
            style=style,
            title=title or idea[:200],
            shots=shots,
            prompt=prompt,
            provider=result.provider,
            model=result.model[:100],
            prompt_version=result.prompt_version,
            credits_charged=handle.credits,
            charge_id=handle.id,
            idempotency_key=idempotency_key or "",
        )

    return charged_run(
        workspace=workspace,
        user=actor,
        module=MODULE_CONTENT,
        idempotency_key=idempotency_key,
        reference="content:video_prompt",
        action="video_prompt",
        work=work,
    )
