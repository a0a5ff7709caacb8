"""Sending campaign messages through Django's e-mail backends.

`chunk_send(campaign_id=…, first_id=…, last_id=…)` is the body of the Celery
task for one slice of a campaign's messages (EMAIL_BATCH_SIZE of them). It is
safe to run twice, at the same time or after a crash, because messages go
out in small groups, each:

1. **rate** — tokens from the limiter shared by every worker
   (EMAIL_RATE_LIMIT_PER_SECOND, fixed 100 ms windows in Redis);
2. **claim** — `UPDATE … SET status='sending', claim_token=<new>,
   attempts=attempts+1 WHERE id IN (…) AND status='queued'`; only the rows
   carrying this worker's token are its own, so a retry, a redelivered task
   or a second worker never builds them again;
3. **check** — the address must still not be suppressed and the contact must
   still consent (both can change after the campaign started);
4. **send** — one message at a time on one open connection; each gets a
   Message-ID, the one-click unsubscribe headers (RFC 8058) and its own
   tracked links, pixel and unsubscribe URL;
5. **record** — `sending → sent` with each Message-ID and provider message
   id, plus the campaign counters, in one transaction for the group.

A worker that dies between claim and record leaves up to a group in
`sending`; those are never sent again: after EMAIL_SENDING_STALE_SECONDS
`messages_reap_stale` fails them (`unknown_outcome`) and their credits are
given back when the campaign settles. Never sending twice wins over never
losing one.

Outcomes: a permanent refusal (SMTP 5xx, anymail's "recipients refused") is a
hard bounce — the message fails and the address is suppressed; a temporary
one (SMTP 4xx, a dropped connection before the server's final 250, HTTP
429/5xx) puts the message back in the queue with a growing delay, up to
EMAIL_SEND_MAX_ATTEMPTS; the sender's address refused, or the service
refusing our credentials, stops the campaign (`fatal`). Without a final 250
an SMTP server has not taken responsibility for a message (RFC 5321 §6.1),
which is why a dropped connection is retried.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from emails import tracking
from emails.backends import campaign_connection, provider_name
from emails.content import Recipient, merge_fields, personalize
from emails.models import Campaign, EmailMessage, Suppression

logger = logging.getLogger(__name__)

S = EmailMessage.Status
GROUP_SIZE = 25
ACTIVE = (Campaign.Status.SENDING, Campaign.Status.TESTING)


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    bounced: int = 0
    retried: int = 0
    cancelled: int = 0
    stopped: str = ""  # "", "fatal", "cancelled", "deferred"


@dataclass
class Result:
    kind: str  # "sent" | "bounce" | "retry" | "failed" | "fatal" | "cancelled"
    message_id: str = ""
    provider_id: str = ""
    error: dict = field(default_factory=dict)


class Composer:
    """Builds one recipient's message from a campaign's frozen rendering."""

    def __init__(self, campaign: Campaign, *, tracked: bool = True):
        rendered = campaign.rendered
        sender = campaign.sender
        self.campaign = campaign
        self.html, self.text, self.links = rendered["html"], rendered["text"], rendered["links"]
        self.subjects = rendered.get("subjects") or [campaign.subject]
        self.domain = sender.domain
        self.from_email = formataddr((sender.name, sender.email)) if sender.name else sender.email
        self.tracked = tracked
        self.list_id = f"<c{campaign.pk}.w{campaign.workspace_id}.{self.domain}>"

    def subject(self, variant: int, recipient: Recipient) -> str:
        subject = self.subjects[variant] if 0 <= variant < len(self.subjects) else self.subjects[0]
        return merge_fields(subject, recipient)

    def build(
        self, *, message_pk: int, to: str, recipient: Recipient, variant: int, connection
    ) -> EmailMultiAlternatives:
        if self.tracked:
            unsubscribe = tracking.unsubscribe_url(message_pk)
            pixel = tracking.open_url(message_pk)

            def link(index: int) -> str:
                return tracking.click_url(message_pk, index)
        else:
            unsubscribe, pixel = tracking.test_unsubscribe_url(), ""

            def link(index: int) -> str:
                return self.links[index] if index < len(self.links) else "#"

        html = personalize(
            self.html, recipient, link_url=link, pixel_url=pixel, unsubscribe_url=unsubscribe, escape=True
        )
        text = personalize(
            self.text, recipient, link_url=link, pixel_url=pixel, unsubscribe_url=unsubscribe, escape=False
        )
        message_id = make_msgid(idstring=f"nx{message_pk}", domain=self.domain)
        message = EmailMultiAlternatives(
            subject=self.subject(variant, recipient),
            body=text,
            from_email=self.from_email,
            to=[to],
            connection=connection,
            headers={
                "Message-ID": message_id,
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": self.list_id,
            },
        )
        message.attach_alternative(html, "text/html")
        # Read by emails.backends.DkimSmtpBackend and by anymail backends; ignored elsewhere.
        message.dkim_domain = self.domain
        message.metadata = {"nx_message": str(message_pk)}
        message.track_clicks = False  # our own links are already tracked
        message.track_opens = False
        return message


# --- outcome of one send ----------------------------------------------------------------------------


def _smtp_kind(code: int) -> str:
    return "bounce" if 500 <= code < 600 else "retry"


def classify(exc: BaseException) -> Result:
    """Map a backend exception to what happens to the message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (550, b""))
        reason = "hard_bounce" if 500 <= code < 600 else "temporary"
        return Result(_smtp_kind(code), error={"code": code, "reason": reason, "message": _text(text)})
    if isinstance(exc, smtplib.SMTPSenderRefused):
        if 500 <= exc.smtp_code < 600:
            return Result(
                "fatal", error={"code": exc.smtp_code, "reason": "sender_refused", "message": _text(exc.smtp_error)}
            )
        return Result("retry", error={"code": exc.smtp_code, "reason": "temporary", "message": _text(exc.smtp_error)})
    if isinstance(exc, smtplib.SMTPResponseException):  # SMTPDataError and friends
        reason = "hard_bounce" if 500 <= exc.smtp_code < 600 else "temporary"
        return Result(
            _smtp_kind(exc.smtp_code), error={"code": exc.smtp_code, "reason": reason, "message": _text(exc.smtp_error)}
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError):
        return Result("retry", error={"code": 0, "reason": "connection", "message": str(exc)[:300]})
    anymail = _classify_anymail(exc)
    if anymail is not None:
        return anymail
    logger.exception("emails: unexpected error while sending", exc_info=exc)
    return Result("failed", error={"code": 0, "reason": "error", "message": type(exc).__name__})


