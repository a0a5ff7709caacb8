"""Billing test helpers and TENANT_FACTORIES for the route walk."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Sum

from billing import services
from billing.models import BillingAccount, Charge, LedgerEntry, ModuleCost, Plan


def account(workspace, *, plan_credits: int | None = None, purchased_credits: int | None = None) -> BillingAccount:
    """The workspace's account with exactly these balances, reached through
    ledger adjustments so balance == Σ ledger still holds."""
    services.billing_account_ensure(workspace=workspace)
    with transaction.atomic():
        acct = services._lock_account(workspace_id=workspace.pk)
        plan_delta = 0 if plan_credits is None else plan_credits - acct.plan_credits
        purchased_delta = 0 if purchased_credits is None else purchased_credits - acct.purchased_credits
        if plan_delta or purchased_delta:
            services._ledger_write(
                acct,
                kind=LedgerEntry.Kind.ADJUSTMENT,
                key=f"test:{uuid.uuid4().hex}",
                plan_delta=plan_delta,
                purchased_delta=purchased_delta,
            )
    acct.refresh_from_db()
    return acct


def paid_features(workspace, key: str = "pro") -> BillingAccount:
    """Put `workspace` on a plan with the paid features (API keys, webhooks;
    SPEC: pro or premium) without touching its credits or writing an audit
    entry — what a fixture that makes keys or endpoints needs. No-op when
    the plan already has them."""
    from billing.defaults import PAID_FEATURES

    services.plans_ensure_defaults()
    acct = services.billing_account_ensure(workspace=workspace)
    if not set(PAID_FEATURES) <= set(acct.plan.features or []):
        BillingAccount.unscoped.filter(pk=acct.pk).update(plan=Plan.objects.get(key=key))
        services.RATE_LIMITS.delete(workspace.pk)
        acct.refresh_from_db()
    return acct


def cost(module: str, credits: int) -> ModuleCost:
    row, _ = ModuleCost.objects.update_or_create(module=module, defaults={"credits": credits, "label": module})
    return row


def plan(key: str) -> Plan:
    return Plan.objects.get(key=key)


def assert_ledger_matches(workspace) -> BillingAccount:
    """Σ ledger == balances (per bucket), and no entry ever saw a negative balance."""
    acct = BillingAccount.unscoped.get(workspace_id=workspace.pk)
    entries = LedgerEntry.unscoped.filter(workspace_id=workspace.pk)
    sums = entries.aggregate(total=Sum("amount"), plan=Sum("plan_amount"), purchased=Sum("purchased_amount"))
    assert (sums["total"] or 0) == acct.balance, (sums, acct.balance)
    assert (sums["plan"] or 0) == acct.plan_credits
    assert (sums["purchased"] or 0) == acct.purchased_credits
    assert not entries.filter(balance_after__lt=0).exists()
    assert acct.plan_credits >= 0 and acct.purchased_credits >= 0
    return acct


def make_account(workspace) -> BillingAccount:
    return services.billing_account_ensure(workspace=workspace)


def make_ledger_entry(workspace) -> LedgerEntry:
    make_account(workspace)
    return LedgerEntry.unscoped.filter(workspace_id=workspace.pk).first()


def make_charge(workspace) -> Charge:
    from billing.charging import charge_reserve

    services.plans_ensure_defaults()
    make_account(workspace)
    charge_id = charge_reserve(workspace=workspace, module="content", idempotency_key=f"factory-{uuid.uuid4().hex}")
    return Charge.unscoped.get(pk=charge_id)


TENANT_FACTORIES = {BillingAccount: make_account, LedgerEntry: make_ledger_entry, Charge: make_charge}
