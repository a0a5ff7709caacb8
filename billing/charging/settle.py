"""Settling reservations: commit, full refund, partial refund and the reaper
of stale holds (see the contract in `billing.charging`).

Each runs in one transaction holding the charge row (and, when credits move,
the account row, like every balance change) so concurrent settlements of one
charge serialise: a unit is refunded at most once, and a charge ends either
committed or refunded.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, timedelta
from functools import cache

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import UsageEvent
from billing import services
from billing.charging.reserve import _execute_prepared
from billing.models import BillingAccount, Charge, LedgerEntry
from nexusone.errors import Conflict, NotFound, ValidationFailed

logger = logging.getLogger(__name__)

# --- commit ----------------------------------------------------------------------


@cache
def _commit_sql() -> str:
    charge, usage = Charge._meta.db_table, UsageEvent._meta.db_table
    # The usage event records the credits kept: the charge minus its partial refunds.
    return f"""
WITH c AS (
    UPDATE {charge} SET status = 'committed', finished_at = %(now)s, updated_at = %(now)s,
        metadata = metadata || %(meta)s::jsonb
    WHERE id = %(id)s::uuid AND status = 'reserved'
    RETURNING id, workspace_id, user_id, module, action, credits - refunded_credits AS kept, metadata, created_at
)
INSERT INTO {usage} (
    workspace_id, created_at, updated_at, user_id, module, action, credits, success, processing_ms, metadata, charge_id)
SELECT workspace_id, %(now)s, %(now)s, user_id, module, action, kept, TRUE,
    COALESCE(%(ms)s::int, GREATEST(0, EXTRACT(EPOCH FROM (%(now)s - created_at)) * 1000)::int), metadata, id
