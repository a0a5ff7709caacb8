"""Purchases, staff adjustments and staff plan changes."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import BillingAccount, LedgerEntry, Plan
from billing.services.ledger import (
    _forget_rate_limit,
    _ledger_has,
    _ledger_write,
    _lock_or_open,
    _save,
    _start_period,
    add_months,
)
from nexusone.audit import audit_record
from nexusone.errors import ValidationFailed


def credits_purchase(
    *, workspace, credits: int, idempotency_key: str, reference: str = "", metadata: dict | None = None, user=None
) -> LedgerEntry | None:
    """Add purchased (non-expiring) credits once per key; None if already done."""
    if credits <= 0:
        raise ValidationFailed(details={"credits": [_("Must be a positive number.")]})
    with transaction.atomic():
        account = _lock_or_open(workspace=workspace)
        if _ledger_has(workspace_id=workspace.pk, key=idempotency_key):
            return None
        return _ledger_write(
            account,
            kind=LedgerEntry.Kind.PURCHASE,
            key=idempotency_key,
            purchased_delta=credits,
            user=user,
            reference=reference,
            metadata=metadata,
        )


def credits_adjust(
    *, workspace, amount: int, bucket: str = "purchased", reason: str, actor, request=None
) -> LedgerEntry:
    """Staff correction of a balance (positive or negative), audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(details={"reason": [_("A reason is required.")]})
    if amount == 0:
        raise ValidationFailed(details={"amount": [_("Must not be zero.")]})
    if bucket not in ("plan", "purchased"):
        raise ValidationFailed(details={"bucket": [_("Choose plan or purchased.")]})
    with transaction.atomic():
        account = _lock_or_open(workspace=workspace)
        entry = _ledger_write(
            account,
            kind=LedgerEntry.Kind.ADJUSTMENT,
            key=f"adjust:{uuid.uuid4().hex}",
            plan_delta=amount if bucket == "plan" else 0,
            purchased_delta=amount if bucket == "purchased" else 0,
            user=actor,
            metadata={"reason": reason, "bucket": bucket},
        )
        audit_record(
            action="billing.credits.adjusted",
            request=request,
            user=actor,
            workspace=workspace,
            target=account,
            metadata={"amount": amount, "bucket": bucket, "reason": reason, "balance_after": entry.balance_after},
        )
    return entry


def plan_change(
    *, workspace, plan: Plan, reason: str, actor, reset_credits: bool = True, request=None
) -> BillingAccount:
    """Staff moves a workspace to `plan` (e.g. when payments are not configured).

    With `reset_credits`, the current plan credits expire and `plan`'s monthly
    credits are granted for a new period starting now; the beat then renews it
    monthly unless a Stripe subscription takes over."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(details={"reason": [_("A reason is required.")]})
    now = timezone.now()
    with transaction.atomic():
        account = _lock_or_open(workspace=workspace)
        old_plan = account.plan
        if reset_credits:
            _start_period(account, plan=plan, start=now, end=add_months(now, 1), key=f"plan:{uuid.uuid4().hex}")
        account.plan = plan
        account.status = BillingAccount.Status.ACTIVE
        account.grace_period_end = None
        _save(account, "plan", "status", "grace_period_end", "current_period_start", "current_period_end")
        _forget_rate_limit(workspace.pk)
        audit_record(
            action="billing.plan.changed",
            request=request,
            user=actor,
            workspace=workspace,
            target=account,
            metadata={"from": old_plan.key, "to": plan.key, "reason": reason, "reset_credits": reset_credits},
        )
    return account
