"""Magic pages writes: create (charged, quota-bound), edit, publish,
unpublish, delete, the hero image, and what the public page records (views,
form submissions → CRM).

Contract:
- `landing_page_create` checks the plan's landing-page quota before charging
  (403 `quota_exceeded`, nothing charged) and again under the billing row lock
  when storing, so concurrent creations cannot pass the limit; generation and
  refund rules are those of `content.services`.
- Sections are validated on every write (`content.sections`); the public
  address (`slug`) never changes after creation.
- `landing_page_record_view` and `landing_page_submit` run for anonymous
  visitors inside the page's workspace scope (entered by the public view).
  Counters grow with atomic `F()` updates. An identical submission (same page
  and same normalised fields) is stored, sent to the CRM and counted once.
- The CRM call happens in the submission's transaction: a lead is either
  stored *and* in the CRM, or neither (the visitor sees an error and may retry).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import secrets
import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.rollups import bump_with_counter
from billing.charging import ChargeHandle
from billing.quotas import quota_check_landing_pages, quota_lock
from content import gateway, leads
from content.gateway.offline import landing_sections
from content.models import Goal, LandingPage, LandingPageSubmission, Theme
from content.sections import (
    carry_placeholders,
    coerce_ai_sections,
    mark_placeholder_testimonials,
    merge_sections,
    placeholder_testimonials,
    validate_sections,
)
from content.services import (
    LANGUAGES,
    _require_choice,
    _require_text,
    _user_or_none,
    charged_run,
    generation_provenance,
)
from content.slugs import readable_slug
from nexusone import storage
from nexusone.audit import audit_record, register_action_labels
from nexusone.errors import ValidationFailed
from webhooks import hooks as webhook_hooks

logger = logging.getLogger(__name__)

MODULE_PAGES = "magic_pages"
MAX_HERO_BYTES = 2 * 1024 * 1024
# Magic numbers of the raster formats we accept (never SVG: it can carry script).
IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
)

register_action_labels(
    {
        "content.page.published": _("Landing page published"),
        "content.page.unpublished": _("Landing page unpublished"),
        "content.page.deleted": _("Landing page deleted"),
    }
)

PAGE_TEXT_LIMITS = {"title": 200, "description": 2000, "target_audience": 300, "industry": 120}


def _page_count() -> int:
    return LandingPage.objects.count()


def _new_slug(title: str) -> str:
    base = readable_slug(title, max_length=60) or "page"  # Arabic and Hebrew transliterated (content/slugs.py)
    for _attempt in range(5):
        slug = f"{base}-{secrets.token_hex(3)}"
        if not LandingPage.unscoped.filter(slug=slug).exists():
            return slug
    return f"page-{uuid.uuid4().hex[:16]}"  # pragma: no cover - five collisions in a row


def landing_page_create(
    *,
    workspace,
    user,
    title: str,
    description: str,
    target_audience: str,
    goal: str,
    industry: str,
    language: str,
    theme: str,
    idempotency_key: str | None = None,
) -> LandingPage:
    """Generate a page's sections and store it as a draft (module `magic_pages`, 10 credits)."""
    values = {
        field: _require_text(field, value, PAGE_TEXT_LIMITS[field])
        for field, value in (
            ("title", title),
            ("description", description),
            ("target_audience", target_audience),
            ("industry", industry),
        )
    }
    _require_choice("goal", goal, Goal.values)
    _require_choice("language", language, LANGUAGES)
    _require_choice("theme", theme, Theme.values)
    if idempotency_key:
        existing = LandingPage.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    quota_check_landing_pages(workspace=workspace, used=_page_count)
    variables = {**values, "goal": goal, "theme": theme}

    def work(handle: ChargeHandle) -> LandingPage:
        handle.metadata.update({"language": language, "goal": goal, "theme": theme})
        result = gateway.generate_text(
            task="content.landing_page",
            template="landing_page",
            language=language,
            variables=variables,
            max_tokens=1800,
            temperature=0.7,
            json_output=True,
        )
        handle.metadata.update(result.metadata())
        sections = mark_placeholder_testimonials(
            coerce_ai_sections(
                gateway.parse_json_object(result.text, provider=result.provider),
                defaults=landing_sections(language, variables),
            )
        )
        with transaction.atomic():
            quota_lock(workspace=workspace)  # count and insert one creation at a time
            quota_check_landing_pages(workspace=workspace, used=_page_count)
            return LandingPage.objects.create(
                workspace=workspace,
                created_by=_user_or_none(user),
                language=language,
                goal=goal,
                theme=theme,
                sections=sections,
                slug=_new_slug(values["title"]),
                **generation_provenance(result=result, handle=handle, idempotency_key=idempotency_key),
                **values,
            )

    return charged_run(
        workspace=workspace,
        user=_user_or_none(user),
        module=MODULE_PAGES,
        idempotency_key=idempotency_key,
        reference="content:landing_page",
        action="create_page",
        work=work,
    )


