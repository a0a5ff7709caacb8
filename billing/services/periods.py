"""Monthly periods of accounts Stripe does not renew, and the fall back to the
default plan when a past_due account's grace period ends."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from billing.models import BillingAccount
from billing.services.catalogue import plan_default
from billing.services.ledger import _forget_rate_limit, _lock_account, _save, _start_period, add_months
from nexusone.audit import audit_record


def account_renew_if_due(*, account_id: int, now: datetime | None = None) -> bool:
    """Start the next monthly period of an account not renewed by Stripe invoices
    (the default plan, or a plan staff assigned by hand): expire the ended
    period's plan credits and grant the plan's monthly credits once."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _lock_account(pk=account_id)
        managed_by_stripe = bool(account.stripe_subscription_id) and not account.plan.is_default
        if managed_by_stripe or account.current_period_end > now:
            return False
        start, end = account.current_period_end, add_months(account.current_period_end, 1)
        while end <= now:  # skip whole periods the workspace was not renewed in (beat was down)
            start, end = end, add_months(end, 1)
        _start_period(
            account, plan=account.plan, start=start, end=end, key=f"renew:{account.workspace_id}:{start:%Y-%m-%dT%H:%M}"
        )
        _save(account, "plan", "current_period_start", "current_period_end")
    return True


def _downgrade_to_default(account: BillingAccount, *, now: datetime, key: str, reason: str) -> None:
    """Leave the paid plan: its credits expire; the default plan's period starts now."""
    old_plan = account.plan
    _start_period(account, plan=plan_default(), start=now, end=add_months(now, 1), key=key)
    account.status = BillingAccount.Status.CANCELED
    account.grace_period_end = None
    account.cancel_at_period_end = False
    _save(
        account,
        "plan",
        "status",
        "grace_period_end",
        "cancel_at_period_end",
        "current_period_start",
        "current_period_end",
    )
    _forget_rate_limit(account.workspace_id)
    audit_record(
        action="billing.plan.changed",
        workspace=account.workspace,
        target=account,
        metadata={"from": old_plan.key, "to": account.plan.key, "reason": reason},
    )


def account_downgrade_if_lapsed(*, account_id: int, now: datetime | None = None) -> bool:
    """A past_due account whose grace period ended falls back to the default plan."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _lock_account(pk=account_id)
        if account.status != BillingAccount.Status.PAST_DUE or not account.grace_period_end:
            return False
        if account.grace_period_end > now or account.plan.is_default:
            return False
        _downgrade_to_default(
            account, now=now, key=f"lapsed:{account.workspace_id}:{account.grace_period_end:%Y-%m-%dT%H:%M}",
            reason="grace_period_ended",
        )  # fmt: skip
    return True


def billing_periods_tick(*, now: datetime | None = None) -> dict[str, int]:
    """The beat job: renew due periods, then downgrade lapsed past_due accounts."""
    now = now or timezone.now()
    due = BillingAccount.unscoped.filter(current_period_end__lte=now).values_list("pk", flat=True)
    renewed = sum(account_renew_if_due(account_id=pk, now=now) for pk in list(due.iterator()))
    lapsed = BillingAccount.unscoped.filter(
        status=BillingAccount.Status.PAST_DUE, grace_period_end__lte=now
    ).values_list("pk", flat=True)
    downgraded = sum(account_downgrade_if_lapsed(account_id=pk, now=now) for pk in list(lapsed.iterator()))
    return {"renewed": renewed, "downgraded": downgraded}
