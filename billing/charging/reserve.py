"""Reserving credits: the first step of the charge door (see `billing.charging`).

One atomic step per reservation — on PostgreSQL a single prepared statement,
elsewhere the same steps through the ORM — that checks the key, the balance
and the daily cap, debits the account and writes the `debit` ledger entry and
the `Charge` row.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import services
from billing.models import BillingAccount, Charge, LedgerEntry, ModuleCost, Plan
from nexusone.errors import Conflict, InsufficientCredits, QuotaExceeded, ValidationFailed
from notifications.hooks import credits_debited


@dataclass
class ChargeHandle:
    """A reservation. The block may add usage metadata (tokens, provider…)."""

    id: uuid.UUID
    workspace_id: int
    module: str
    credits: int
    plan_part: int
    purchased_part: int
    status: str
    replayed: bool = False
    owner: str = ""
    balance_after: int | None = None
    metadata: dict = field(default_factory=dict)


@dataclass
class _Outcome:
    handle: ChargeHandle | None = None
    needed: int | None = None
    available: int | None = None
    missing_account: bool = False
    unknown_module: bool = False
    spent: int | None = None  # set when the plan's daily cap refused the charge
    cap: int | None = None


# --- reserve ---------------------------------------------------------------------


@cache
def _reserve_sql() -> str:
    t = {
        "cost": ModuleCost._meta.db_table,
        "charge": Charge._meta.db_table,
        "account": BillingAccount._meta.db_table,
        "ledger": LedgerEntry._meta.db_table,
        "plan": Plan._meta.db_table,
    }
    # One round trip: the cost lookup, the idempotency check, the row lock,
    # the conditional debit and both inserts. `cur` locks the account row and
    # re-reads it after any concurrent writer commits (READ COMMITTED), so the
    # balance test and the split use the latest balance.
    # Table names come from model metadata, values are bound parameters.
    return f"""
WITH cost AS (
    SELECT mc.credits * %(quantity)s::int AS n FROM {t["cost"]} mc WHERE mc.module = %(module)s AND mc.is_active
),
existing AS (
    SELECT c.id, c.status, c.module, c.credits, c.plan_part, c.purchased_part, c.owner
    FROM {t["charge"]} c WHERE c.workspace_id = %(ws)s AND c.idempotency_key = %(key)s
),
cur AS (
    SELECT a.id, a.plan_credits AS old_plan, a.purchased_credits AS old_purchased, cost.n,
           CASE WHEN a.spent_day = %(today)s THEN a.spent_today ELSE 0 END AS spent, p.daily_credit_cap AS cap
    FROM {t["account"]} a JOIN {t["plan"]} p ON p.id = a.plan_id CROSS JOIN cost
    WHERE a.workspace_id = %(ws)s AND NOT EXISTS (SELECT 1 FROM existing)
    FOR UPDATE OF a
),
acc AS (
    UPDATE {t["account"]} a
    SET plan_credits = cur.old_plan - LEAST(cur.old_plan, cur.n),
        purchased_credits = cur.old_purchased - (cur.n - LEAST(cur.old_plan, cur.n)),
        spent_today = cur.spent + cur.n, spent_day = %(today)s, updated_at = %(now)s
    FROM cur
    WHERE a.id = cur.id AND cur.old_plan + cur.old_purchased >= cur.n
      AND (cur.cap IS NULL OR cur.spent + cur.n <= cur.cap)
    RETURNING a.plan_credits AS new_plan, a.purchased_credits AS new_purchased, cur.n,
              LEAST(cur.old_plan, cur.n) AS plan_part, cur.n - LEAST(cur.old_plan, cur.n) AS purchased_part
),
led AS (
    INSERT INTO {t["ledger"]} (
        workspace_id, created_at, updated_at, kind, user_id, module, amount, plan_amount, purchased_amount,
        balance_after, plan_balance_after, purchased_balance_after, reference, idempotency_key, reverses_id, metadata)
    SELECT %(ws)s, %(now)s, %(now)s, 'debit', %(user)s::bigint, %(module)s, -acc.n, -acc.plan_part, -acc.purchased_part,
        acc.new_plan + acc.new_purchased, acc.new_plan, acc.new_purchased, %(reference)s, %(ledger_key)s, NULL,
        %(ledger_meta)s::jsonb
    FROM acc
    RETURNING id
),
chg AS (
    INSERT INTO {t["charge"]} (
        id, workspace_id, created_at, updated_at, status, user_id, module, action, quantity, credits, plan_part,
        purchased_part, idempotency_key, reference, metadata, debit_id, reserved_until, finished_at, refund_reason,
        owner, refunded_quantity, refunded_credits)
    SELECT %(id)s::uuid, %(ws)s, %(now)s, %(now)s, 'reserved', %(user)s::bigint, %(module)s, %(action)s,
        %(quantity)s::int, acc.n, acc.plan_part, acc.purchased_part, %(key)s, %(reference)s, %(meta)s::jsonb, led.id,
        %(until)s, NULL, '', %(owner)s, 0, 0
    FROM acc CROSS JOIN led
    RETURNING id
)
SELECT (SELECT n FROM cost), (SELECT old_plan + old_purchased FROM cur), (SELECT id FROM chg),
       (SELECT new_plan + new_purchased FROM acc), (SELECT plan_part FROM acc), (SELECT purchased_part FROM acc),
       (SELECT spent FROM cur), (SELECT cap FROM cur),
       e.id, e.status, e.module, e.credits, e.plan_part, e.purchased_part, e.owner
