"""Campaign drafts: create and edit, the audience, previews, test sends and
AI-written variants.

- The audience is `{"segment_id": n}` or `{"contact_ids": [...]}` (≤ 10,000
  ids); the recipients are those contacts with an e-mail address and e-mail
  consent, minus every suppressed address (unsubscribed, bounced,
  complained, added by hand) — computed in SQL (`audience_contacts`).
- A campaign is editable while it is a draft or scheduled; `schedule_at`
  makes it `scheduled` (the beat starts it within a minute of that time),
  removing it makes it a draft again.
- AI variants: subject, preheader and body blocks written by the gateway in
  the audience's language, charged at the `content` module's cost per
  variant (`Idempotency-Key` honoured); they are kept on the campaign until
  one is applied with an ordinary edit.
- A test send goes to at most 5 addresses, without tracking, marked
  "[Test]", charged as one `email_send` unit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.charging import charge
from content.gateway import generate_text
from crm.validation import InvalidValue, normalize_email
from emails import content, credits
from emails.branding import postal_address_require, workspace_branding
from emails.models import Campaign, Sender, Suppression
from emails.services.senders import sender_require_verified
from nexusone.errors import Conflict, ProviderError, ValidationFailed

MAX_CONTACT_IDS = 10_000
MAX_TEST_RECIPIENTS = 5
AB_MAX_SUBJECTS = 4
EDITABLE_FIELDS = ("name", "subject", "preheader", "language", "schedule_at")


# --- audience -----------------------------------------------------------------------------------


def audience_clean(value: Any) -> dict:
    if value in (None, "", {}):
        return {}
    if not isinstance(value, Mapping):
        raise ValidationFailed(details={"audience": [_("Expected an object with segment_id or contact_ids.")]})
    segment_id, contact_ids = value.get("segment_id"), value.get("contact_ids")
    if (segment_id is None) == (contact_ids is None):
        raise ValidationFailed(details={"audience": [_("Give either segment_id or contact_ids.")]})
    if segment_id is not None:
        from crm.models import Segment

        if isinstance(segment_id, bool) or not isinstance(segment_id, int) or segment_id < 1:
            raise ValidationFailed(details={"audience.segment_id": [_("Expected a segment id.")]})
        if not Segment.objects.filter(pk=segment_id).exists():
            raise ValidationFailed(details={"audience.segment_id": [_("Unknown segment.")]})
        return {"segment_id": segment_id}
    if not isinstance(contact_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in contact_ids
    ):
        raise ValidationFailed(details={"audience.contact_ids": [_("Expected a list of contact ids.")]})
    if len(contact_ids) > MAX_CONTACT_IDS:
        raise ValidationFailed(
            details={"audience.contact_ids": [_("At most %(n)d contacts; use a segment.") % {"n": MAX_CONTACT_IDS}]}
        )
    return {"contact_ids": sorted(set(contact_ids))}


def audience_base(*, audience: Mapping) -> QuerySet:
    """The contacts an audience names (a segment's, or listed ids), before any channel's filters."""
    from crm.models import Contact, Segment
    from crm.selectors import segment_queryset

    if audience.get("segment_id"):
        segment = Segment.objects.filter(pk=audience["segment_id"]).first()
        return segment_queryset(segment=segment) if segment is not None else Contact.objects.none()
    if audience.get("contact_ids"):
        return Contact.objects.filter(pk__in=audience["contact_ids"])
    return Contact.objects.none()


def audience_contacts(*, audience: Mapping) -> QuerySet:
    """The contacts a campaign would address now (consent, address, not suppressed)."""
    return (
        audience_base(audience=audience)
        .filter(email_opt_in=True)
        .exclude(email="")
        .exclude(email__in=Suppression.objects.values("email"))
    )


def audience_language(*, audience: Mapping, default: str = "en") -> str:
    """The most common language among the audience's contacts, else `default`."""
    rows = (
        audience_contacts(audience=audience)
        .exclude(language="")
        .values("language")
        .annotate(n=Count("pk"))
        .order_by("-n", "language")[:1]
    )
    first = next(iter(rows), None)
    return first["language"] if first else default


def campaign_estimate(*, campaign: Campaign) -> dict:
    """Recipients now and what sending would cost."""
    recipients = audience_contacts(audience=campaign.audience).count() if campaign.audience else 0
    units = credits.units_for(recipients)
    from billing.models import ModuleCost

    price = ModuleCost.objects.filter(module=credits.EMAIL_MODULE, is_active=True).values_list("credits", flat=True)
    return {"recipients": recipients, "credits": units * (price.first() or 1)}


# --- drafts -------------------------------------------------------------------------------------


def _body_fields(body: Any) -> dict:
    if isinstance(body, str):
        cleaned = content.html_clean(body)
        return {"body": [], "body_html": cleaned}
    return {"body": content.blocks_clean(body), "body_html": ""}


def ab_test_clean(value: Any) -> dict:
    if value in (None, "", {}):
        return {}
    if not isinstance(value, Mapping):
        raise ValidationFailed(details={"ab_test": [_("Expected an object.")]})
    errors: dict[str, list[str]] = {}
    subjects = value.get("subjects")
    if (
        not isinstance(subjects, list)
        or not 2 <= len(subjects) <= AB_MAX_SUBJECTS
        or not all(isinstance(s, str) and s.strip() and len(s) <= 200 for s in subjects)
    ):
        errors["ab_test.subjects"] = [_("Give 2 to %(n)d subject lines.") % {"n": AB_MAX_SUBJECTS}]
    sample = value.get("sample_percent", 20)
    if isinstance(sample, bool) or not isinstance(sample, int) or not 5 <= sample <= 50:
        errors["ab_test.sample_percent"] = [_("Enter a whole number from 5 to 50.")]
    wait = value.get("wait_minutes", 240)
    if isinstance(wait, bool) or not isinstance(wait, int) or not 1 <= wait <= 7 * 24 * 60:
        errors["ab_test.wait_minutes"] = [_("Enter a number of minutes from 1 to 10080.")]
    metric = value.get("metric", "opens")
    if metric not in ("opens", "clicks"):
        errors["ab_test.metric"] = [_("Use opens or clicks.")]
    if errors:
        raise ValidationFailed(details=errors)
    return {"subjects": [s.strip() for s in subjects], "sample_percent": sample, "wait_minutes": wait, "metric": metric}


def _sender(sender_id) -> Sender | None:
    if sender_id in (None, ""):
        return None
    sender = Sender.objects.filter(pk=sender_id).first() if str(sender_id).isdigit() else None
    if sender is None:
        raise ValidationFailed(details={"sender_id": [_("Unknown sender.")]})
    return sender


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, limit in (("name", 200), ("subject", 200), ("preheader", 200)):
        if name in data:
            text = str(data[name] or "").replace("\x00", "").strip()
            if len(text) > limit:
                errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
            values[name] = text
    if creating and not values.get("name"):
        errors["name"] = [_("This field is required.")]
    if "language" in data:
        if data["language"] not in settings.LANGUAGE_CODES:
            errors["language"] = [_("Unsupported language.")]
        values["language"] = data["language"]
    if "schedule_at" in data:
        when = data["schedule_at"]
        if when is not None and when <= timezone.now():
            errors["schedule_at"] = [_("Choose a time in the future.")]
        values["schedule_at"] = when
    if errors:
        raise ValidationFailed(details=errors)
    if "sender_id" in data:
        values["sender"] = _sender(data["sender_id"])
    if "audience" in data:
        values["audience"] = audience_clean(data["audience"])
    if "body" in data:
        values.update(_body_fields(data["body"]))
    if "ab_test" in data:
        values["ab_test"] = ab_test_clean(data["ab_test"])
    return values


def campaign_create(*, workspace, data: Mapping[str, Any], user=None) -> Campaign:
    values = _clean(data, creating=True)
    values.setdefault("language", getattr(workspace, "default_language", "") or "en")
    if values.get("schedule_at"):
        values["status"] = Campaign.Status.SCHEDULED
    return Campaign.objects.create(created_by=user, **values)


def _require_editable(campaign: Campaign) -> None:
    if not campaign.is_editable:
        raise Conflict(_("This campaign was already sent and cannot be changed."), code="campaign_not_editable")


def campaign_update(*, campaign: Campaign, data: Mapping[str, Any]) -> Campaign:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require_editable(campaign)
        values = _clean(data, creating=False)
        for name, value in values.items():
            setattr(campaign, name, value)
        if "schedule_at" in values:
            campaign.status = Campaign.Status.SCHEDULED if campaign.schedule_at else Campaign.Status.DRAFT
        campaign.save()
    return campaign


def campaign_delete(*, campaign: Campaign) -> None:
    if campaign.status in (Campaign.Status.SENDING, Campaign.Status.TESTING):
        raise Conflict(_("Cancel the campaign before deleting it."), code="campaign_sending")
    campaign.delete()


# --- rendering, preview, test ---------------------------------------------------------------------


def campaign_check_ready(*, campaign: Campaign) -> None:
    """Everything a send needs, or a 400 naming what is missing."""
    sender_require_verified(campaign.sender)
    postal_address_require(campaign.workspace)
    errors: dict[str, list[str]] = {}
    subjects = campaign.ab_test.get("subjects") if campaign.ab_test else None
    if not campaign.subject and not subjects:
        errors["subject"] = [_("Write a subject line.")]
    if not campaign.body and not campaign.body_html:
        errors["body"] = [_("Write the e-mail first.")]
    if not campaign.audience and campaign.kind == Campaign.Kind.BROADCAST:
        errors["audience"] = [_("Choose who receives it.")]
    if errors:
        raise ValidationFailed(details=errors)


def campaign_render(*, campaign: Campaign, tracking: bool = True) -> dict:
    """The frozen rendering (emails.content.freeze) plus the subject lines."""
    frozen = content.freeze(
        blocks=campaign.body,
        body_html=campaign.body_html,
        preheader=campaign.preheader,
        language=campaign.language,
        branding=workspace_branding(campaign.workspace),
        tracking=tracking,
    )
    subjects = list(campaign.ab_test.get("subjects") or []) if campaign.ab_test else []
    return {**frozen.as_dict(), "subjects": subjects or [campaign.subject]}


def _sample_recipient(campaign: Campaign) -> content.Recipient:
    contact = audience_contacts(audience=campaign.audience).order_by("pk").first() if campaign.audience else None
    if contact is None:
        return content.Recipient(email="ana@example.com", first_name="Ana", last_name="García")
    return content.Recipient(email=contact.email, first_name=contact.first_name, last_name=contact.last_name)


def campaign_preview(*, campaign: Campaign, variant: int = 0) -> dict:
    """Subject, preheader, HTML and text as the first recipient would get them (links untracked)."""
    rendered = campaign_render(campaign=campaign, tracking=False)
    recipient = _sample_recipient(campaign)
    subjects = rendered["subjects"]
    subject = subjects[variant] if 0 <= variant < len(subjects) else subjects[0]
    fill = {"link_url": lambda index: "#", "pixel_url": "", "unsubscribe_url": "#unsubscribe"}
    return {
        "subject": content.merge_fields(subject, recipient),
        "preheader": content.merge_fields(campaign.preheader, recipient),
        "html": content.personalize(rendered["html"], recipient, escape=True, **fill),
        "text": content.personalize(rendered["text"], recipient, escape=False, **fill),
        "recipient": recipient.email,
    }


def _clean_test_addresses(to: Any) -> list[str]:
    values = [to] if isinstance(to, str) else to
    if not isinstance(values, list) or not values:
        raise ValidationFailed(details={"to": [_("Give one or more e-mail addresses.")]})
    if len(values) > MAX_TEST_RECIPIENTS:
        raise ValidationFailed(details={"to": [_("At most %(n)d addresses.") % {"n": MAX_TEST_RECIPIENTS}]})
    cleaned = []
    for value in values:
        try:
            address = normalize_email(str(value))
        except InvalidValue as exc:
            raise ValidationFailed(details={"to": [str(exc)]}) from None
        if address:
            cleaned.append(address)
    if not cleaned:
        raise ValidationFailed(details={"to": [_("Give one or more e-mail addresses.")]})
    return sorted(set(cleaned))


def campaign_test_send(*, campaign: Campaign, to: Any, user=None, idempotency_key: str | None = None) -> dict:
    from emails.backends import campaign_connection
    from emails.sending import Composer, send_one

    addresses = _clean_test_addresses(to)
    sender_require_verified(campaign.sender)
    postal_address_require(campaign.workspace)
    if not (campaign.body or campaign.body_html):
        raise ValidationFailed(details={"body": [_("Write the e-mail first.")]})
    rendered = campaign_render(campaign=campaign, tracking=False)
    rendered["subjects"] = [_("[Test] %(subject)s") % {"subject": s} for s in rendered["subjects"]]
    draft = Campaign(pk=campaign.pk, workspace=campaign.workspace, sender=campaign.sender, rendered=rendered)
    composer = Composer(draft, tracked=False)
    recipient = _sample_recipient(campaign)
    key = f"emails:test:{campaign.pk}:{idempotency_key}" if idempotency_key else None
    with charge(
        workspace=campaign.workspace,
        user=user,
        module=credits.EMAIL_MODULE,
        action="test_send",
        idempotency_key=key,
        reference=f"emails.campaign:{campaign.pk}",
    ) as handle:
        backend = campaign_connection()
        try:
            for address in addresses:
                result = send_one(composer, backend, message_pk=0, to=address, recipient=recipient, variant=0)
                if result.kind != "sent":
                    raise ProviderError(
                        _("The mail service refused the test message: %(reason)s")
                        % {"reason": result.error.get("message") or result.error.get("reason", "")},
                        details={"provider": "email", "reason": result.error.get("reason", "")},
                    )
        finally:
            backend.close()
        handle.metadata["recipients"] = len(addresses)
    return {"sent_to": addresses}


# --- AI variants ------------------------------------------------------------------------------------

TONES = ("persuasive", "friendly", "professional", "casual", "informative")
_URL = re.compile(r"https?://[^\s<>\"')]+")


def _parse_email(text: str, *, brief: str, language: str) -> dict:
    """Subject, preheader and blocks out of an e-mail written as plain text:
    first line "<Subject label>: …", then paragraphs."""
    lines = [line.rstrip() for line in (text or "").strip().splitlines()]
    subject = ""
    if lines and ":" in lines[0] and len(lines[0]) <= 250:
        subject = lines[0].split(":", 1)[1].strip()
        lines = lines[1:]
    paragraphs = [p.strip() for p in "\n".join(lines).split("\n\n") if p.strip()]
    if not subject and paragraphs:
        subject = paragraphs[0][:120]
    blocks: list[dict] = [{"type": "text", "text": p[: content.MAX_TEXT]} for p in paragraphs[:20]]
    link = next(iter(_URL.findall(brief or "")), "")
    if link and content.is_web_url(link):
        with_translation = {"es": "Ver más", "pt": "Saiba mais", "ar": "اعرف المزيد", "he": "לפרטים נוספים"}
        blocks.insert(
            min(2, len(blocks)), {"type": "button", "text": with_translation.get(language, "Learn more"), "url": link}
        )
    body_text = " ".join(p for p in paragraphs[1:3])
    return {
        "subject": subject[:200],
        "preheader": " ".join(body_text.split())[:150],
        "body": content.blocks_clean(blocks) if blocks else [],
    }


def campaign_variants(
    *, campaign: Campaign, brief: str, count: int, user=None, idempotency_key: str | None = None
) -> list[dict]:
    brief = (brief or "").replace("\x00", "").strip()
    errors = {}
    if not brief:
        errors["brief"] = [_("Describe what the e-mail is about.")]
    elif len(brief) > 2000:
        errors["brief"] = [_("At most %(n)d characters.") % {"n": 2000}]
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 5:
        errors["count"] = [_("Ask for 1 to 5 variants.")]
    if errors:
        raise ValidationFailed(details=errors)
    _require_editable(campaign)
    language = campaign.language or audience_language(audience=campaign.audience)
    key = f"emails:variants:{campaign.pk}:{idempotency_key}" if idempotency_key else None
    variants = []
    with charge(
        workspace=campaign.workspace,
        user=user,
        module="content",
        quantity=count,
        action="email_variants",
        idempotency_key=key,
        reference=f"emails.campaign:{campaign.pk}",
    ) as handle:
        for index in range(count):
            result = generate_text(
                task="content.generate",
                template="content/email",
                language=language,
                variables={
                    "prompt": brief,
                    "tone": TONES[index % len(TONES)],
                    "length": "medium",
                    "type": "email",
                    "variant": index,
                },
                max_tokens=900,
            )
            variant = _parse_email(result.text, brief=brief, language=language)
            if not variant["subject"] or not variant["body"]:
                raise ProviderError(details={"provider": result.provider, "reason": "malformed_response"})
            variants.append({**variant, "language": language, "tone": TONES[index % len(TONES)]})
            handle.metadata.update(result.metadata())
    Campaign.objects.filter(pk=campaign.pk).update(ai_variants=variants, updated_at=timezone.now())
    campaign.ai_variants = variants
    return variants


def language_mix(*, campaign: Campaign) -> dict[str, int]:
    """Contacts per language in the audience (the editor shows it)."""
    if not campaign.audience:
        return {}
    rows = audience_contacts(audience=campaign.audience).values("language").annotate(n=Count("pk"))
    return {row["language"] or "—": row["n"] for row in rows}
