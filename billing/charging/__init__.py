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
    charge_refund_units(charge_id, quantity=2, key="scene-3-4")   # part of it failed
    charge_commit(charge_id)                     # on success: the rest is kept
    charge_refund(charge_id, reason="provider_failed")   # on final failure: the rest is returned

Contract:
- **Reserve before the work** (`reserve.py`). The module's cost is read from
  `ModuleCost` at charge time and multiplied by `quantity` (the charge's
  *units*). The credits leave the balance — plan credits first, then
  purchased — and a `debit` ledger entry plus a `Charge` row (status
  `reserved`) are written, all in one atomic step. On PostgreSQL it is a
  single statement: the account row is locked (`FOR UPDATE`), the balance
  re-checked under the lock (`plan + purchased >= n`), updated, and the
  entries inserted; concurrent charges on one workspace serialise on that
  row and can never overdraw it. The CHECK constraints (`>= 0`) back this up.
- Not enough credits → `InsufficientCredits` (HTTP 402 `insufficient_credits`,
  `details.needed` / `details.available`); nothing is written. Over the plan's
  `daily_credit_cap` (a spend guard; UTC day, refunds give it back) →
  `QuotaExceeded` (403, `details.quota = "daily_credits"`). Unknown or
  inactive module → `ValidationFailed`. All of this is decided before the
  block runs, so a refused action never reaches its provider. The cap only
  ever refuses *new* reservations: refunds, full or partial, are never capped.
- **Idempotent by key.** A reservation with an `idempotency_key` already used
  in the workspace debits nothing and returns the existing charge
  (`charge_reserve` returns its id). The context manager never runs its block
  twice for one key: a `committed` or `refunded` charge raises `Conflict`
  (`charge_already_finished`, 409); a charge still `reserved` — someone is
  doing the work right now — raises `Conflict` (`charge_in_progress`, 409)
  unless the caller passes the same `owner` the reservation was made with
  (a retried Celery task passing its task id continues its own work). The
  same key for a different module → `Conflict` (`idempotency_key_reused`).
  Without a key every call is a new charge.
- **Commit** (`settle.py`) marks the charge `committed` and writes one
  successful usage event for the credits kept. **Refund** puts the credits
  still held back into the buckets they came from, writes a `refund` ledger
  entry reversing the debit (at most once: unique `reverses`) and one failed
  usage event. Both are idempotent; a committed charge cannot be refunded and
  a refunded one cannot be committed (`Conflict`).
- **Partial refund**: `charge_refund_units(charge_id, quantity=N, key=…)`
  returns N units of a *reserved* charge (N × the charge's unit price, so a
  later change of the module's cost does not matter), purchased credits
  first (the debit took them last), as one `refund` ledger entry keyed by
  the charge and `key`: calling again with the same key returns nothing more
  (idempotent per unit key — name the units, e.g. message ids or
  "rows 501-1000"). It never returns more units than the charge holds; when
  every unit is returned the charge is `refunded`. A later commit keeps the
  rest, a later refund returns the rest.
- A charge still `reserved` after `hold_seconds` (default
  `BILLING_CHARGE_HOLD_SECONDS`) — its worker died — is refunded by the
  `charges_release_stale` beat task. Pass a hold longer than the job can run.
- On PostgreSQL the reserve and commit statements run as server-side prepared
  statements on Django's connection (planned once per connection): they do not
  pass through Django's cursor wrapper, so query-count assertions and
  DB-instrumentation wrappers do not see them, and a transaction-pooling proxy
  must support prepared statements (PgBouncer ≥ 1.21 with
  `max_prepared_statements`). Other databases (SQLite for `make run`) use the
  ORM path of the same steps; CI runs the money tests on both.
- Call the door outside `transaction.atomic()` blocks: the reservation must be
  committed before slow work starts. Inside a transaction it works, but the
  account row stays locked — serialising the workspace's charges — until that
  transaction ends, and a rollback undoes the reservation with everything else.
"""

from billing.charging.door import charge
from billing.charging.reserve import ChargeHandle, charge_reserve
from billing.charging.settle import (
    STALE_WINDOW,
    charge_commit,
    charge_refund,
    charge_refund_units,
    charges_release_stale,
)

__all__ = [
    "STALE_WINDOW",
    "ChargeHandle",
    "charge",
    "charge_commit",
    "charge_refund",
    "charge_refund_units",
    "charge_reserve",
    "charges_release_stale",
]