def _text(value) -> str:
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or ""))[:300]


def _classify_anymail(exc: BaseException) -> Result | None:
    try:
        from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - anymail is a pinned dependency
        return None
    if isinstance(exc, AnymailRecipientsRefused):
        return Result("bounce", error={"code": 0, "reason": "hard_bounce", "message": str(exc)[:300]})
    if isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        error = {"code": status or 0, "reason": "provider", "message": str(exc).splitlines()[0][:300]}
        if status is None:
            # No HTTP answer: retried only when the request provably never left (connection refused).
            cause = exc.__cause__
            never_sent = (
                cause is not None and "Connect" in type(cause).__name__ and "Timeout" not in type(cause).__name__
            )
            return Result("retry" if never_sent else "failed", error={**error, "reason": "connection"})
        if status == 429 or status >= 500:
            return Result("retry", error={**error, "reason": "temporary"})
        if status in (401, 403):
            return Result("fatal", error={**error, "reason": "credentials"})
        return Result("failed", error=error)
    return None


# --- claiming and recording -------------------------------------------------------------------------


_CLAIM_SQL = """
UPDATE {table} AS m
SET status = %(sending)s, claim_token = %(token)s, claimed_at = %(now)s, attempts = m.attempts + 1, updated_at = %(now)s
WHERE m.status = %(queued)s AND m.id IN (
    SELECT id FROM {table}
    WHERE campaign_id = %(campaign)s AND status = %(queued)s AND id BETWEEN %(first)s AND %(last)s
      AND (next_attempt_at IS NULL OR next_attempt_at <= %(now)s)
    ORDER BY id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING m.id, m.to_email, m.contact_id, m.variant, m.attempts
"""


