"""Charged media outputs: voiceovers (`voiceover`, 5 credits) and images
(`image_generation`, 5 credits per image), stored in the buckets and listed
in the media library.

Same contract as the content studio's charged services: validate → the same
Idempotency-Key made this before? return it → reserve through the charge
door → call the provider → store → commit; anything raised after the
reservation refunds it. The provenance (provider, model, charge, key) is in
each file's `metadata`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from content.gateway.images import MAX_IMAGES, SIZES, generate_images
from content.services import charged_run
from medialib.models import MediaAsset
from nexusone import storage
from nexusone.errors import ValidationFailed

MODULE_VOICEOVER = "voiceover"
MODULE_IMAGES = "image_generation"
MAX_VOICEOVER_TEXT = 5000
MAX_IMAGE_PROMPT = 1000
LANGUAGES = ("en", "es", "pt", "ar", "he")


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _provenance(handle, *, provider: str, model: str, idempotency_key: str | None) -> dict:
    return {
        "provider": provider,
        "model": model,
        "charge_id": str(handle.id),
        "credits": handle.credits,
        "idempotency_key": idempotency_key or "",
    }


def voiceover_create(
    *, workspace, user, text: str, language: str, voice_id: str = "", idempotency_key: str | None = None
) -> MediaAsset:
    """Text to speech into the private `ai-generated` bucket."""
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = [_("This field is required.")]
    elif len(text) > MAX_VOICEOVER_TEXT:
        errors["text"] = [_("At most %(n)d characters.") % {"n": MAX_VOICEOVER_TEXT}]
    if language not in LANGUAGES:
        errors["language"] = [_("“%(value)s” is not a valid choice.") % {"value": language}]
    if errors:
        raise ValidationFailed(details=errors)
    if idempotency_key:
        existing = MediaAsset.objects.filter(source="voiceover", metadata__idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing

    def work(handle) -> MediaAsset:
        from content.video.voice import speak  # PyAV and Pillow: imported by the first voiceover (issue 19)

        voice = speak(workspace=workspace, text=text, voice_id=voice_id, language=language)
        handle.metadata.update({"provider": voice.provider, "model": voice.model, "characters": len(text)})
        return storage.store(
            workspace=workspace,
            bucket=storage.Bucket.AI_GENERATED,
            content=voice.audio,
            extension=voice.extension,
            content_type=voice.content_type,
            name=f"{' '.join(text.split()[:6])[:60]}.{voice.extension}",
            source="voiceover",
            user=_actor(user),
            duration_seconds=voice.duration_seconds,
            metadata={
                "text": text[:500],
                "language": language,
                "voice_id": voice_id,
                **_provenance(handle, provider=voice.provider, model=voice.model, idempotency_key=idempotency_key),
            },
        )

    return charged_run(
        workspace=workspace,
        user=_actor(user),
        module=MODULE_VOICEOVER,
        idempotency_key=idempotency_key,
        reference="media:voiceover",
        action="voiceover",
        work=work,
    )


@dataclass(frozen=True)
class ImageBatch:
    images: list[MediaAsset]
    provider: str
    model: str
    credits_charged: int


def images_generate(
    *,
    workspace,
    user,
    prompt: str,
    size: str = "1024x1024",
    count: int = 1,
    language: str = "en",
    idempotency_key: str | None = None,
) -> ImageBatch:
    """`count` images into the public `generated-content` bucket (ad creatives, page images)."""
    prompt = (prompt or "").strip()
    errors = {}
    if not prompt:
        errors["prompt"] = [_("This field is required.")]
    elif len(prompt) > MAX_IMAGE_PROMPT:
        errors["prompt"] = [_("At most %(n)d characters.") % {"n": MAX_IMAGE_PROMPT}]
    if size not in SIZES:
        errors["size"] = [_("“%(value)s” is not a valid choice.") % {"value": size}]
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_IMAGES:
        errors["count"] = [_("Between 1 and %(n)d.") % {"n": MAX_IMAGES}]
    if language not in LANGUAGES:
        errors["language"] = [_("“%(value)s” is not a valid choice.") % {"value": language}]
    if errors:
        raise ValidationFailed(details=errors)
    if idempotency_key:
        existing = list(
            MediaAsset.objects.filter(source="image", metadata__idempotency_key=idempotency_key).order_by("id")
        )
        if existing:
            meta = existing[0].metadata
            return ImageBatch(existing, meta.get("provider", ""), meta.get("model", ""), meta.get("batch_credits", 0))

    def work(handle) -> ImageBatch:
        result = generate_images(prompt=prompt, size=size, count=count, language=language, workspace=workspace)
        handle.metadata.update({"provider": result.provider, "model": result.model, "images": count})
        assets = [
            storage.store(
                workspace=workspace,
                bucket=storage.Bucket.GENERATED_CONTENT,
                content=image.png,
                extension="png",
                content_type="image/png",
                name=f"{' '.join(prompt.split()[:6])[:60]} {n + 1}.png",
                source="image",
                user=_actor(user),
                width=image.width,
                height=image.height,
                metadata={
                    "prompt": prompt[:500],
                    "size": size,
                    "index": n,
                    "revised_prompt": image.revised_prompt,
                    "batch_credits": handle.credits,
                    **_provenance(
                        handle, provider=result.provider, model=result.model, idempotency_key=idempotency_key
                    ),
                },
            )
            for n, image in enumerate(result.images)
        ]
        return ImageBatch(assets, result.provider, result.model, handle.credits)

    return charged_run(
        workspace=workspace,
        user=_actor(user),
        module=MODULE_IMAGES,
        quantity=count,
        idempotency_key=idempotency_key,
        reference="media:images",
        action="images",
        work=work,
    )
