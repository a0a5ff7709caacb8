"""The charge door — the only code that debits credits.

Every action that costs credits goes through here, from views and Celery
tasks alike. Nothing else changes balances except the grant, purchase,
adjustment and expiry services in `billing.services`.

In a view (synchronous work)::

    with charge(workspace=ws, user=user, module="content", idempotency_key=f"content:{key}") as handle:
        result = provider.generate(...)          # raises → refund, re-raised
        handle.metadata["tokens"] = result.tokens  # recorded on the usage event
    # normal exit → committed

From a task (asynchronous work; every call is idempotent)::

    charge_id = charge_reserve(workspace=ws, user=user, module="video_creator",
                               idempotency_key=f"video:{job.pk}", hold_seconds=3600)
    ...                                          # the job runs, possibly retried
    charge_commit(charge_id)                     # on success
    charge_refund(charge_id, reason="provider_failed")   # on final failure

Contract:
- **Reserve before the work.** The module's cost is read from `ModuleCost`
  at charge time and multiplied by `quantity`. The credits leave the balance
  — plan credits first, then purchased — and a `debit` ledger entry plus a
  `Charge` row (status `reserved`) are written, all in one atomic step. On
  PostgreSQL it is a single statement: the account row is locked
  (`FOR UPDATE`), the balance re-checked under the lock
  (`plan + purchased >= n`), updated, and the entries inserted; concurrent
  charges on one workspace serialise on that row and can never overdraw it.
  The CHECK constraints (`>= 0`) back this up.
- Not enough credits → `InsufficientCredits` (HTTP 402 `insufficient_credits`,
  `details.needed` / `details.available`); nothing is written. Over the plan's
  `daily_credit_cap` (a spend guard; UTC day, refunds give it back) →
  `QuotaExceeded` (403, `details.quota = "daily_credits"`). Unknown or
  inactive module → `ValidationFailed`. All of this is decided before the
  block runs, so a refused action never reaches its provider.
- **Idempotent by key.** A reservation with an `idempotency_key` already used
  in the workspace debits nothing and returns the existing charge
  (`charge_reserve` returns its id; the context manager continues a
  `reserved` one and raises `Conflict` (`charge_already_finished`) for a
  committed or refunded one, so finished work is never repeated). The same key
  for a different module → `Conflict` (`idempotency_key_reused`).
  Without a key every call is a new charge.
- **Commit** marks the charge `committed` and writes one successful usage
  event. **Refund** puts the credits back into the buckets they came from,
  writes a `refund` ledger entry reversing the debit (at most once: unique
  `reverses`) and one failed usage event. Both are idempotent; a committed
  charge cannot be refunded and a refunded one cannot be committed
  (`Conflict`).
- A charge still `reserved` after `hold_seconds` (default
  `BILLING_CHARGE_HOLD_SECONDS`) — its worker died — is refunded by the
  `charges_release_stale` beat task. Pass a hold longer than the job can run.
- On PostgreSQL the reserve and commit statements run as server-side prepared
  statements on Django's connection (planned once per connection): they do not
  pass through Django's cursor wrapper, so query-count assertions and
  DB-instrumentation wrappers do not see them, and a transaction-pooling proxy
  must support prepared statements (PgBouncer ≥ 1.21 with
  `max_prepared_statements`).
- Call the door outside `transaction.atomic()` blocks: the reservation must be
  committed before slow work starts. Inside a transaction it works, but the
  account row stays locked — serialising the workspace's charges — until that
  transaction ends, and a rollback undoes the reservation with everything else.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from functools import cache

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import UsageEvent
from billing import services
from billing.models import BillingAccount, Charge, LedgerEntry, ModuleCost, Plan
from nexusone.errors import ApplicationError, Conflict, InsufficientCredits, NotFound, QuotaExceeded, ValidationFailed
from notifications.hooks import credits_debited

logger = logging.getLogger(__name__)


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
    SELECT c.id, c.status, c.module, c.credits, c.plan_part, c.purchased_part
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
        purchased_part, idempotency_key, reference, metadata, debit_id, reserved_until, finished_at, refund_reason)
    SELECT %(id)s::uuid, %(ws)s, %(now)s, %(now)s, 'reserved', %(user)s::bigint, %(module)s, %(action)s,
        %(quantity)s::int, acc.n, acc.plan_part, acc.purchased_part, %(key)s, %(reference)s, %(meta)s::jsonb, led.id,
        %(until)s, NULL, ''
    FROM acc CROSS JOIN led
    RETURNING id
)
SELECT (SELECT n FROM cost), (SELECT old_plan + old_purchased FROM cur), (SELECT id FROM chg),
       (SELECT new_plan + new_purchased FROM acc), (SELECT plan_part FROM acc), (SELECT purchased_part FROM acc),
       (SELECT spent FROM cur), (SELECT cap FROM cur),
       e.id, e.status, e.module, e.credits, e.plan_part, e.purchased_part
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
            .values_list("id", "status", "module", "credits", "plan_part", "purchased_part")
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
    )
    return _Outcome(handle=handle)


def _existing_handle(workspace_id, charge_id, status, module, credits, plan_part, purchased_part) -> ChargeHandle:
    return ChargeHandle(
        id=charge_id if isinstance(charge_id, uuid.UUID) else uuid.UUID(str(charge_id)),
        workspace_id=workspace_id,
        module=module,
        credits=credits,
        plan_part=plan_part,
        purchased_part=purchased_part,
        status=status,
        replayed=True,
    )


def _reserve(
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
) -> uuid.UUID:
    """Reserve the credits for one action and return the charge id (the
    existing charge's id when `idempotency_key` was used before)."""
    return _reserve(
        workspace=workspace,
        module=module,
        user=user,
        quantity=quantity,
        action=action,
        idempotency_key=idempotency_key,
        reference=reference,
        metadata=metadata,
        hold_seconds=hold_seconds,
    ).id


# --- commit ----------------------------------------------------------------------


@cache
def _commit_sql() -> str:
    charge, usage = Charge._meta.db_table, UsageEvent._meta.db_table
    return f"""
WITH c AS (
    UPDATE {charge} SET status = 'committed', finished_at = %(now)s, updated_at = %(now)s,
        metadata = metadata || %(meta)s::jsonb
    WHERE id = %(id)s::uuid AND status = 'reserved'
    RETURNING id, workspace_id, user_id, module, action, credits, metadata, created_at
)
INSERT INTO {usage} (
    workspace_id, created_at, updated_at, user_id, module, action, credits, success, processing_ms, metadata, charge_id)
SELECT workspace_id, %(now)s, %(now)s, user_id, module, action, credits, TRUE,
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


# --- refund ----------------------------------------------------------------------


def charge_refund(
    charge_id, reason: str = "", *, processing_ms: int | None = None, metadata: dict | None = None
) -> bool:
    """Give a reserved charge's credits back (a `refund` entry reversing the
    debit) and record a failed usage event. Returns False if it was already
    refunded; raises Conflict if it was committed."""
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
        if account.spent_day == charge.created_at.astimezone(UTC).date():  # a refunded charge does not count today
            BillingAccount.unscoped.filter(pk=account.pk).update(
                spent_today=max(0, account.spent_today - charge.credits)
            )
        services._ledger_write(
            account,
            kind=LedgerEntry.Kind.REFUND,
            key=f"refund:{charge.idempotency_key}",
            plan_delta=charge.plan_part,
            purchased_delta=charge.purchased_part,
            user_id=charge.user_id,
            module=charge.module,
            reference=charge.reference,
            metadata={"reason": reason[:255], "charge": str(charge.pk)},
            reverses_id=charge.debit_id,
        )
        charge.status, charge.finished_at, charge.refund_reason = Charge.Status.REFUNDED, now, reason[:255]
        charge.metadata = {**charge.metadata, **(metadata or {}), "error": reason[:255]}
        charge.save(update_fields=["status", "finished_at", "refund_reason", "metadata", "updated_at"])
        _usage_event(charge, success=False, now=now, processing_ms=processing_ms)
    return True


def _usage_event(charge: Charge, *, success: bool, now, processing_ms: int | None) -> UsageEvent:
    if processing_ms is None:
        processing_ms = max(0, int((now - charge.created_at).total_seconds() * 1000))
    return UsageEvent.unscoped.create(
        workspace_id=charge.workspace_id,
        user_id=charge.user_id,
        module=charge.module,
        action=charge.action,
        credits=charge.credits,
        success=success,
        processing_ms=processing_ms,
        metadata=charge.metadata,
        charge_id=charge.pk,
    )


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
    return released


# --- the context manager ------------------------------------------------------------


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, ApplicationError):
        return exc.code
    return type(exc).__name__


@contextmanager
def charge(
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
) -> Iterator[ChargeHandle]:
    """Reserve, run the block, then commit — or refund and re-raise if the
    block raises. See the module docstring."""
    handle = _reserve(
        workspace=workspace,
        module=module,
        user=user,
        quantity=quantity,
        action=action,
        idempotency_key=idempotency_key,
        reference=reference,
        metadata=metadata,
        hold_seconds=hold_seconds,
    )
    if handle.replayed and handle.status != Charge.Status.RESERVED:
        raise Conflict(
            _("This action was already charged and finished."),
            code="charge_already_finished",
            details={"charge": str(handle.id), "status": handle.status},
        )
    started = time.perf_counter()
    try:
        yield handle
    except BaseException as exc:
        elapsed = int((time.perf_counter() - started) * 1000)
        try:
            charge_refund(handle.id, reason=_failure_reason(exc), processing_ms=elapsed, metadata=handle.metadata)
        except Exception:
            # The stale-charge reaper refunds it after its hold expires.
            logger.exception("Refund of charge %s failed; the reaper will release it.", handle.id)
        raise
    elapsed = int((time.perf_counter() - started) * 1000)
    charge_commit(handle.id, processing_ms=elapsed, metadata=handle.metadata)
