"""Social posts on the workspace's Facebook Page or Instagram account.

- `post_create` validates, optionally writes the caption through the AI
  gateway (`content`, 5 credits, once per Idempotency-Key), stores the post
  as `scheduled` and publishes it now (no `scheduled_at`, or one in the
  past) or lets the beat do it at `scheduled_at`.
- Exactly once: `post_publish` claims the post with a conditional update
  (`scheduled` → `publishing`); only the claimer calls the provider, then
  records `published` with the provider's id, or `failed` with its message.
  A claim whose worker died stays `publishing` and is never published twice
  (a post that may have gone out is not retried blindly).
- Facebook: `POST /{page_id}/feed {message, link}` or `/{page_id}/photos
  {url, caption}` with the Page's token; Instagram: `POST /{ig_user_id}/media
  {image_url, caption}` then `/media_publish {creation_id}` (an image is
  required). Offline: ids `offline_post_<id>`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from campaigns.models import SocialPost
from campaigns.validation import COPY_LANGUAGES, Errors, https_url
from nexusone.errors import Conflict, ProviderError, ValidationFailed

MAX_TEXT = 2200  # Instagram's caption limit; Facebook allows more
MAX_BRIEF = 1000


def _validate(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise ValidationFailed(details={"non_field_errors": [_("Send a JSON object.")]})
    errors = Errors()
    platform = raw.get("platform")
    if platform not in SocialPost.Platform.values:
        errors.add("platform", _("Choose “facebook” or “instagram”."))
    text = raw.get("text") or ""
    if not isinstance(text, str):
        errors.add("text", _("Enter text."))
        text = ""
    text = text.replace("\x00", "").strip()
    if len(text) > MAX_TEXT:
        errors.add("text", _("At most %(n)d characters.") % {"n": MAX_TEXT})
    caption = raw.get("ai_caption")
    if caption is not None:
        if not isinstance(caption, dict) or not isinstance(caption.get("brief"), str) or not caption["brief"].strip():
            errors.add("ai_caption.brief", _("Describe what the post is about."))
        elif len(caption["brief"]) > MAX_BRIEF:
            errors.add("ai_caption.brief", _("At most %(n)d characters.") % {"n": MAX_BRIEF})
        elif caption.get("language", "en") not in COPY_LANGUAGES:
            errors.add("ai_caption.language", _("Choose one of: %(choices)s") % {"choices": ", ".join(COPY_LANGUAGES)})
    elif not text:
        errors.add("text", _("Write the post, or ask for an AI caption."))
    media_url = https_url(errors, "media_url", raw.get("media_url"), required=False)
    link = https_url(errors, "link", raw.get("link"), required=False)
    if platform == "instagram" and not media_url:
        errors.add("media_url", _("Instagram posts need an image."))
    scheduled_at: datetime | None = None
    if raw.get("scheduled_at") not in (None, ""):
        value = raw["scheduled_at"]
        scheduled_at = parse_datetime(value) if isinstance(value, str) else None
        if scheduled_at is None:
            errors.add("scheduled_at", _("Enter a date and time (ISO 8601)."))
        elif timezone.is_naive(scheduled_at):
            scheduled_at = timezone.make_aware(scheduled_at, timezone.utc)
    if errors:
        raise ValidationFailed(details=dict(errors))
    return {"platform": platform, "text": text, "media_url": media_url, "link": link, "scheduled_at": scheduled_at,
            "ai_caption": caption}  # fmt: skip


def _caption(*, brief: str, language: str, platform: str, on_result) -> str:
    from content import gateway

    result = gateway.generate_text(
        task="content.generate",
        template="content/social_media",
        language=language,
        variables={
            "prompt": brief,
            "tone": "friendly",
            "length": "short",
            "type": "social_media",
            "platform": platform,
        },
        max_tokens=350,
    )
    on_result(result)
    text = result.text.strip()[:MAX_TEXT]
    if not text:
        raise ProviderError(details={"provider": result.provider, "reason": "malformed_response"})
    return text


def post_create(*, workspace, user, data: Any, idempotency_key: str = "") -> SocialPost:
    if idempotency_key:
        existing = SocialPost.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    cleaned = _validate(data)
    caption = cleaned.pop("ai_caption")
    author = user if getattr(user, "is_authenticated", False) else None

    def store(text: str, credits: int) -> SocialPost:
        try:
            with transaction.atomic():
                return SocialPost.objects.create(
                    **{**cleaned, "text": text},
                    caption_generated=caption is not None,
                    credits_charged=credits,
                    idempotency_key=idempotency_key,
                    created_by=author,
                )
        except IntegrityError:
            raise Conflict(_("This request is already being processed."), code="post_in_progress") from None

    if caption is not None:
        from content.services import charged_run

        def work(handle) -> SocialPost:
            text = _caption(
                brief=caption["brief"].strip(),
                language=caption.get("language", "en"),
                platform=cleaned["platform"],
                on_result=lambda result: handle.metadata.update(result.metadata()),
            )
            return store(f"{cleaned['text']}\n\n{text}".strip() if cleaned["text"] else text, handle.credits)

        post = charged_run(
            workspace=workspace,
            user=author,
            module="content",
            idempotency_key=f"post:{idempotency_key}" if idempotency_key else None,
            reference="campaigns.social_post",
            action="social_caption",
            work=work,
        )
    else:
        post = store(cleaned["text"], 0)
    if post.scheduled_at is None or post.scheduled_at <= timezone.now():
        from campaigns.tasks import enqueue, social_post_publish_task

        enqueue(social_post_publish_task, workspace_id=workspace.pk, post_id=post.pk)
    return post


def post_cancel(*, post: SocialPost) -> None:
    """Delete a post that has not gone out; a published one stays on record."""
    deleted, _rows = SocialPost.objects.filter(
        pk=post.pk, status__in=[SocialPost.Status.SCHEDULED, SocialPost.Status.FAILED]
    ).delete()
    if not deleted:
        raise Conflict(_("This post is being published or already was."), code="post_not_scheduled")


def post_publish(*, post_id: int) -> str:
    from campaigns.providers import AdsError, IntegrationRequired, OfflineAds, meta_configured, provider_for

    claimed = SocialPost.objects.filter(pk=post_id, status=SocialPost.Status.SCHEDULED).update(
        status=SocialPost.Status.PUBLISHING, updated_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    post = SocialPost.objects.select_related("workspace").get(pk=post_id)
    try:
        need = ("instagram_account_id",) if post.platform == "instagram" else ()
        provider = (
            provider_for(post.workspace, need=need) if meta_configured() else OfflineAds(workspace=post.workspace)
        )
        published = provider.publish_post(post)
    except (AdsError, IntegrationRequired, ProviderError) as exc:
        SocialPost.objects.filter(pk=post.pk).update(
            status=SocialPost.Status.FAILED, error=str(exc.message)[:1000], updated_at=timezone.now()
        )
        return "failed"
    SocialPost.objects.filter(pk=post.pk).update(
        status=SocialPost.Status.PUBLISHED,
        provider=provider.name,
        external_id=published.id[:100],
        published_at=timezone.now(),
        error="",
        updated_at=timezone.now(),
    )
    return "published"