def landing_page_update(*, page: LandingPage, data: dict) -> LandingPage:
    """Edit the brief fields and/or sections. `data["sections"]` replaces the
    sections it names (PATCH semantics); the result must be a valid page."""
    fields: list[str] = []
    for field, limit in PAGE_TEXT_LIMITS.items():
        if field in data:
            setattr(page, field, _require_text(field, data[field], limit))
            fields.append(field)
    for field, choices in (("goal", Goal.values), ("theme", Theme.values), ("language", LANGUAGES)):
        if field in data:
            _require_choice(field, data[field], choices)
            setattr(page, field, data[field])
            fields.append(field)
    if "sections" in data:
        merged = merge_sections(page.sections, data["sections"])
        if isinstance(merged.get("social_proof"), dict):
            merged["social_proof"] = copy.deepcopy(merged["social_proof"])
            carry_placeholders(page.sections or {}, merged)
        page.sections = validate_sections(merged)
        fields.append("sections")
    if fields:
        page.save(update_fields=[*fields, "updated_at"])
    return page


def landing_page_set_chat_agent(*, page: LandingPage, agent_id: int | None) -> LandingPage:
    """Show a published AI agent's chat widget on the page, or none (`agent_id` None)."""
    agent = None
    if agent_id is not None:
        from agents.models import Agent

        agent = Agent.objects.filter(pk=agent_id, status=Agent.Status.PUBLISHED).first()  # this workspace's only
        if agent is None:
            raise ValidationFailed(details={"chat_agent": [_("Choose a published agent of this workspace.")]})
    page.chat_agent = agent
    page.save(update_fields=["chat_agent", "updated_at"])
    return page


def landing_page_publish(*, page: LandingPage, actor=None, request=None) -> LandingPage:
    """Make the page public at /p/<slug>/ (idempotent). Refused while a generated
    (invented) testimonial is still unedited: replace it with a real one or remove it."""
    validate_sections(page.sections)  # never publish a page that does not render
    samples = placeholder_testimonials(page.sections or {})
    if samples and page.status != LandingPage.Status.PUBLISHED:
        message = _("Replace or remove the sample testimonials before you publish: nobody has said them yet.")
        raise ValidationFailed(
            message,
            details={f"sections.social_proof.testimonials.{index}.quote": [message] for index in samples},
        )
    if page.status != LandingPage.Status.PUBLISHED:
        page.status, page.published_at = LandingPage.Status.PUBLISHED, timezone.now()
        page.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(
            action="content.page.published", request=request, user=actor, workspace=page.workspace, target=page
        )
    return page


def landing_page_unpublish(*, page: LandingPage, actor=None, request=None) -> LandingPage:
    """Take the page offline: /p/<slug>/ answers 404 (idempotent)."""
    if page.status != LandingPage.Status.DRAFT:
        page.status = LandingPage.Status.DRAFT
        page.save(update_fields=["status", "updated_at"])
        audit_record(
            action="content.page.unpublished", request=request, user=actor, workspace=page.workspace, target=page
        )
    return page


def landing_page_delete(*, page: LandingPage, actor=None, request=None) -> None:
    """Delete the page, its leads list and its stored image (CRM contacts stay)."""
    path = page.hero_image
    workspace = page.workspace
    audit_record(
        action="content.page.deleted",
        request=request,
        user=actor,
        workspace=workspace,
        target=page,
        metadata={"slug": page.slug},
    )
    page.delete()
    if path:
        _hero_delete(path)


# --- hero image ------------------------------------------------------------------------


def _sniff_image(head: bytes) -> tuple[str, str] | None:
    for signature, extension, content_type in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return extension, content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "image/webp"
    return None


def _hero_delete(path: str) -> None:
    asset = storage.asset_for_path(path)
    if asset is not None:
        storage.delete(asset)