def _claim(*, campaign_id: int, first_id: int, last_id: int, limit: int) -> list[tuple]:
    now = timezone.now()
    if connection.vendor == "postgresql":
        # One round trip instead of three (pick, claim, read back); SKIP LOCKED lets a second worker
        # on the same slice take the next rows instead of waiting.
        with connection.cursor() as cursor:
            cursor.execute(
                _CLAIM_SQL.format(table=EmailMessage._meta.db_table),
                {
                    "sending": S.SENDING, "queued": S.QUEUED, "token": uuid.uuid4(), "now": now,
                    "campaign": campaign_id, "first": first_id, "last": last_id, "limit": limit,
                },
            )  # fmt: skip
            return sorted(cursor.fetchall())
    candidates = list(
        EmailMessage.objects.filter(campaign_id=campaign_id, status=S.QUEUED, pk__gte=first_id, pk__lte=last_id)
        .exclude(next_attempt_at__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not candidates:
        return []
    token = uuid.uuid4()
    EmailMessage.objects.filter(pk__in=candidates, status=S.QUEUED).update(
        status=S.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    return list(
        EmailMessage.objects.filter(pk__in=candidates, claim_token=token, status=S.SENDING)
        .order_by("pk")
        .values_list("pk", "to_email", "contact_id", "variant", "attempts")
    )


def _recipients(rows: list[tuple]) -> tuple[dict[int, Recipient], set[str]]:
    """Consenting contacts (with names for merge tags) and suppressed addresses among `rows`."""
    from crm.models import Contact

    contact_ids = [row[2] for row in rows if row[2]]
    consenting = {
        pk: Recipient(email=email, first_name=first, last_name=last)
        for pk, email, first, last in Contact.objects.filter(pk__in=contact_ids, email_opt_in=True).values_list(
            "pk", "email", "first_name", "last_name"
        )
    }
    suppressed = set(Suppression.objects.filter(email__in=[row[1] for row in rows]).values_list("email", flat=True))
    return consenting, suppressed


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 60 * 2 ** max(0, attempts - 1)))


def _record(campaign_id: int, rows: list[tuple], results: list[Result]) -> Outcome:
    """Write a group's outcomes and the campaign counters in one transaction."""
    now = timezone.now()
    outcome = Outcome()
    sent = [(row, result) for row, result in zip(rows, results, strict=True) if result.kind == "sent"]
    max_attempts = int(settings.EMAIL_SEND_MAX_ATTEMPTS)
    bounces = []
    with transaction.atomic():
        if sent:
            _record_sent(sent, now)
            outcome.sent = len(sent)
        for row, result in zip(rows, results, strict=True):
            pk, attempts = row[0], row[4]
            base = EmailMessage.objects.filter(pk=pk, status=S.SENDING)
            if result.kind == "sent":
                continue
            if result.kind == "retry" and attempts < max_attempts:
                base.update(
                    status=S.QUEUED, claim_token=None, next_attempt_at=now + _backoff(attempts),
                    error=result.error, updated_at=now,
                )  # fmt: skip
                outcome.retried += 1
            elif result.kind == "cancelled":
                base.update(status=S.CANCELLED, error=result.error, updated_at=now)
                outcome.cancelled += 1
            else:
                if result.kind == "retry":
                    result.error = {**result.error, "reason": "temporary_exhausted"}
                base.update(status=S.FAILED, error=result.error, updated_at=now)
                outcome.failed += 1
                if result.kind == "bounce":
                    bounces.append((pk, result.error))
        Campaign.objects.filter(pk=campaign_id).update(
            count_sent=F("count_sent") + outcome.sent,
            count_failed=F("count_failed") + outcome.failed,
            last_progress_at=now,
        )
    for pk, error in bounces:
        _bounce(pk, error)
        outcome.bounced += 1
    return outcome


def _record_sent(sent: list[tuple[tuple, Result]], now) -> None:
    table = EmailMessage._meta.db_table
    if connection.vendor == "postgresql":
        values = ", ".join(["(CAST(%s AS BIGINT), %s, %s)"] * len(sent))
        params: list = [v for row, result in sent for v in (row[0], result.message_id, result.provider_id)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS m SET status = %s, message_id = v.mid, provider_message_id = v.pid, "  # noqa: S608
                f"sent_at = %s, updated_at = %s, claim_token = NULL, error = '{{}}'::jsonb "
                f"FROM (VALUES {values}) AS v(id, mid, pid) WHERE m.id = v.id AND m.status = %s",
                [S.SENT, now, now, *params, S.SENDING],
            )
        return
    for row, result in sent:
        EmailMessage.objects.filter(pk=row[0], status=S.SENDING).update(
            status=S.SENT, message_id=result.message_id, provider_message_id=result.provider_id,
            sent_at=now, updated_at=now, claim_token=None, error={},
        )  # fmt: skip


def _bounce(message_pk: int, error: dict) -> None:
    from emails.events import event_record

    message = EmailMessage.objects.filter(pk=message_pk).first()
    if message is not None:
        event_record(
            message=message,
            type="bounced",
            key=f"smtp:{message_pk}",
            source="smtp",
            data={"code": error.get("code"), "response": error.get("message", "")},
        )


# --- the task body ----------------------------------------------------------------------------------


def _limiter():
    from whatsapp.ratelimit import NumberRateLimiter

    rate = int(settings.EMAIL_RATE_LIMIT_PER_SECOND)
    if rate <= 0:
        return None
    limiter = NumberRateLimiter("email", rate)
    limiter.key = f"emails:rate:{provider_name()}"  # one budget per sending service, shared by all workers
    return limiter


def send_one(composer: Composer, backend, *, message_pk: int, to: str, recipient: Recipient, variant: int) -> Result:
    message = composer.build(message_pk=message_pk, to=to, recipient=recipient, variant=variant, connection=backend)
    try:
        # Opened here, not by send_messages(): a backend opened by its caller stays open, so one SMTP
        # connection (or one HTTP session) carries the whole chunk instead of connect + EHLO + QUIT
        # per message; chunk_send closes it.
        backend.open()
        backend.send_messages([message])
    except Exception as exc:
        result = classify(exc)
        if result.error.get("reason") == "connection":
            _reset(backend)  # a dropped connection is reopened for the next message
        return result
    status = getattr(message, "anymail_status", None)
    provider_id = (getattr(status, "message_id", None) or "") if status is not None else ""
    message_id = message.extra_headers["Message-ID"]
    return Result("sent", message_id=message_id, provider_id=str(provider_id or message_id)[:255])


def _reset(backend) -> None:
    try:
        backend.close()
    except Exception:
        logger.warning("emails: closing a broken mail connection failed", exc_info=True)
        if hasattr(backend, "connection"):
            backend.connection = None


def chunk_send(*, campaign_id: int, first_id: int, last_id: int) -> Outcome:
    """Send the campaign's queued messages with ids in [first_id, last_id]."""
    campaign = Campaign.objects.select_related("sender").filter(pk=campaign_id).first()
    total = Outcome()
    if campaign is None or campaign.status not in ACTIVE or campaign.sender is None:
        total.stopped = "cancelled"
        return total
    composer = Composer(campaign)
    limiter = _limiter()
    backend = campaign_connection()
    consecutive_retries = 0
    last_check = time.monotonic()
    try:
        while True:
            if time.monotonic() - last_check > 1.0:
                last_check = time.monotonic()
                if Campaign.objects.filter(pk=campaign_id).values_list("status", flat=True).first() not in ACTIVE:
                    total.stopped = "cancelled"
                    break
            want = limiter.acquire(GROUP_SIZE) if limiter is not None else GROUP_SIZE
            rows = _claim(campaign_id=campaign_id, first_id=first_id, last_id=last_id, limit=want)
            if not rows:
                break
            consenting, suppressed = _recipients(rows)
            results = []
            for pk, to, contact_id, variant, _attempts in rows:
                if to in suppressed:
                    results.append(Result("cancelled", error={"reason": "suppressed"}))
                    continue
                recipient = consenting.get(contact_id)
                if recipient is None:
                    results.append(Result("cancelled", error={"reason": "no_consent"}))
                    continue
                result = send_one(composer, backend, message_pk=pk, to=to, recipient=recipient, variant=variant)
                results.append(result)
                if result.kind == "fatal":
                    break
            # Rows not attempted after a fatal error go back to the queue (then cancelled below).
            results += [Result("retry", error={"reason": "not_attempted"})] * (len(rows) - len(results))
            outcome = _record(campaign_id, rows, results)
            for name in ("sent", "failed", "bounced", "retried", "cancelled"):
                setattr(total, name, getattr(total, name) + getattr(outcome, name))
            fatal = next((r for r in results if r.kind == "fatal"), None)
            if fatal is not None:
                campaign_fail(campaign_id=campaign_id, error=fatal.error)
                total.stopped = "fatal"
                break
            consecutive_retries = consecutive_retries + outcome.retried if not outcome.sent else 0
            if consecutive_retries >= 3 * GROUP_SIZE:
                total.stopped = "deferred"  # the service keeps refusing for now: the beat relay comes back
                break
    finally:
        try:
            backend.close()
        except Exception:
            logger.warning("emails: closing the mail connection failed", exc_info=True)
    from emails.services.dispatch import campaign_finish_if_done

    campaign_finish_if_done(campaign_id=campaign_id)
    return total


def campaign_fail(*, campaign_id: int, error: dict) -> int:
    """Stop a campaign for good: cancel what is still queued or held."""
    from emails.services.dispatch import campaign_finish_if_done

    now = timezone.now()
    with transaction.atomic():
        cancelled = EmailMessage.objects.filter(campaign_id=campaign_id, status__in=(S.QUEUED, S.HELD)).update(
            status=S.CANCELLED, error={"reason": "campaign_stopped"}, updated_at=now
        )
        Campaign.objects.filter(pk=campaign_id, status__in=ACTIVE).update(
            status=Campaign.Status.FAILED,
            last_error=f"{error.get('reason', '')}: {error.get('message', '')}"[:500],
        )
    campaign_finish_if_done(campaign_id=campaign_id)
    return cancelled


def messages_reap_stale(*, now=None, limit: int = 5000) -> int:
    """Fail messages stuck in `sending` (their worker died): never re-sent."""
    from emails.services.dispatch import campaign_finish_if_done

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=int(settings.EMAIL_SENDING_STALE_SECONDS))
    stale = list(
        EmailMessage.objects.filter(status=S.SENDING, claimed_at__lt=cutoff).values_list("pk", "campaign_id")[:limit]
    )
    by_campaign: dict[int, list[int]] = {}
    for pk, campaign_id in stale:
        by_campaign.setdefault(campaign_id, []).append(pk)
    reaped = 0
    for campaign_id, ids in by_campaign.items():
        with transaction.atomic():
            count = EmailMessage.objects.filter(pk__in=ids, status=S.SENDING).update(
                status=S.FAILED,
                error={"reason": "unknown_outcome", "message": "The send did not finish; not retried."},
                updated_at=now,
            )
            Campaign.objects.filter(pk=campaign_id).update(count_failed=F("count_failed") + count)
        reaped += count
        campaign_finish_if_done(campaign_id=campaign_id)
    return reaped
