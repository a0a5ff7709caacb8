"""Tracking events: stored once, applied once, told to the CRM.

Every source funnels into `event_record()` — our open pixel and click
redirects, the unsubscribe endpoint, SMTP refusals at send time, and the
sending service's webhooks (anymail's normalised tracking events). An event
is stored with a key unique per workspace, in the same transaction as its
effect, so a replayed webhook or a reloaded pixel changes nothing:

- `delivered`, `opened`, `clicked`: the message's first such event sets its
  timestamp and moves the campaign's unique counter; later opens only raise
  `open_count` (open events are keyed per message and hour; clicks per
  message and link). A click implies an open (images are often blocked).
- `unsubscribed`: the address is suppressed workspace-wide and the contact's
  e-mail consent withdrawn (`crm.services.contact_update`).
- `bounced` (hard) and `complained`: the address is suppressed workspace-wide;
  a complaint also withdraws consent. Soft bounces arrive as `deferred` and
  only get recorded.

The CRM learns about opens, clicks, unsubscribes, bounces and complaints as
`email` activities (which feed the engagement score), written after commit by
a task, once per event (`dedupe_key`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from emails import content
from emails.models import Campaign, EmailEvent, EmailMessage, Suppression

logger = logging.getLogger(__name__)

T = EmailEvent.Type
# Which events the contact's timeline shows.
CRM_EVENTS = {T.OPENED, T.CLICKED, T.UNSUBSCRIBED, T.BOUNCED, T.COMPLAINED}


def _campaign_add(campaign_id: int, field: str, count: int = 1) -> None:
    Campaign.objects.filter(pk=campaign_id).update(**{field: F(field) + count})


def _first(message: EmailMessage, field: str, at: datetime, **extra) -> bool:
    """Set `field` if it is still empty; True when this call set it."""
    return bool(EmailMessage.objects.filter(pk=message.pk, **{f"{field}__isnull": True}).update(**{field: at}, **extra))


def suppression_add(*, email: str, reason: str, campaign_id: int | None = None, detail: str = "") -> bool:
    """Suppress `email` in the active workspace (the first reason stays)."""
    email = (email or "").strip().lower()
    if not email:
        return False
    try:
        with transaction.atomic():
            Suppression.objects.create(email=email, reason=reason, campaign_id=campaign_id, detail=detail[:500])
    except IntegrityError:
        return False
    return True


def _withdraw_consent(contact_id: int | None) -> None:
    if not contact_id:
        return
    from crm import services as crm_services
    from crm.models import Contact

    contact = Contact.objects.filter(pk=contact_id, email_opt_in=True).first()
    if contact is not None:
        crm_services.contact_update(contact=contact, data={"email_opt_in": False})


def _apply(message: EmailMessage, type: str, at: datetime, data: dict) -> None:
    campaign_id = message.campaign_id
    if type == T.DELIVERED:
        if _first(message, "delivered_at", at):
            _campaign_add(campaign_id, "count_delivered")
    elif type in (T.OPENED, T.CLICKED):
        if _first(message, "opened_at", at, open_count=F("open_count") + 1):
            _campaign_add(campaign_id, "count_opened")
        elif type == T.OPENED:
            EmailMessage.objects.filter(pk=message.pk).update(open_count=F("open_count") + 1)
        if type == T.CLICKED:
            if _first(message, "clicked_at", at, click_count=F("click_count") + 1):
                _campaign_add(campaign_id, "count_clicked")
            else:
                EmailMessage.objects.filter(pk=message.pk).update(click_count=F("click_count") + 1)
    elif type == T.UNSUBSCRIBED:
        if _first(message, "unsubscribed_at", at):
            _campaign_add(campaign_id, "count_unsubscribed")
        suppression_add(email=message.to_email, reason=Suppression.Reason.UNSUBSCRIBED, campaign_id=campaign_id)
        _withdraw_consent(message.contact_id)
    elif type == T.BOUNCED:
        if _first(message, "bounced_at", at):
            _campaign_add(campaign_id, "count_bounced")
        suppression_add(
            email=message.to_email,
            reason=Suppression.Reason.BOUNCED,
            campaign_id=campaign_id,
            detail=str(data.get("response") or data.get("message") or ""),
        )
    elif type == T.COMPLAINED:
        if _first(message, "complained_at", at):
            _campaign_add(campaign_id, "count_complained")
        suppression_add(email=message.to_email, reason=Suppression.Reason.COMPLAINED, campaign_id=campaign_id)
        _withdraw_consent(message.contact_id)


def event_record(
    *,
    message: EmailMessage,
    type: str,
    key: str,
    source: str,
    occurred_at: datetime | None = None,
    data: dict | None = None,
) -> EmailEvent | None:
    """Store the event once and apply it. Returns None for a repeat. Runs in
    the scope of the message's workspace."""
    occurred_at = occurred_at or timezone.now()
    data = dict(data or {})
    try:
        with transaction.atomic():
            event = EmailEvent.objects.create(
                workspace_id=message.workspace_id,
                message=message,
                type=type,
                key=key[:255],
                source=source[:32],
                occurred_at=occurred_at,
                data=data,
            )
            _apply(message, type, occurred_at, data)
    except IntegrityError:
        return None
    if type in CRM_EVENTS and message.contact_id:
        from emails.tasks import activity_record_task, enqueue

        enqueue(activity_record_task, workspace_id=message.workspace_id, event_id=event.pk)
    return event


def activity_record(*, event_id: int) -> bool:
    """Write the CRM activity of one event (once: dedupe key)."""
    from crm import services as crm_services
    from crm.models import Activity, Contact

    event = EmailEvent.objects.select_related("message", "message__campaign").filter(pk=event_id).first()
    if event is None or not event.message.contact_id:
        return False
    dedupe_key = f"email:{event.pk}"
    if Activity.objects.filter(dedupe_key=dedupe_key).exists():
        return False
    contact = Contact.objects.filter(pk=event.message.contact_id).first()
    if contact is None:
        return False
    campaign = event.message.campaign
    subjects = campaign.rendered.get("subjects") or [campaign.subject]
    variant = event.message.variant
    subject = subjects[variant] if 0 <= variant < len(subjects) else subjects[0]
    recipient = content.Recipient(email=contact.email, first_name=contact.first_name, last_name=contact.last_name)
    payload = {
        "event": event.type,
        "campaign_id": campaign.pk,
        "campaign": campaign.name,
        "subject": content.merge_fields(subject, recipient),  # as this contact read it, not "{{first_name}}"
        "message_id": event.message_id,
    }
    if event.data.get("url"):
        payload["url"] = event.data["url"]
    try:
        crm_services.activity_add(
            contact=contact, type="email", payload=payload, occurred_at=event.occurred_at, dedupe_key=dedupe_key
        )
    except IntegrityError:
        return False
    return True