def landing_page_set_hero_image(*, page: LandingPage, upload) -> LandingPage:
    """Store an uploaded PNG/JPEG/GIF/WebP (≤ 2 MiB) in the `landing-pages`
    bucket (`landing-pages/<workspace id>/<uuid>.<ext>`, with its media-library
    row) and use it as the hero."""
    if upload.size > MAX_HERO_BYTES:
        raise ValidationFailed(details={"hero_image": [_("The image is larger than 2 MB.")]})
    head = upload.read(16)
    upload.seek(0)
    kind = _sniff_image(head)
    if kind is None:
        raise ValidationFailed(details={"hero_image": [_("Upload a PNG, JPEG, GIF or WebP image.")]})
    extension, content_type = kind
    asset = storage.store(
        workspace=page.workspace,
        bucket=storage.Bucket.LANDING_PAGES,
        content=upload.read(),
        extension=extension,
        content_type=content_type,
        name=f"{page.slug}.{extension}",
        source="landing_page",
    )
    old = page.hero_image
    page.hero_image, page.hero_image_type = asset.path, content_type
    page.save(update_fields=["hero_image", "hero_image_type", "updated_at"])
    if old:
        transaction.on_commit(lambda: _hero_delete(old))
    return page


def landing_page_clear_hero_image(*, page: LandingPage) -> LandingPage:
    old = page.hero_image
    if old:
        page.hero_image, page.hero_image_type = "", ""
        page.save(update_fields=["hero_image", "hero_image_type", "updated_at"])
        transaction.on_commit(lambda: _hero_delete(old))
    return page


# --- what the public page records ---------------------------------------------------------


def landing_page_record_view(*, page_id: int) -> None:
    """Count one (human) view: the page's total and its hour in the dashboard
    rollups, in one statement on PostgreSQL. No read."""
    bump_with_counter(model=LandingPage, pk=page_id, counter="views", module="magic_pages", metric="views",
                      dimension=str(page_id))  # fmt: skip


def submission_fingerprint(
    *, page_id: int, name: str, email: str, phone: str, message: str, consent: tuple[bool, bool] = (False, False)
) -> str:
    fields = [page_id, " ".join(name.split()).casefold(), email.strip().lower(),
              "".join(ch for ch in phone if ch.isdigit()), " ".join(message.split())]  # fmt: skip
    if any(consent):
        # The same details sent again with a box newly ticked are a new submission (the consent it gives counts);
        # without any box the fingerprint is what it always was, so earlier submissions still deduplicate.
        fields.append([bool(flag) for flag in consent])
    canonical = json.dumps(fields, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def landing_page_submit(
    *,
    page: LandingPage,
    name: str,
    email: str,
    phone: str = "",
    message: str = "",
    email_opt_in: bool = False,
    whatsapp_opt_in: bool = False,
) -> tuple[LandingPageSubmission, bool]:
    """Store a lead, upsert its CRM contact with a `form_submit` activity, and
    count a conversion — once per identical submission. Returns
    (submission, created). Never charged: a lead is never refused for credits.
    A ticked consent box grants that consent on the contact; an unticked one
    never withdraws consent given before."""
    fingerprint = submission_fingerprint(
        page_id=page.pk,
        name=name,
        email=email,
        phone=phone,
        message=message,
        consent=(email_opt_in, whatsapp_opt_in),
    )
    existing = LandingPageSubmission.objects.filter(page=page, fingerprint=fingerprint).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            submission = LandingPageSubmission.objects.create(
                workspace_id=page.workspace_id,
                page=page,
                fingerprint=fingerprint,
                name=name,
                email=email,
                phone=phone,
                message=message,
                language=page.language,
                email_opt_in=email_opt_in,
                whatsapp_opt_in=bool(whatsapp_opt_in and phone),
            )
            contact_id = leads.lead_to_crm(page=page, submission=submission)
            if contact_id is not None:
                submission.crm_contact_id = contact_id
                submission.save(update_fields=["crm_contact_id", "updated_at"])
            LandingPage.unscoped.filter(pk=page.pk).update(conversions=F("conversions") + 1)
            webhook_hooks.lead_captured(submission)
    except IntegrityError:
        # A concurrent identical submission won the unique (page, fingerprint).
        existing = LandingPageSubmission.objects.filter(page=page, fingerprint=fingerprint).first()
        if existing is None:
            raise
        return existing, False
    return submission, True
