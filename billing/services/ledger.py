"""Ledger primitives and billing accounts: the row lock, the one ledger writer,
periods' grant and expiry, and opening an account."""

from __future__ import annotations

import calendar
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import BillingAccount, LedgerEntry, Plan
from billing.services.catalogue import plan_default
from nexusone.errors import ValidationFailed
from nexusone.localcache import LocalTTLCache

# Each plan's API rate and features per workspace, read on every API request: kept in
# process (no round trip), dropped here on a plan change, at most this stale elsewhere.
RATE_LIMITS = LocalTTLCache(ttl=10)


def add_months(moment: datetime, months: int = 1) -> datetime:
    """`moment` plus calendar months, clamping the day (Jan 31 + 1 → Feb 28/29)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- ledger primitives ------------------------------------------------------------


def _lock_account(*, workspace_id: int | None = None, pk: int | None = None) -> BillingAccount:
    lookup = {"workspace_id": workspace_id} if workspace_id is not None else {"pk": pk}
    return BillingAccount.unscoped.select_for_update(of=("self",)).select_related("plan", "workspace").get(**lookup)


def _lock_or_open(*, workspace) -> BillingAccount:
    """Lock the workspace's account inside the caller's transaction, opening
    it first if the workspace has none yet."""
    try:
        return _lock_account(workspace_id=workspace.pk)
    except BillingAccount.DoesNotExist:
        billing_account_open(workspace=workspace)
        return _lock_account(workspace_id=workspace.pk)


def _ledger_has(*, workspace_id: int, key: str) -> bool:
    return LedgerEntry.unscoped.filter(workspace_id=workspace_id, idempotency_key=key).exists()


def _ledger_write(
    account: BillingAccount,
    *,
    kind: str,
    key: str,
    plan_delta: int = 0,
    purchased_delta: int = 0,
    user=None,
    user_id: int | None = None,
    module: str = "",
    reference: str = "",
    metadata: dict | None = None,
    reverses_id: int | None = None,
) -> LedgerEntry:
    """Apply the deltas to `account` (locked by the caller, inside its
    transaction) and append the matching ledger entry."""
    new_plan = account.plan_credits + plan_delta
    new_purchased = account.purchased_credits + purchased_delta
    if new_plan < 0 or new_purchased < 0:
        raise ValidationFailed(
            _("Credits cannot go below zero."),
            details={"amount": [_("Only %(n)d credits are available.") % {"n": account.balance}]},
        )
    BillingAccount.unscoped.filter(pk=account.pk).update(
        plan_credits=new_plan, purchased_credits=new_purchased, updated_at=timezone.now()
    )
    account.plan_credits, account.purchased_credits = new_plan, new_purchased
    return LedgerEntry.unscoped.create(
        workspace_id=account.workspace_id,
        kind=kind,
        user_id=user.pk if user is not None else user_id,
        module=module,
        amount=plan_delta + purchased_delta,
        plan_amount=plan_delta,
        purchased_amount=purchased_delta,
        balance_after=new_plan + new_purchased,
        plan_balance_after=new_plan,
        purchased_balance_after=new_purchased,
        reference=reference[:255],
        idempotency_key=key[:255],
        reverses_id=reverses_id,
        metadata=metadata or {},
    )


def _expire_plan_credits(account: BillingAccount, *, key: str, reference: str = "") -> None:
    if account.plan_credits > 0:
        _ledger_write(
            account,
            kind=LedgerEntry.Kind.EXPIRY,
            key=f"expiry:{key}",
            plan_delta=-account.plan_credits,
            reference=reference,
            metadata={"period_end": account.current_period_end.isoformat()},
        )


def plan_period_credits(account: BillingAccount, plan: Plan) -> int:
    """The credits a period of `plan` grants `account`: a paid plan's always;
    the free plan's only to the workspace holding its owner's free allowance
    (`billing.services.allowance`), so more workspaces never mean more credits."""
    if plan.is_default and not account.free_allowance:
        return 0
    return plan.monthly_credits


def _start_period(
    account: BillingAccount, *, plan: Plan, start: datetime, end: datetime, key: str, reference: str = ""
) -> None:
    """Expire the old period's plan credits and grant `plan`'s for [start, end)
    (none for a free plan period of an account without the free allowance)."""
    _expire_plan_credits(account, key=key, reference=reference)
    credits = plan_period_credits(account, plan)
    if credits:
        _ledger_write(
            account,
            kind=LedgerEntry.Kind.GRANT,
            key=key,
            plan_delta=credits,
            reference=reference,
            metadata={"plan": plan.key, "period_start": start.isoformat(), "period_end": end.isoformat()},
        )
    account.plan, account.current_period_start, account.current_period_end = plan, start, end


def _forget_rate_limit(workspace_id: int) -> None:
    transaction.on_commit(lambda: RATE_LIMITS.delete(workspace_id))


def _save(account: BillingAccount, *fields: str) -> None:
    account.save(update_fields=[*fields, "updated_at"])


# --- accounts ------------------------------------------------------------------------


def billing_account_open(*, workspace, free_allowance: bool = True, now: datetime | None = None) -> BillingAccount:
    """Open `workspace`'s account on the default plan with its first monthly
    grant. Idempotent: an existing account is returned unchanged.

    `free_allowance=False` (every workspace created from now on, see
    `billing.apps`) opens it without the free plan's credits: they come with
    the owner's verified e-mail, once per person (`allowance.py`). Workspaces
    that predate the rule (and fixtures that bypass `workspace_create`) are
    opened lazily with them, as before."""
    plan = plan_default()
    now = now or timezone.now()
    with transaction.atomic():
        account, created = BillingAccount.unscoped.select_related("plan").get_or_create(
            workspace=workspace,
            defaults={
                "plan": plan,
                "current_period_start": now,
                "current_period_end": add_months(now, 1),
                "free_allowance": free_allowance,
            },
        )
        credits = plan_period_credits(account, plan) if created else 0
        if credits:
            _ledger_write(
                account,
                kind=LedgerEntry.Kind.GRANT,
                key=f"open:{workspace.pk}",
                plan_delta=credits,
                metadata={"plan": plan.key, "period_start": now.isoformat()},
            )
    return account


def billing_account_ensure(*, workspace) -> BillingAccount:
    """The workspace's account, opened lazily for workspaces created before
    billing existed (or by fixtures that bypass `workspace_create`)."""
    account = BillingAccount.unscoped.select_related("plan").filter(workspace_id=workspace.pk).first()
    return account or billing_account_open(workspace=workspace)


def billing_account_set_customer(*, account: BillingAccount, customer_id: str) -> str:
    """Remember the Stripe customer; the first writer wins under races."""
    if account.stripe_customer_id:
        return account.stripe_customer_id
    BillingAccount.unscoped.filter(pk=account.pk, stripe_customer_id="").update(stripe_customer_id=customer_id)
    account.refresh_from_db(fields=["stripe_customer_id"])
    return account.stripe_customer_id
