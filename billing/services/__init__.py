"""Billing writes: the catalogue seed, billing accounts, and every ledger change
other than charges (grants, renewals, expiry, purchases, adjustments, plan
changes, subscription state).

Contract:
- Keyword-only, typed, `<entity>_<action>`. Functions that take `workspace`
  work without an active tenant scope (they are called from tasks and
  webhooks); they filter by that workspace explicitly.
- Every balance change runs in a transaction holding the account's row lock
  (`SELECT … FOR UPDATE`, the same lock the charge door's conditional update
  takes) and writes exactly one ledger entry with the plan/purchased deltas,
  through `_ledger_write`. Charges go through `billing.charging` only.
- Ledger idempotency keys make retried webhooks and tasks harmless: a key
  already in the ledger means "done", and the function returns without effect.
- Plan credits belong to `current_period_*`; they are expired (an `expiry`
  entry) when the next period's credits are granted or the plan is left.
  Purchased credits never expire.

Modules, along those seams: `catalogue` (plans, costs, packs), `ledger`
(the row lock, the one ledger writer, opening accounts), `periods` (monthly
renewal, lapse), `purchases` (purchases, adjustments, plan changes),
`subscriptions` (Stripe's subscription state and invoices) and `allowance`
(the free plan's credits, once per verified person). Everything is
re-exported here: callers keep importing `billing.services`.
"""

from billing.services.allowance import free_allowance_claim, free_workspace_check, person_key
from billing.services.catalogue import plan_default, plans_ensure_defaults
from billing.services.ledger import (
    RATE_LIMITS,
    _expire_plan_credits,
    _forget_rate_limit,
    _ledger_has,
    _ledger_write,
    _lock_account,
    _lock_or_open,
    _save,
    _start_period,
    add_months,
    billing_account_ensure,
    billing_account_open,
    billing_account_set_customer,
    plan_period_credits,
)
from billing.services.periods import (
    _downgrade_to_default,
    account_downgrade_if_lapsed,
    account_renew_if_due,
    billing_periods_tick,
)
from billing.services.purchases import credits_adjust, credits_purchase, plan_change
from billing.services.subscriptions import (
    ACTIVE_STATES,
    DELINQUENT_STATES,
    ENDED_STATES,
    SubscriptionState,
    _latest_invoice_period_start,
    invoice_grant_credits,
    subscription_apply,
)

__all__ = [
    "ACTIVE_STATES",
    "DELINQUENT_STATES",
    "ENDED_STATES",
    "RATE_LIMITS",
    "SubscriptionState",
    "_downgrade_to_default",
    "_expire_plan_credits",
    "_forget_rate_limit",
    "_latest_invoice_period_start",
    "_ledger_has",
    "_ledger_write",
    "_lock_account",
    "_lock_or_open",
    "_save",
    "_start_period",
    "account_downgrade_if_lapsed",
    "account_renew_if_due",
    "add_months",
    "billing_account_ensure",
    "billing_account_open",
    "billing_account_set_customer",
    "billing_periods_tick",
    "credits_adjust",
    "credits_purchase",
    "free_allowance_claim",
    "free_workspace_check",
    "invoice_grant_credits",
    "person_key",
    "plan_change",
    "plan_default",
    "plan_period_credits",
    "plans_ensure_defaults",
    "subscription_apply",
]
