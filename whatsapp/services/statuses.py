"""Message status transitions — the one place a message's status changes
after it was queued, for the sender, real webhooks and the sandbox alike.

Contract:
- Forward only: `queued < sending < sent < delivered < read`. A late
  `delivered` never overwrites `read`; a repeated status is a no-op.
- `failed` applies to a message not yet delivered (`queued`, `sending`,
  `sent`) and is terminal; its refund becomes due (`refund_state = due`) when
  the message was paid through a batch. `cancelled` applies to `queued` only.
- Each transition is one compare-and-set UPDATE (`WHERE id = … AND status =
  <old>`), retried on a lost race, and moves the broadcast's counters in the
  same transaction — counters always add up to the broadcast's total.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.rollups import count_whatsapp_transition
from notifications import hooks as notification_hooks
from whatsapp.models import Broadcast, Message

S = Message.Status
RANK = {S.QUEUED: 0, S.SENDING: 1, S.SENT: 2, S.DELIVERED: 3, S.READ: 4}
COUNTER = {
    S.QUEUED: "count_queued",
    S.SENDING: "count_queued",
    S.SENT: "count_sent",
    S.DELIVERED: "count_delivered",
    S.READ: "count_read",
    S.FAILED: "count_failed",
    S.CANCELLED: "count_cancelled",
}
FAILABLE = (S.QUEUED, S.SENDING, S.SENT)


def allowed(old: str, new: str) -> bool:
    if new in RANK:
        return old in RANK and RANK[old] < RANK[new]
    if new == S.FAILED:
        return old in FAILABLE
    if new == S.CANCELLED:
        return old == S.QUEUED
    return False


def _updates_for(new: str, at: datetime, *, error: dict | None, has_batch: bool) -> dict:
    updates: dict = {"status": new, "updated_at": timezone.now()}
    if new == S.SENT:
        updates["sent_at"] = Coalesce(F("sent_at"), at)
    elif new == S.DELIVERED:
        updates["sent_at"] = Coalesce(F("sent_at"), at)
        updates["delivered_at"] = Coalesce(F("delivered_at"), at)
    elif new == S.READ:
        updates["sent_at"] = Coalesce(F("sent_at"), at)
        updates["delivered_at"] = Coalesce(F("delivered_at"), at)
        updates["read_at"] = Coalesce(F("read_at"), at)
    elif new in (S.FAILED, S.CANCELLED):
        updates["failed_at"] = at
        if has_batch:
            updates["refund_state"] = Message.RefundState.DUE
        error = error or {}
        updates["error_code"] = str(error.get("code", ""))[:16]
        updates["error_reason"] = str(error.get("reason", ""))[:40]
        updates["error_message"] = str(error.get("message", ""))[:255]
    return updates


def counters_move(*, broadcast_id: int | None, old: str, new: str, count: int = 1, now=None) -> None:
    """Move `count` messages between two counters (call inside the transaction
    that changed them)."""
    count_whatsapp_transition(old=old, new=new, count=count, at=now)  # dashboard rollups, same transaction
    if not broadcast_id or not count or COUNTER.get(old) == COUNTER.get(new):
        return
    notification_hooks.broadcast_progress(broadcast_id=broadcast_id)  # the live progress bar, after commit
    source, target = COUNTER[old], COUNTER[new]
    Broadcast.objects.filter(pk=broadcast_id).update(
        **{source: F(source) - count, target: F(target) + count}, last_progress_at=now or timezone.now()
    )


def message_transition(
    *,
    message_id: int,
    new: str,
    at: datetime | None = None,
    error: dict | None = None,
    wamid: str = "",
    current: dict | None = None,
) -> bool:
    """Move one message to `new` if that is forward; True when it moved.
    `error` = {"code", "reason", "message"} for failures. `wamid`, when given,
    is recorded if the message has none yet (even if the status does not move).
    `current` — the row's `status`, `broadcast_id`, `batch_id`, `wamid` when
    the caller just read them (saves a query; re-read after a lost race)."""
    at = at or timezone.now()
    for _attempt in range(5):
        row = current or (
            Message.objects.filter(pk=message_id).values("status", "broadcast_id", "batch_id", "wamid").first()
        )
        current = None
        if row is None:
            return False
        if wamid and not row["wamid"]:
            Message.objects.filter(pk=message_id, wamid="").update(wamid=wamid)
        old = row["status"]
        if not allowed(old, new):
            return False
        updates = _updates_for(new, at, error=error, has_batch=row["batch_id"] is not None)
        with transaction.atomic():
            if not Message.objects.filter(pk=message_id, status=old).update(**updates):
                continue  # lost a race with another transition: re-read and decide again
            counters_move(broadcast_id=row["broadcast_id"], old=old, new=new)
        return True
    return False
