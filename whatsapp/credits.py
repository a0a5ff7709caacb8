"""WhatsApp credits through the billing charge door (`billing.charging`).

Each `SendBatch` is paid by one charge of the door (`whatsapp_bot`, quantity =
its messages), and failed messages are given back with the door's partial
refund:

- **Reserve** every batch's charge at broadcast creation, in the creation
  transaction, after locking the billing account and checking the balance for
  the whole broadcast — so it is all-or-nothing: 402 with `needed`/`available`
  and nothing created, or every credit held.
- **Refund failed messages** (`batch_reprice`): in one transaction holding the
  batch row lock, `charge_refund_units` returns one unit per failed or
  cancelled message (keyed `r<n>` by the batch's refund counter, so a retried
  reprice returns nothing twice), and the messages are marked `refunded` in
  the same transaction: a failed message is refunded exactly once. The units
  keep the price they were charged at, and the daily credit cap never blocks
  a refund (nothing is re-reserved).
- **Commit** a batch when every message in it is final (delivered, read,
  failed, cancelled) or WHATSAPP_CHARGE_SETTLE_HOURS after it finished
  sending; a failure reported after that is recorded but not refunded.
  Holds are long enough that the billing reaper only releases a batch whose
  workers and beat died for days; that case is logged, never charged twice.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from billing.charging import charge_commit, charge_refund_units, charge_reserve
from billing.models import ModuleCost
from billing.quotas import quota_lock
from nexusone.errors import Conflict, InsufficientCredits, ValidationFailed
from whatsapp.models import Broadcast, Message, SendBatch

logger = logging.getLogger(__name__)

MODULE = "whatsapp_bot"
FINAL_STATUSES = (Message.Status.DELIVERED, Message.Status.READ, Message.Status.FAILED, Message.Status.CANCELLED)


def unit_cost() -> int:
    """Credits per message, read from the database (staff may edit it)."""
    cost = ModuleCost.objects.filter(module=MODULE, is_active=True).values_list("credits", flat=True).first()
    if cost is None:
        from billing.services import plans_ensure_defaults

        plans_ensure_defaults()
        cost = ModuleCost.objects.filter(module=MODULE, is_active=True).values_list("credits", flat=True).first()
    if cost is None:
        raise ValidationFailed(details={"module": ["WhatsApp messaging is not available."]})
    return int(cost)


def balance(*, workspace) -> int:
    from billing.selectors import billing_account_get

    return billing_account_get(workspace=workspace).balance


def hold_seconds(*, start_at=None) -> int:
    """How long a reservation may stay open: until the send starts, plus the
    settle window, plus a day of margin for a backlog."""
    delay = 0
    if start_at is not None:
        delay = max(0, int((start_at - timezone.now()).total_seconds()))
    return delay + int(settings.WHATSAPP_CHARGE_SETTLE_HOURS * 3600) + 24 * 3600


def reserve_batches(*, workspace, user, batches: list[SendBatch], key_base: str, start_at=None) -> int:
    """Inside the caller's transaction: lock the billing account, check the
    balance for every batch together, and reserve one charge per batch.
    Raises InsufficientCredits (402) for the whole amount; returns credits held."""
    cost = unit_cost()
    needed = cost * sum(batch.size for batch in batches)
    if not needed:
        return 0
    account = quota_lock(workspace=workspace)  # SELECT … FOR UPDATE on the billing account
    if account.balance < needed:
        raise InsufficientCredits(needed=needed, available=account.balance)
    hold = hold_seconds(start_at=start_at)
    for batch in batches:
        if not batch.size:
            continue
        batch.charge_key = f"{key_base}:b{batch.index}"
        batch.charge_id = charge_reserve(
            workspace=workspace,
            user=user,
            module=MODULE,
            quantity=batch.size,
            action="message",
            idempotency_key=f"{batch.charge_key}:v0",
            reference=key_base,
            hold_seconds=hold,
        )
        batch.charged_quantity = batch.size
        batch.charge_state = SendBatch.ChargeState.RESERVED
    SendBatch.objects.bulk_update(
        [batch for batch in batches if batch.size], ["charge_key", "charge_id", "charged_quantity", "charge_state"]
    )
    return needed


def batch_reprice(*, batch_id: int) -> int:
    """Refund every failed or cancelled message of the batch whose refund is
    due. Returns how many messages were refunded now (0 if none)."""
    from billing.models import Charge

    with transaction.atomic():
        batch = SendBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None:
            return 0
        due_ids = list(
            Message.objects.filter(batch_id=batch.pk, refund_state=Message.RefundState.DUE).values_list("pk", flat=True)
        )
        if not due_ids:
            return 0
        if batch.charge_state != SendBatch.ChargeState.RESERVED or batch.charge_id is None:
            # Committed (settle window passed) or released by the reaper: nothing to give back.
            Message.objects.filter(pk__in=due_ids).update(refund_state=Message.RefundState.NOT_REFUNDABLE)
            return 0
        charge = Charge.objects.filter(pk=batch.charge_id).values("credits", "quantity", "status").first()
        if charge is None or charge["status"] != Charge.Status.RESERVED:
            logger.warning("whatsapp batch %s: charge %s is no longer reserved", batch.pk, batch.charge_id)
            batch.charge_state = SendBatch.ChargeState.REFUNDED if charge else SendBatch.ChargeState.NONE
            batch.save(update_fields=["charge_state", "updated_at"])
            Message.objects.filter(pk__in=due_ids).update(refund_state=Message.RefundState.NOT_REFUNDABLE)
            return 0
        refund_now = min(len(due_ids), batch.charged_quantity)
        credits = charge_refund_units(
            batch.charge_id,
            quantity=refund_now,
            key=f"r{batch.charge_version + 1}",
            reason="whatsapp_messages_failed",
        )
        remaining = batch.charged_quantity - refund_now
        Message.objects.filter(pk__in=due_ids).update(refund_state=Message.RefundState.REFUNDED)
        SendBatch.objects.filter(pk=batch.pk).update(
            charged_quantity=remaining,
            charge_version=F("charge_version") + 1,
            charge_state=SendBatch.ChargeState.RESERVED if remaining else SendBatch.ChargeState.REFUNDED,
            refunded_count=F("refunded_count") + refund_now,
            updated_at=timezone.now(),
        )
        if batch.broadcast_id:
            Broadcast.objects.filter(pk=batch.broadcast_id).update(credits_refunded=F("credits_refunded") + credits)
    return refund_now


def batch_settle(*, batch_id: int, now=None) -> str:
    """Refund what is due, then commit the batch's charge when nothing in it
    can still fail (or its settle window passed). Returns the charge state."""
    batch_reprice(batch_id=batch_id)
    now = now or timezone.now()
    batch = SendBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.charge_state != SendBatch.ChargeState.RESERVED:
        return batch.charge_state if batch else SendBatch.ChargeState.NONE
    pending = (
        Message.objects.filter(batch_id=batch.pk).exclude(status__in=FINAL_STATUSES).exists()
        or Message.objects.filter(batch_id=batch.pk, refund_state=Message.RefundState.DUE).exists()
    )
    window_passed = batch.settle_after is not None and batch.settle_after <= now
    if pending and not window_passed:
        return batch.charge_state
    if pending:
        batch_reprice(batch_id=batch_id)
        batch.refresh_from_db()
        if batch.charge_state != SendBatch.ChargeState.RESERVED:
            return batch.charge_state
    try:
        charge_commit(batch.charge_id)
        state = SendBatch.ChargeState.COMMITTED
    except Conflict:  # released by the billing reaper long ago
        logger.warning(
            "whatsapp batch %s: charge %s was refunded before it could be committed", batch.pk, batch.charge_id
        )
        state = SendBatch.ChargeState.REFUNDED
    SendBatch.objects.filter(pk=batch.pk, charge_state=SendBatch.ChargeState.RESERVED).update(
        charge_state=state, updated_at=now
    )
    # Failures that arrive later are recorded but no longer refundable.
    return state


def settle_window() -> timedelta:
    return timedelta(hours=settings.WHATSAPP_CHARGE_SETTLE_HOURS)


def credits_needed(count: int) -> int:
    return unit_cost() * max(0, count)


def batches_for(total: int) -> int:
    return math.ceil(total / max(1, settings.WHATSAPP_BATCH_SIZE)) if total else 0