FROM (SELECT 1) AS one LEFT JOIN existing e ON TRUE
"""  # noqa: S608


def _reserve_postgresql(params: dict, workspace_id: int, module: str) -> _Outcome:
    if connection.in_atomic_block:
        # A lost race on the key raises IntegrityError; the savepoint keeps the
        # caller's transaction usable. Outside a transaction the statement is atomic.
        with transaction.atomic():
            row = _execute_reserve(params)
    else:
        row = _execute_reserve(params)
    needed, available, charge_id, balance_after, plan_part, purchased_part, spent, cap = row[:8]
    existing = row[8:]
    if existing[0] is not None:
        return _Outcome(handle=_existing_handle(workspace_id, *existing))
    if needed is None:
        return _Outcome(unknown_module=True)
    if charge_id is not None:
        handle = ChargeHandle(
            id=charge_id if isinstance(charge_id, uuid.UUID) else uuid.UUID(str(charge_id)),
            workspace_id=workspace_id,
            module=module,
            credits=needed,
            plan_part=plan_part,
            purchased_part=purchased_part,
            status=Charge.Status.RESERVED,
            balance_after=balance_after,
            owner=params["owner"],
        )
        return _Outcome(handle=handle)
    if available is None:
        return _Outcome(missing_account=True, needed=needed)
    if available >= needed:  # enough credits: the daily cap refused it
        return _Outcome(needed=needed, available=available, spent=spent, cap=cap)
    return _Outcome(needed=needed, available=available)


def _execute_prepared(sql: str, params: dict) -> tuple | None:
    """Run one of the door's statements as a server-side prepared statement.

    Django's PostgreSQL cursors bind parameters client-side, so PostgreSQL
    would parse and plan these multi-CTE statements on every charge; a psycopg
    cursor with `prepare=True` on the same connection (same transaction state)
    plans each once per connection. Errors are translated to Django's."""
    connection.ensure_connection()
    raw = connection.connection
    # Django turns psycopg's statement preparation off (prepare_threshold=None);
    # enable it for this call only. Django's own cursors bind client-side and
    # are never prepared, so nothing else on the connection changes.
    previous, raw.prepare_threshold = raw.prepare_threshold, 0
    try:
        with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchone()
    finally:
        raw.prepare_threshold = previous


def _execute_reserve(params: dict) -> tuple:
    return _execute_prepared(_reserve_sql(), params)


def _reserve_portable(params: dict, workspace_id: int, module: str) -> _Outcome:
    """The same steps with the ORM (SQLite and other backends)."""
    with transaction.atomic():
        existing = (
            Charge.unscoped.filter(workspace_id=workspace_id, idempotency_key=params["key"])
            .values_list("id", "status", "module", "credits", "plan_part", "purchased_part", "owner")
            .first()
        )
        if existing is not None:
            return _Outcome(handle=_existing_handle(workspace_id, *existing))
        cost = ModuleCost.objects.filter(module=module, is_active=True).values_list("credits", flat=True).first()
        if cost is None:
            return _Outcome(unknown_module=True)
        needed = cost * params["quantity"]
        account = (
            BillingAccount.unscoped.select_for_update().select_related("plan").filter(workspace_id=workspace_id).first()
        )
        if account is None:
            return _Outcome(missing_account=True, needed=needed)
        if account.balance < needed:
            return _Outcome(needed=needed, available=account.balance)
        spent = account.spent_today if account.spent_day == params["today"] else 0
        cap = account.plan.daily_credit_cap
        if cap is not None and spent + needed > cap:
            return _Outcome(needed=needed, available=account.balance, spent=spent, cap=cap)
        BillingAccount.unscoped.filter(pk=account.pk).update(spent_today=spent + needed, spent_day=params["today"])
        plan_part = min(account.plan_credits, needed)
        entry = services._ledger_write(
            account,
            kind=LedgerEntry.Kind.DEBIT,
            key=params["ledger_key"],
            plan_delta=-plan_part,
            purchased_delta=-(needed - plan_part),
            user_id=params["user"],
            module=module,
            reference=params["reference"],
            metadata=json.loads(params["ledger_meta"]),
        )
        Charge.unscoped.create(
            id=params["id"],
            workspace_id=workspace_id,
            user_id=params["user"],
            module=module,
            action=params["action"],
            quantity=params["quantity"],
            credits=needed,
            plan_part=plan_part,
            purchased_part=needed - plan_part,
            idempotency_key=params["key"],
            reference=params["reference"],
            metadata=json.loads(params["meta"]),
            debit=entry,
            reserved_until=params["until"],
            owner=params["owner"],
        )
    handle = ChargeHandle(
        id=uuid.UUID(params["id"]),
        workspace_id=workspace_id,
        module=module,
        credits=needed,
        plan_part=plan_part,
        purchased_part=needed - plan_part,
        status=Charge.Status.RESERVED,
        balance_after=entry.balance_after,
        owner=params["owner"],
    )
    return _Outcome(handle=handle)


