"""Broadcasts: preview, create (normalise, dedupe, skip opt-outs, charge once,
queue), dispatch, scheduled start, cancel (refund what was not sent).

Contract of `broadcast_create`:
- Recipients come from `recipients` (any phone notation; the workspace's
  `default_region` fills in a missing country code) or a CRM `segment_id`
  (contacts with a phone and WhatsApp consent) — exactly one of them.
- Normalised to E.164, duplicates removed (after normalisation), opted-out
  numbers skipped and counted, invalid numbers returned in
  `rejected_recipients` with a reason each. No sendable recipient → 400.
- `whatsapp_bot` cost × sendable recipients is reserved once, at creation,
  for the whole broadcast (one charge per batch, all in the creation
  transaction). Not enough credits → 402 `insufficient_credits` with
  `needed`/`available`, and nothing is created or queued.
- The same `idempotency_key` in a workspace returns the broadcast created
  first (a retry after a crash never creates a second one).
- `schedule_date` in the future → `scheduled` (the beat tick starts it);
  otherwise the dispatch task is enqueued after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from nexusone.audit import audit_record
from nexusone.errors import Conflict, InsufficientCredits, ValidationFailed
from whatsapp import credits
from whatsapp.crm_bridge import segment_recipients
from whatsapp.models import Broadcast, Message, MessageTemplate, OptOut, SendBatch, WhatsAppAccount
from whatsapp.phones import RecipientReport, normalize_recipients
from whatsapp.services.content import summary
from whatsapp.services.statuses import counters_move

logger = logging.getLogger(__name__)
REJECTED_STORED = 1000  # rejected recipients kept on the broadcast (the creation response has them all)


@dataclass
class BroadcastCreated:
    broadcast: Broadcast
    rejected_recipients: list[dict]
    replayed: bool = False


def _opted_out_numbers() -> set[str]:
    return set(OptOut.objects.values_list("phone", flat=True))


def recipients_resolve(*, workspace, recipients: list | None, segment_id: int | None) -> tuple[RecipientReport, str]:
    """Normalise the requested recipients (a list or a CRM segment)."""
    if bool(recipients) == bool(segment_id):
        raise ValidationFailed(details={"recipients": [_("Give either a list of recipients or a segment.")]})
    opted_out = _opted_out_numbers()
    region = workspace.default_region or "US"
    if segment_id:
        segment_name, rows = segment_recipients(workspace=workspace, segment_id=segment_id)
        consenting = [(phone, contact_id) for phone, contact_id, consent in rows if consent]
        report = normalize_recipients(
            (phone for phone, _id in consenting),
            region=region,
            opted_out=opted_out,
            contact_ids=(contact_id for _phone, contact_id in consenting),
        )
        report.opted_out += len(rows) - len(consenting)  # no WhatsApp consent: skipped like an opt-out
        report.requested = len(rows)
        return report, segment_name
    if len(recipients) > settings.WHATSAPP_MAX_RECIPIENTS:
        raise ValidationFailed(
            _("A broadcast can have at most %(max)d recipients.") % {"max": settings.WHATSAPP_MAX_RECIPIENTS},
            details={"recipients": [_("At most %(max)d recipients.") % {"max": settings.WHATSAPP_MAX_RECIPIENTS}]},
        )
    return normalize_recipients(recipients, region=region, opted_out=opted_out), ""


def _check_template(*, account: WhatsAppAccount, message: dict) -> None:
    if message.get("type") != "template":
        return
    template = message.get("template") or {}
    name, language = template.get("name", ""), (template.get("language") or {}).get("code", "")
    known = MessageTemplate.objects.filter(account=account, name=name, language=language).first()
    if known is None:
        if account.templates_synced_at is not None:
            raise ValidationFailed(
                details={
                    "message": [
                        _("No template %(name)s in %(language)s on this number. Sync the templates.")
                        % {"name": name, "language": language}
                    ]
                }
            )
        return  # never synced: Meta will say (and the messages are refunded)
    if known.status != MessageTemplate.Status.APPROVED:
        raise ValidationFailed(
            details={
                "message": [
                    _("The template %(name)s is not approved (status: %(status)s).")
                    % {"name": name, "status": known.get_status_display()}
                ]
            }
        )


def broadcast_preview(*, workspace, recipients: list | None = None, segment_id: int | None = None) -> dict:
    """What a broadcast would send and cost, without creating anything."""
    report, _segment_name = recipients_resolve(workspace=workspace, recipients=recipients, segment_id=segment_id)
    cost = credits.unit_cost()
    return {
        "requested": report.requested,
        "sendable": len(report.numbers),
        "duplicates": report.duplicates,
        "opted_out": report.opted_out,
        "rejected": len(report.rejected),
        "rejected_recipients": report.rejected[:100],
        "unit_cost": cost,
        "credits_needed": cost * len(report.numbers),
        "credits_available": credits.balance(workspace=workspace),
    }


def broadcast_create(
    *,
    workspace,
    user,
    account: WhatsAppAccount,
    message: dict,
    recipients: list | None = None,
    segment_id: int | None = None,
    schedule_date: datetime | None = None,
    name: str = "",
    idempotency_key: str = "",
    request=None,
) -> BroadcastCreated:
    if idempotency_key:
        existing = Broadcast.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return BroadcastCreated(existing, existing.rejected_recipients, replayed=True)
    now = timezone.now()
    if schedule_date is not None and schedule_date <= now + timedelta(seconds=30):
        schedule_date = None  # "now" or the past: send at once
    _check_template(account=account, message=message)
    report, segment_name = recipients_resolve(workspace=workspace, recipients=recipients, segment_id=segment_id)
    total = len(report.numbers)
    if not total:
        raise ValidationFailed(
            _("None of the recipients can receive this broadcast."),
            details={
                "recipients": [_("No valid recipient that has not opted out.")],
                "rejected_recipients": report.rejected[:100],
            },
        )
    cost = credits.unit_cost()
    available = credits.balance(workspace=workspace)
    if available < cost * total:  # fast path; the locked check inside the transaction is authoritative
        raise InsufficientCredits(needed=cost * total, available=available)

    try:
        with transaction.atomic():
            broadcast = Broadcast.objects.create(
                account=account,
                name=name or summary(message)[:200],
                created_by=user if getattr(user, "pk", None) else None,
                message=message,
                segment_id=segment_id,
                segment_name=segment_name,
                status=Broadcast.Status.SCHEDULED if schedule_date else Broadcast.Status.QUEUED,
                schedule_date=schedule_date,
                idempotency_key=idempotency_key[:255],
                unit_cost=cost,
                count_requested=report.requested,
                count_duplicates=report.duplicates,
                count_opted_out=report.opted_out,
                count_rejected=len(report.rejected),
                rejected_recipients=report.rejected[:REJECTED_STORED],
                count_total=total,
                count_queued=total,
            )
            batches = _create_batches(broadcast=broadcast, account=account, total=total)
            _insert_messages(broadcast=broadcast, account=account, report=report, batches=batches, now=now)
            charged = credits.reserve_batches(
                workspace=workspace,
                user=user,
                batches=batches,
                key_base=f"broadcast:{broadcast.pk}",
                start_at=schedule_date,
            )
            Broadcast.objects.filter(pk=broadcast.pk).update(credits_charged=charged)
            broadcast.credits_charged = charged
            audit_record(
                action="whatsapp.broadcast.created",
                request=request,
                user=user if request is None else None,
                workspace=workspace,
                target=broadcast,
                metadata={"recipients": total, "credits": charged, "scheduled": bool(schedule_date)},
            )
            if not schedule_date:
                from whatsapp.tasks import broadcast_dispatch_task, enqueue

                enqueue(broadcast_dispatch_task, workspace_id=workspace.pk, broadcast_id=broadcast.pk)
    except IntegrityError:
        existing = Broadcast.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return BroadcastCreated(existing, existing.rejected_recipients, replayed=True)
    return BroadcastCreated(broadcast, report.rejected)


def _create_batches(*, broadcast: Broadcast, account: WhatsAppAccount, total: int) -> list[SendBatch]:
    size = max(1, int(settings.WHATSAPP_BATCH_SIZE))
    batches = [
        SendBatch(
            workspace_id=broadcast.workspace_id,
            broadcast=broadcast,
            account=account,
            index=index,
            size=min(size, total - index * size),
        )
        for index in range(credits.batches_for(total))
    ]
    return SendBatch.objects.bulk_create(batches)


_MESSAGE_COLUMNS = (
    "workspace_id",
    "created_at",
    "updated_at",
    "account_id",
    "broadcast_id",
    "batch_id",
    "contact_id",
    "to",
    "direction",
    "from_number",
    "kind",
    "body",
    "wamid",
    "status",
    "error_code",
    "error_reason",
    "error_message",
    "attempts",
    "refund_state",
    "claim_token",
)


def _insert_messages(*, broadcast, account, report: RecipientReport, batches: list[SendBatch], now) -> None:
    """One row per sendable recipient. PostgreSQL: COPY in text format, built
    from a constant prefix and suffix around the three values that vary
    (~0.05 s of Python for 100,000 rows); other databases: bulk_create."""
    size = max(1, int(settings.WHATSAPP_BATCH_SIZE))
    kind = broadcast.message.get("type", "text")
    sender = account.display_phone_number
    ws = broadcast.workspace_id
    head = (ws, now, now, account.pk, broadcast.pk)  # then batch_id, contact_id, to
    tail = ("outbound", sender, kind, "", "", "queued", "", "", "", 0, "", "")
    assert len(head) + 3 + len(tail) == len(_MESSAGE_COLUMNS)
    contact_columns = ("batch_id", "contact_id", "to")
    assert _MESSAGE_COLUMNS[len(head) : len(head) + 3] == contact_columns

    if connection.vendor == "postgresql":
        table = Message._meta.db_table
        column_of = {f.attname: f.column for f in Message._meta.concrete_fields}
        columns = ", ".join(connection.ops.quote_name(column_of[name]) for name in _MESSAGE_COLUMNS)
        prefix = "\t".join(_copy_text(value) for value in head)
        suffix = "\t".join(_copy_text(value) for value in tail)
        batch_ids = [str(batch.pk) for batch in batches]
        contact_ids = report.contact_ids
        null = "\\N"
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            lines: list[str] = []
            for position, number in enumerate(report.numbers):
                contact = contact_ids.get(number)
                lines.append(
                    f"{prefix}\t{batch_ids[position // size]}\t{contact if contact is not None else null}\t"
                    f"{_copy_text(number)}\t{suffix}"
                )
                if len(lines) >= 10000:
                    copy.write("\n".join(lines) + "\n")
                    lines.clear()
            if lines:
                copy.write("\n".join(lines) + "\n")
        return

    def objects():
        for position, number in enumerate(report.numbers):
            values = (*head, batches[position // size].pk, report.contact_ids.get(number), number, *tail)
            yield Message(**dict(zip(_MESSAGE_COLUMNS, values, strict=True)))

    pending = objects()
    while chunk := [obj for _i, obj in zip(range(2000), pending, strict=False)]:
        Message.objects.bulk_create(chunk)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def broadcast_dispatch(*, broadcast_id: int) -> int:
    """`queued → sending` and one send task per unfinished batch. Safe to repeat."""
    from whatsapp.tasks import batch_send_task, enqueue

    now = timezone.now()
    Broadcast.objects.filter(pk=broadcast_id, status=Broadcast.Status.QUEUED).update(
        status=Broadcast.Status.SENDING, started_at=Coalesce("started_at", now), last_progress_at=now
    )
    broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
    if broadcast is None or broadcast.status != Broadcast.Status.SENDING:
        return 0
    batch_ids = list(
        SendBatch.objects.filter(broadcast_id=broadcast_id, finished_at__isnull=True).values_list("pk", flat=True)
    )
    for batch_id in batch_ids:
        enqueue(batch_send_task, workspace_id=broadcast.workspace_id, batch_id=batch_id)
    return len(batch_ids)


def broadcast_cancel(*, broadcast: Broadcast, user=None, request=None) -> Broadcast:
    """Stop a scheduled or running broadcast; every message not yet handed to
    the provider is cancelled and refunded (messages in flight finish)."""
    now = timezone.now()
    if not Broadcast.objects.filter(pk=broadcast.pk, status__in=Broadcast.ACTIVE).update(
        status=Broadcast.Status.CANCELLED, finished_at=now
    ):
        raise Conflict(_("Only a scheduled or running broadcast can be cancelled."), code="not_cancellable")
    with transaction.atomic():
        cancelled = Message.objects.filter(broadcast_id=broadcast.pk, status=Message.Status.QUEUED).update(
            status=Message.Status.CANCELLED,
            failed_at=now,
            refund_state=Message.RefundState.DUE,
            error_reason="cancelled",
            updated_at=now,
        )
        counters_move(
            broadcast_id=broadcast.pk, old=Message.Status.QUEUED, new=Message.Status.CANCELLED, count=cancelled, now=now
        )
    for batch_id in list(SendBatch.objects.filter(broadcast_id=broadcast.pk).values_list("pk", flat=True)):
        credits.batch_reprice(batch_id=batch_id)
    SendBatch.objects.filter(broadcast_id=broadcast.pk, finished_at__isnull=True).update(
        finished_at=now, settle_after=now + credits.settle_window()
    )
    audit_record(
        action="whatsapp.broadcast.cancelled",
        request=request,
        user=user if request is None else None,
        workspace=broadcast.workspace,
        target=broadcast,
        metadata={"cancelled_messages": cancelled},
    )
    broadcast.refresh_from_db()
    return broadcast


def broadcasts_start_due(*, now=None) -> int:
    """Beat: scheduled broadcasts whose time has come → queued + dispatched."""
    from whatsapp.tasks import broadcast_dispatch_task, enqueue

    now = now or timezone.now()
    started = 0
    # A suspended workspace's broadcasts stay scheduled until the suspension is lifted.
    due = Broadcast.unscoped.filter(
        status=Broadcast.Status.SCHEDULED, schedule_date__lte=now, workspace__is_suspended=False
    )
    for pk, workspace_id in list(due.values_list("pk", "workspace_id")[:500]):
        if Broadcast.unscoped.filter(pk=pk, status=Broadcast.Status.SCHEDULED).update(status=Broadcast.Status.QUEUED):
            enqueue(broadcast_dispatch_task, workspace_id=workspace_id, broadcast_id=pk)
            started += 1
    return started


def broadcasts_relay(*, now=None) -> int:
    """Beat: re-dispatch broadcasts whose tasks were lost (broker outage,
    worker death past its redelivery) — queued ones not dispatched after
    2 minutes, sending ones without progress for 5. Sends are claim-guarded,
    so a duplicate dispatch only costs a few skipped rows."""
    from whatsapp.tasks import broadcast_dispatch_task, enqueue

    now = now or timezone.now()
    relayed = 0
    stuck_queued = Broadcast.unscoped.filter(
        status=Broadcast.Status.QUEUED, updated_at__lt=now - timedelta(minutes=2), workspace__is_suspended=False
    )
    stalled = Broadcast.unscoped.filter(status=Broadcast.Status.SENDING, workspace__is_suspended=False).filter(
        last_progress_at__lt=now - timedelta(minutes=5)
    )
    for pk, workspace_id in list(stuck_queued.values_list("pk", "workspace_id")[:200]) + list(
        stalled.values_list("pk", "workspace_id")[:200]
    ):
        Broadcast.unscoped.filter(pk=pk).update(last_progress_at=now, updated_at=now)
        enqueue(broadcast_dispatch_task, workspace_id=workspace_id, broadcast_id=pk)
        relayed += 1
    return relayed
