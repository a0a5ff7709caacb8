"""Stripe-driven state: the subscription as Stripe reports it, and the credits
a paid invoice grants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.models import BillingAccount, LedgerEntry, Plan
from billing.services.ledger import (
    _forget_rate_limit,
    _ledger_has,
    _ledger_write,
    _lock_or_open,
    _save,
    _start_period,
)
from billing.services.periods import _downgrade_to_default
from nexusone.audit import audit_record
from notifications import hooks as notification_hooks


@dataclass(frozen=True)
class SubscriptionState:
    """What the billing account needs from a Stripe subscription (parsed by
    `billing.stripe_gateway` from whichever API version Stripe used)."""

    id: str
    customer: str
    status: str
    plan: Plan | None
    period_start: datetime | None
    period_end: datetime | None
    cancel_at_period_end: bool
    observed_at: datetime


ACTIVE_STATES = ("active", "trialing")
DELINQUENT_STATES = ("past_due", "unpaid")
ENDED_STATES = ("canceled", "incomplete_expired")


def subscription_apply(*, workspace, state: SubscriptionState) -> str:
    """Make the account reflect Stripe's subscription state.

    Order-independent: callers pass the state freshly retrieved from Stripe,
    never an event's possibly stale copy, and a state fetched before the one
    already applied is ignored. Credits are not granted here (`invoice.paid`
    does that); leaving a paid plan expires its credits once."""
    now = timezone.now()
    with transaction.atomic():
        account = _lock_or_open(workspace=workspace)
        if account.stripe_synced_at and state.observed_at < account.stripe_synced_at:
            return "stale"
        tracked = account.stripe_subscription_id
        if tracked and tracked != state.id and (state.status not in ACTIVE_STATES + DELINQUENT_STATES):
            return "other_subscription"  # an old or abandoned subscription changed; ours did not
        account.stripe_synced_at = state.observed_at
        fields = ["stripe_synced_at"]
        old_plan = account.plan
        if state.status in ACTIVE_STATES + DELINQUENT_STATES:
            account.stripe_subscription_id = state.id
            account.stripe_subscription_status = state.status
            account.cancel_at_period_end = state.cancel_at_period_end
            fields += ["stripe_subscription_id", "stripe_subscription_status", "cancel_at_period_end"]
            if state.plan is not None and state.plan.pk != account.plan_id:
                account.plan = state.plan
                fields.append("plan")
            if state.status in ACTIVE_STATES:
                account.status, account.grace_period_end = BillingAccount.Status.ACTIVE, None
            else:
                if account.status != BillingAccount.Status.PAST_DUE:
                    grace_end = account.grace_period_end or now + timedelta(days=settings.BILLING_GRACE_PERIOD_DAYS)
                    notification_hooks.payment_failed(workspace=workspace, grace_period_end=grace_end)
                account.status = BillingAccount.Status.PAST_DUE
                grace = timedelta(days=settings.BILLING_GRACE_PERIOD_DAYS)
                account.grace_period_end = account.grace_period_end or now + grace
            fields += ["status", "grace_period_end"]
            _save(account, *fields)
            outcome = f"subscription {state.status}"
        elif state.status in ENDED_STATES:
            account.stripe_subscription_id = state.id
            account.stripe_subscription_status = state.status
            account.status, account.grace_period_end = BillingAccount.Status.CANCELED, None
            _save(
                account, *fields, "stripe_subscription_id", "stripe_subscription_status", "status", "grace_period_end"
            )
            if not account.plan.is_default:
                _downgrade_to_default(account, now=now, key=f"ended:{state.id}", reason=f"subscription_{state.status}")
            outcome = f"subscription {state.status}"
        else:  # incomplete: the first payment is pending; nothing changes yet
            account.stripe_subscription_status = state.status
            _save(account, *fields, "stripe_subscription_status")
            outcome = f"subscription {state.status} (waiting)"
        if account.plan_id != old_plan.pk and state.status not in ENDED_STATES:
            _forget_rate_limit(workspace.pk)
            audit_record(
                action="billing.plan.changed",
                workspace=workspace,
                target=account,
                metadata={"from": old_plan.key, "to": account.plan.key, "reason": "stripe_subscription"},
            )
    return outcome


def _latest_invoice_period_start(*, workspace_id: int) -> datetime | None:
    """Start of the newest period an invoice granted credits for (kept, not superseded)."""
    entry = (
        LedgerEntry.unscoped.filter(
            workspace_id=workspace_id, kind=LedgerEntry.Kind.GRANT, idempotency_key__startswith="invoice:"
        )
        .exclude(metadata__superseded=True)
        .order_by("-created_at", "-id")
        .first()
    )
    start = (entry.metadata or {}).get("period_start") if entry else None
    return datetime.fromisoformat(start) if start else None


def invoice_grant_credits(
    *,
    workspace,
    invoice_id: str,
    plan: Plan,
    period_start: datetime,
    period_end: datetime,
    subscription: SubscriptionState | None,
) -> str:
    """Grant `plan`'s credits for a paid invoice — exactly once per invoice
    (ledger key `invoice:<id>`).

    A current invoice starts the period: the previous plan credits expire and
    the new ones are granted. An invoice that arrives after its subscription
    ended or after a newer period started (out-of-order delivery) is still
    recorded once, and its credits expire at once: the ledger shows the grant
    and the final balance does not depend on delivery order."""
    key = f"invoice:{invoice_id}"
    now = timezone.now()
    with transaction.atomic():
        account = _lock_or_open(workspace=workspace)
        if _ledger_has(workspace_id=workspace.pk, key=key):
            return "duplicate"
        ended = subscription is not None and subscription.status in ENDED_STATES
        other = subscription is not None and account.stripe_subscription_id not in ("", subscription.id)
        latest = _latest_invoice_period_start(workspace_id=workspace.pk)
        superseded = period_end <= now or (latest is not None and period_start < latest)
        if ended or other or superseded:
            _ledger_write(
                account, kind=LedgerEntry.Kind.GRANT, key=key, plan_delta=plan.monthly_credits, reference=invoice_id,
                metadata={"plan": plan.key, "period_start": period_start.isoformat(), "superseded": True},
            )  # fmt: skip
            _ledger_write(
                account, kind=LedgerEntry.Kind.EXPIRY, key=f"expiry:{key}", plan_delta=-plan.monthly_credits,
                reference=invoice_id, metadata={"reason": "superseded"},
            )  # fmt: skip
            return "granted and expired (superseded)"
        _start_period(account, plan=plan, start=period_start, end=period_end, key=key, reference=invoice_id)
        _save(account, "plan", "current_period_start", "current_period_end")
        _forget_rate_limit(workspace.pk)
    return f"granted {plan.monthly_credits}"