def _existing_handle(
    workspace_id, charge_id, status, module, credits, plan_part, purchased_part, owner
) -> ChargeHandle:
    return ChargeHandle(
        id=charge_id if isinstance(charge_id, uuid.UUID) else uuid.UUID(str(charge_id)),
        workspace_id=workspace_id,
        module=module,
        credits=credits,
        plan_part=plan_part,
        purchased_part=purchased_part,
        status=status,
        replayed=True,
        owner=owner or "",
    )


def reserve(
    *,
    workspace,
    module: str,
    user=None,
    quantity: int = 1,
    action: str = "",
    idempotency_key: str | None = None,
    reference: str = "",
    metadata: dict | None = None,
    hold_seconds: int | None = None,
    owner: str = "",
) -> ChargeHandle:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationFailed(details={"quantity": [_("Must be a whole number of at least 1.")]})
    key = (idempotency_key or uuid.uuid4().hex)[:200]
    now = timezone.now()
    hold = hold_seconds if hold_seconds is not None else settings.BILLING_CHARGE_HOLD_SECONDS
    params = {
        "id": str(uuid.uuid4()),
        "ws": workspace.pk,
        "user": getattr(user, "pk", None),
        "module": module,
        "action": action[:50],
        "quantity": quantity,
        "key": key,
        "ledger_key": f"charge:{key}",
        "reference": reference[:255],
        "meta": json.dumps(metadata or {}, default=str),
        "ledger_meta": json.dumps({"action": action, "quantity": quantity} if action or quantity > 1 else {}),
        "now": now,
        "today": now.date(),  # UTC: the daily cap's day
        "until": now + timedelta(seconds=hold),
        "owner": (owner or "")[:100],
    }
    reserve = _reserve_postgresql if connection.vendor == "postgresql" else _reserve_portable
    for _attempt in range(3):
        try:
            outcome = reserve(params, workspace.pk, module)
        except IntegrityError:
            # A concurrent reservation with the same key won the unique index;
            # the next round finds it as `existing`.
            continue
        if outcome.missing_account:
            services.billing_account_ensure(workspace=workspace)
            continue
        break
    else:  # pragma: no cover - three lost races in a row
        raise Conflict(_("The charge could not be reserved. Try again."), code="charge_contention")

    if outcome.unknown_module:
        raise ValidationFailed(details={"module": [_("Unknown or inactive module: %(module)s.") % {"module": module}]})
    if outcome.handle is None and outcome.cap is not None:
        raise QuotaExceeded(
            _("Your plan allows %(cap)d credits per day; %(spent)d were used today.")
            % {"cap": outcome.cap, "spent": outcome.spent},
            details={"quota": "daily_credits", "limit": outcome.cap, "used": outcome.spent, "needed": outcome.needed},
        )
    if outcome.handle is None:
        raise InsufficientCredits(needed=outcome.needed, available=outcome.available)
    handle = outcome.handle
    if handle.replayed and (handle.module != module):
        raise Conflict(
            _("This idempotency key was already used for another charge."),
            code="idempotency_key_reused",
            details={"charge": str(handle.id)},
        )
    if not handle.replayed:  # low balance → one notification per period (no query while the balance is high)
        credits_debited(workspace_id=workspace.pk, balance_after=handle.balance_after)
    return handle


def charge_reserve(
    *,
    workspace,
    module: str,
    user=None,
    quantity: int = 1,
    action: str = "",
    idempotency_key: str | None = None,
    reference: str = "",
    metadata: dict | None = None,
    hold_seconds: int | None = None,
    owner: str = "",
) -> uuid.UUID:
    """Reserve the credits for one action and return the charge id (the
    existing charge's id when `idempotency_key` was used before)."""
    return reserve(
        workspace=workspace,
        module=module,
        user=user,
        quantity=quantity,
        action=action,
        idempotency_key=idempotency_key,
        reference=reference,
        metadata=metadata,
        hold_seconds=hold_seconds,
        owner=owner,
    ).id
