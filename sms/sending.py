"""Sending SMS campaign messages: the e-mail sender's shape (`emails.sending`).

`chunk_send(campaign_id=…, first_id=…, last_id=…)` claims queued messages in
groups (`UPDATE … status='sending', claim_token=…` — only the claimer calls
the provider), re-checks SMS consent, sends one request per message through
the provider, and records each sid (or failure) and the campaign counters
per group. Twilio's status callbacks (`sms.webhooks`) move messages on to
delivered or undelivered later.

Outcomes (`sms.providers.base`): `retry` → back to the queue with a growing
delay, up to SEND_MAX_ATTEMPTS; `opted_out` → failed and the contact's SMS
consent withdrawn; `failed` → failed; `unknown` → failed, never re-sent;
`fatal` → the campaign stops. A worker that dies mid-group leaves messages in
`sending`: the reaper fails them after STALE_SECONDS, never re-sending.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from sms.models import SmsCampaign, SmsMessage
from sms.providers import SmsFailure, SmsRequest, provider_for

logger = logging.getLogger(__name__)

S = SmsMessage.Status
GROUP_SIZE = 10
SEND_MAX_ATTEMPTS = 5
STALE_SECONDS = 600


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0
    stopped: str = ""


def status_callback_url() -> str:
    return f"{settings.SITE_URL}{reverse('twilio-status-webhook')}"


def _limiter():
    from whatsapp.ratelimit import NumberRateLimiter

    rate = int(settings.SMS_RATE_LIMIT_PER_SECOND)
    if rate <= 0:
        return None
    limiter = NumberRateLimiter("sms", rate)
    limiter.key = "sms:rate:twilio"
    return limiter


def _claim(*, campaign_id: int, first_id: int, last_id: int, limit: int) -> list[tuple]:
    now = timezone.now()
    candidates = list(
        SmsMessage.objects.filter(campaign_id=campaign_id, status=S.QUEUED, pk__gte=first_id, pk__lte=last_id)
        .exclude(next_attempt_at__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not candidates:
        return []
    token = uuid.uuid4()
    SmsMessage.objects.filter(pk__in=candidates, status=S.QUEUED).update(
        status=S.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    return list(
        SmsMessage.objects.filter(pk__in=candidates, claim_token=token, status=S.SENDING)
        .order_by("pk")
        .values_list("pk", "to", "contact_id", "attempts")
    )


def _consenting(rows: list[tuple]) -> set[int]:
    from crm.models import Contact

    ids = [row[2] for row in rows if row[2]]
    return set(Contact.objects.filter(pk__in=ids, sms_opt_in=True).exclude(phone="").values_list("pk", flat=True))


def _finish(pk: int, outcome: Outcome, failure: SmsFailure | None, attempts: int, now) -> None:
    base = SmsMessage.objects.filter(pk=pk, status=S.SENDING)
    if failure is None:
        return
    if failure.kind == "cancelled":
        base.update(status=S.CANCELLED, error_code=failure.code, updated_at=now)
        outcome.cancelled += 1
    elif failure.kind == "retry" and attempts < SEND_MAX_ATTEMPTS:
        delay = failure.retry_after or min(3600, 30 * 2 ** max(0, attempts - 1))
        base.update(
            status=S.QUEUED, claim_token=None, next_attempt_at=now + timedelta(seconds=delay),
            error_code=failure.code, error_message=failure.message, updated_at=now,
        )  # fmt: skip
        outcome.retried += 1
    else:
        base.update(status=S.FAILED, error_code=failure.code, error_message=failure.message, updated_at=now)
        outcome.failed += 1


def send_group(*, campaign: SmsCampaign, rows: list[tuple], provider, callback: str) -> tuple[Outcome, list]:
    """Send claimed rows; returns the outcome and the phones that opted out."""
    outcome = Outcome()
    consenting = _consenting(rows)
    results: list[tuple[int, object, int]] = []
    fatal = None
    for pk, to, contact_id, attempts in rows:
        if fatal is not None:
            results.append((pk, SmsFailure("retry", code="not_attempted"), 0))
            continue
        if contact_id not in consenting:
            results.append((pk, SmsFailure("cancelled", code="no_consent"), attempts))
            continue
        try:
            accepted = provider.send(SmsRequest(to=to, body=campaign.body, status_callback=callback))
            results.append((pk, accepted, attempts))
        except SmsFailure as failure:
            results.append((pk, failure, attempts))
            if failure.kind == "fatal":
                fatal = failure
    now = timezone.now()
    opted_out = []
    with transaction.atomic():
        for pk, result, attempts in results:
            if isinstance(result, SmsFailure):
                if result.kind == "opted_out":
                    opted_out.append(pk)
                _finish(pk, outcome, result, attempts, now)
            else:
                SmsMessage.objects.filter(pk=pk, status=S.SENDING).update(
                    status=S.SENT, sid=result.sid, segments=result.segments or F("segments"),
                    from_number=result.from_number[:40], sent_at=now, claim_token=None, updated_at=now,
                )  # fmt: skip
                outcome.sent += 1
        SmsCampaign.objects.filter(pk=campaign.pk).update(
            count_sent=F("count_sent") + outcome.sent,
            count_failed=F("count_failed") + outcome.failed,
            last_progress_at=now,
        )
    if fatal is not None:
        outcome.stopped = "fatal"
        campaign_fail(campaign_id=campaign.pk, reason=f"{fatal.code}: {fatal.message}")
    return outcome, opted_out


def _withdraw(message_ids: list[int]) -> None:
    from sms.services import consent_set

    for phone in SmsMessage.objects.filter(pk__in=message_ids).values_list("to", flat=True):
        consent_set(phone=phone, opted_in=False, via="provider_21610")


def chunk_send(*, campaign_id: int, first_id: int, last_id: int) -> Outcome:
    from sms.services import campaign_finish_if_done

    campaign = SmsCampaign.objects.filter(pk=campaign_id).first()
    total = Outcome()
    if campaign is None or campaign.status != SmsCampaign.Status.SENDING:
        total.stopped = "cancelled"
        return total
    provider = provider_for()
    limiter = _limiter()
    callback = status_callback_url()
    last_check = time.monotonic()
    try:
        while True:
            if time.monotonic() - last_check > 1.0:
                last_check = time.monotonic()
                status = SmsCampaign.objects.filter(pk=campaign_id).values_list("status", flat=True).first()
                if status != SmsCampaign.Status.SENDING:
                    total.stopped = "cancelled"
                    break
            want = limiter.acquire(GROUP_SIZE) if limiter is not None else GROUP_SIZE
            rows = _claim(campaign_id=campaign_id, first_id=first_id, last_id=last_id, limit=want)
            if not rows:
                break
            outcome, opted_out = send_group(campaign=campaign, rows=rows, provider=provider, callback=callback)
            _withdraw(opted_out)
            for name in ("sent", "failed", "retried", "cancelled"):
                setattr(total, name, getattr(total, name) + getattr(outcome, name))
            if outcome.stopped:
                total.stopped = outcome.stopped
                break
            if outcome.retried >= len(rows) and not outcome.sent:
                total.stopped = "deferred"  # the provider refuses for now: the beat relay comes back
                break
    finally:
        provider.close()
    campaign_finish_if_done(campaign_id=campaign_id)
    return total


def campaign_fail(*, campaign_id: int, reason: str) -> None:
    from sms.services import campaign_finish_if_done

    with transaction.atomic():
        SmsMessage.objects.filter(campaign_id=campaign_id, status=S.QUEUED).update(
            status=S.CANCELLED, error_code="campaign_stopped", updated_at=timezone.now()
        )
        SmsCampaign.objects.filter(pk=campaign_id, status=SmsCampaign.Status.SENDING).update(
            status=SmsCampaign.Status.FAILED, last_error=reason[:500], finished_at=timezone.now()
        )
    campaign_finish_if_done(campaign_id=campaign_id)
    from sms.services import campaign_settle

    campaign_settle(campaign_id=campaign_id)


def messages_reap_stale(*, now=None) -> int:
    from sms.services import campaign_finish_if_done

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=STALE_SECONDS)
    stale = list(SmsMessage.objects.filter(status=S.SENDING, claimed_at__lt=cutoff).values_list("pk", "campaign_id"))
    reaped = 0
    for campaign_id in {row[1] for row in stale}:
        ids = [pk for pk, cid in stale if cid == campaign_id]
        with transaction.atomic():
            count = SmsMessage.objects.filter(pk__in=ids, status=S.SENDING).update(
                status=S.FAILED, error_code="unknown_outcome", updated_at=now
            )
            SmsCampaign.objects.filter(pk=campaign_id).update(count_failed=F("count_failed") + count)
        reaped += count
        campaign_finish_if_done(campaign_id=campaign_id)
    return reaped