FROM c
RETURNING id
"""  # noqa: S608


def _charge_uuid(charge_id) -> uuid.UUID:
    try:
        return charge_id if isinstance(charge_id, uuid.UUID) else uuid.UUID(str(charge_id))
    except ValueError:
        raise NotFound(_("Charge not found.")) from None


def _finished_status(charge_id) -> str:
    status = Charge.unscoped.filter(pk=charge_id).values_list("status", flat=True).first()
    if status is None:
        raise NotFound(_("Charge not found."))
    return status


def charge_commit(charge_id, *, processing_ms: int | None = None, metadata: dict | None = None) -> bool:
    """Mark a reserved charge done and record its usage event. Returns False
    if it was already committed; raises Conflict if it was refunded."""
    charge_id = _charge_uuid(charge_id)
    now = timezone.now()
    if connection.vendor == "postgresql":
        params = {
            "id": str(charge_id),
            "now": now,
            "ms": processing_ms,
            "meta": json.dumps(metadata or {}, default=str),
        }
        committed = _execute_prepared(_commit_sql(), params) is not None
    else:
        with transaction.atomic():
            charge = Charge.unscoped.select_for_update().filter(pk=charge_id, status=Charge.Status.RESERVED).first()
            committed = charge is not None
            if committed:
                charge.status, charge.finished_at = Charge.Status.COMMITTED, now
                charge.metadata = {**charge.metadata, **(metadata or {})}
                charge.save(update_fields=["status", "finished_at", "metadata", "updated_at"])
                _usage_event(charge, success=True, now=now, processing_ms=processing_ms)
    if committed:
        return True
    if _finished_status(charge_id) == Charge.Status.REFUNDED:
        raise Conflict(_("This charge was already refunded."), code="charge_refunded")
    return False


# --- refunds ---------------------------------------------------------------------


def _refunded_split(charge: Charge) -> tuple[int, int]:
    """(plan, purchased) credits already returned by partial refunds: they
    return purchased credits first, the ones the debit took last."""
    purchased = min(charge.purchased_part, charge.refunded_credits)
    return charge.refunded_credits - purchased, purchased


def _give_back_today(account: BillingAccount, charge: Charge, credits: int) -> None:
    """A refunded credit no longer counts against the day it was charged on
    (the daily cap): refunds are never capped, they only ever lower the count."""
    if account.spent_day == charge.created_at.astimezone(UTC).date():
        BillingAccount.unscoped.filter(pk=account.pk).update(spent_today=max(0, account.spent_today - credits))


def charge_refund(
    charge_id, reason: str = "", *, processing_ms: int | None = None, metadata: dict | None = None
) -> bool:
    """Give back what a reserved charge still holds (a `refund` entry
    reversing the debit) and record a failed usage event. Returns False if it
    was already refunded; raises Conflict if it was committed."""
    charge_id = _charge_uuid(charge_id)
    now = timezone.now()
    with transaction.atomic():
        charge = Charge.unscoped.select_for_update().filter(pk=charge_id).first()
        if charge is None:
            raise NotFound(_("Charge not found."))
        if charge.status == Charge.Status.REFUNDED:
            return False
        if charge.status == Charge.Status.COMMITTED:
            raise Conflict(_("A completed charge cannot be refunded."), code="charge_committed")
        account = services._lock_account(workspace_id=charge.workspace_id)
        refunded_plan, refunded_purchased = _refunded_split(charge)
        held = charge.credits - charge.refunded_credits
        _give_back_today(account, charge, held)
        services._ledger_write(
            account,
            kind=LedgerEntry.Kind.REFUND,
            key=f"refund:{charge.idempotency_key}",
            plan_delta=charge.plan_part - refunded_plan,
            purchased_delta=charge.purchased_part - refunded_purchased,
            user_id=charge.user_id,
            module=charge.module,
            reference=charge.reference,
            metadata={"reason": reason[:255], "charge": str(charge.pk)},
            reverses_id=charge.debit_id,
        )
        charge.status, charge.finished_at, charge.refund_reason = Charge.Status.REFUNDED, now, reason[:255]
        charge.metadata = {**charge.metadata, **(metadata or {}), "error": reason[:255]}
        charge.save(update_fields=["status", "finished_at", "refund_reason", "metadata", "updated_at"])
        _usage_event(charge, success=False, now=now, processing_ms=processing_ms, credits=held)
    return True


def charge_refund_units(charge_id, *, quantity: int, key: str, reason: str = "", metadata: dict | None = None) -> int:
    """Return `quantity` units of a reserved charge; idempotent per `key`.

    Returns the credits given back now: 0 when this key was already used (or
    nothing is left to return). Never returns more units than the charge
    still holds; returning the last one makes the charge `refunded`. Raises
    Conflict (`charge_committed`) for a committed charge and ValidationFailed
    for a quantity below 1 or an empty key."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationFailed(details={"quantity": [_("Must be a whole number of at least 1.")]})
    key = (key or "").strip()
    if not key:
        raise ValidationFailed(details={"key": [_("This field is required.")]})
    charge_id = _charge_uuid(charge_id)
    now = timezone.now()
    with transaction.atomic():
        charge = Charge.unscoped.select_for_update().filter(pk=charge_id).first()
        if charge is None:
            raise NotFound(_("Charge not found."))
        if charge.status == Charge.Status.COMMITTED:
            raise Conflict(_("A completed charge cannot be refunded."), code="charge_committed")
        ledger_key = f"refund:{charge.idempotency_key}:{key}"[:255]
        if charge.status == Charge.Status.REFUNDED or services._ledger_has(
            workspace_id=charge.workspace_id, key=ledger_key
        ):
            return 0
        units = min(quantity, charge.quantity - charge.refunded_quantity)
        if units <= 0:
            return 0
        # The charge's own unit price: a later change of the module's cost does not matter.
        unit_price = charge.credits // charge.quantity if charge.quantity else 0
        credits = unit_price * units
        if charge.refunded_quantity + units == charge.quantity:
            credits = charge.credits - charge.refunded_credits  # the last unit takes any remainder
        account = services._lock_account(workspace_id=charge.workspace_id)
        _refunded_plan, refunded_purchased = _refunded_split(charge)
        purchased = min(credits, charge.purchased_part - refunded_purchased)
        plan = credits - purchased
        _give_back_today(account, charge, credits)
        if credits:
            services._ledger_write(
                account,
                kind=LedgerEntry.Kind.REFUND,
                key=ledger_key,
                plan_delta=plan,
                purchased_delta=purchased,
                user_id=charge.user_id,
                module=charge.module,
                reference=charge.reference,
                metadata={"reason": reason[:255], "charge": str(charge.pk), "units": units, "unit_key": key[:100]},
            )
        charge.refunded_quantity += units
        charge.refunded_credits += credits
        fields = ["refunded_quantity", "refunded_credits", "updated_at"]
        if charge.refunded_quantity == charge.quantity:
            charge.status, charge.finished_at, charge.refund_reason = Charge.Status.REFUNDED, now, reason[:255]
            charge.metadata = {**charge.metadata, **(metadata or {}), "error": reason[:255]}
            fields += ["status", "finished_at", "refund_reason", "metadata"]
            _usage_event(charge, success=False, now=now, processing_ms=None, credits=charge.credits)
        charge.save(update_fields=fields)
    return credits


def _usage_event(
    charge: Charge, *, success: bool, now, processing_ms: int | None, credits: int | None = None
) -> UsageEvent:
    if processing_ms is None:
        processing_ms = max(0, int((now - charge.created_at).total_seconds() * 1000))
    if credits is None:
        credits = charge.credits - charge.refunded_credits
    return UsageEvent.unscoped.create(
        workspace_id=charge.workspace_id,
        user_id=charge.user_id,
        module=charge.module,
        action=charge.action,
        credits=credits,
        success=success,
        processing_ms=processing_ms,
        metadata=charge.metadata,
        charge_id=charge.pk,
    )


# --- the reaper ------------------------------------------------------------------

STALE_WINDOW = timedelta(days=2)


def charges_release_stale(*, now=None, limit: int = 500, window: timedelta = STALE_WINDOW) -> int:
    """Refund reservations whose hold expired (their worker died).

    Looks at deadlines in the last `window` (the beat runs every few minutes;
    the window only bounds the index range scanned)."""
    now = now or timezone.now()
    stale = Charge.unscoped.filter(
        status=Charge.Status.RESERVED, reserved_until__lte=now, reserved_until__gt=now - window
    ).values_list("pk", flat=True)
    released = 0
    for charge_id in list(stale[:limit]):
        try:
            released += charge_refund(charge_id, reason="hold_expired")
        except Conflict:
            continue  # committed meanwhile
    if released:
        logger.info("Released %d stale charge(s).", released)
    return released
