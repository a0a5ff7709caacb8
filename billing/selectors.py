"""Billing reads: plans, a workspace's account and ledger, rate limits.

`plan_requests_per_minute` runs on every API request (the plan throttle), so
it is cached in process (no network round trip) and never writes. The other
account reads open a missing account lazily (`billing_account_ensure`) so every workspace has one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils.dateparse import parse_datetime

from billing.models import BillingAccount, Charge, CreditPack, LedgerEntry, ModuleCost, Plan
from billing.services import RATE_LIMITS, billing_account_ensure, plans_ensure_defaults


def payments_configured() -> bool:
    """Stripe is usable: a secret key is set. Without it checkout, top-up and
    the portal answer `payments_not_configured` and staff change plans in the admin."""
    return bool(settings.STRIPE_SECRET_KEY)


def plan_list() -> QuerySet[Plan]:
    if not Plan.objects.exists():
        plans_ensure_defaults()
    return Plan.objects.filter(is_active=True).order_by("sort_order", "id")


def credit_pack_list() -> QuerySet[CreditPack]:
    if not CreditPack.objects.exists():
        plans_ensure_defaults()
    return CreditPack.objects.filter(is_active=True).order_by("sort_order", "id")


def module_labels() -> dict[str, str]:
    """module key → label in the active language."""
    return {cost.module: cost.label for cost in ModuleCost.objects.all()}


def module_cost(module: str) -> int | None:
    """Credits one unit of `module` costs now; None when it is not charged (unknown or inactive)."""
    if not ModuleCost.objects.exists():
        plans_ensure_defaults()
    return ModuleCost.objects.filter(module=module, is_active=True).values_list("credits", flat=True).first()


def plan_requests_per_minute(*, workspace) -> int:
    """The workspace plan's API rate, cached in this process for
    `RATE_LIMITS.ttl` seconds (a plan change drops it at once in the process
    that made it; other processes follow within the TTL)."""
    limit = RATE_LIMITS.get(workspace.pk)
    if limit is None:
        limit = (
            BillingAccount.unscoped.filter(workspace_id=workspace.pk)
            .values_list("plan__api_requests_per_minute", flat=True)
            .first()
        )
        if limit is None:  # no account yet: it will open on the default plan
            limit = Plan.objects.filter(is_default=True).values_list("api_requests_per_minute", flat=True).first()
        limit = limit or settings.API_DEFAULT_REQUESTS_PER_MINUTE
        RATE_LIMITS.set(workspace.pk, limit)
    return limit


def billing_account_get(*, workspace) -> BillingAccount:
    return billing_account_ensure(workspace=workspace)


def workspace_billing_summary(*, workspace) -> dict:
    """Plan and credits for `/api/v1/me` and the dashboard."""
    account = billing_account_get(workspace=workspace)
    return {
        "plan": account.plan.key,
        "plan_name": account.plan.name,
        "credits": account.balance,
        "plan_credits": account.plan_credits,
        "purchased_credits": account.purchased_credits,
        "billing_status": account.status,
        "period_end": account.current_period_end,
    }


def ledger_entries(*, workspace) -> QuerySet[LedgerEntry]:
    """The workspace's ledger, newest first (needs the workspace scope)."""
    return LedgerEntry.objects.filter(workspace_id=workspace.pk).order_by("-created_at", "-id")


_SUMMARY_DATES = ("period_start", "period_end", "grace_period_end")


def ledger_with_account_summary(*, workspace) -> QuerySet[LedgerEntry]:
    """The ledger (newest first), each row carrying the account's summary
    (`account_summary`: balance, plan, status, period) from one uncorrelated
    subquery, which PostgreSQL evaluates once per statement: the credits call
    reads its page and its balance in one query instead of two (and no
    account or plan model is built). Read it with `credits_summary`."""
    summary = BillingAccount.unscoped.filter(workspace_id=OuterRef("workspace_id")).values(
        summary=JSONObject(
            plan_credits="plan_credits",
            purchased_credits="purchased_credits",
            plan="plan__key",
            status="status",
            period_start="current_period_start",
            period_end="current_period_end",
            grace_period_end="grace_period_end",
        )
    )[:1]
    return ledger_entries(workspace=workspace).annotate(account_summary=Subquery(summary))


def credits_summary(*, workspace, rows=()) -> dict:
    """Balance, plan, status and period for the credits call: from the rows of
    `ledger_with_account_summary` when the page has any, else from the
    account (opened if missing)."""
    for row in rows:
        data = getattr(row, "account_summary", None)
        if isinstance(data, dict):
            out = dict(data)
            for name in _SUMMARY_DATES:
                out[name] = _aware(out[name])
            out["balance"] = out["plan_credits"] + out["purchased_credits"]
            return out
        break
    account = billing_account_get(workspace=workspace)
    return {
        "balance": account.balance,
        "plan_credits": account.plan_credits,
        "purchased_credits": account.purchased_credits,
        "plan": account.plan.key,
        "status": account.status,
        "period_start": account.current_period_start,
        "period_end": account.current_period_end,
        "grace_period_end": account.grace_period_end,
    }


def _aware(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = parse_datetime(value.replace(" ", "T", 1))
    if moment is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def reserved_charges(*, workspace) -> QuerySet[Charge]:
    """Charges held now (reserved, not yet committed or refunded), newest first: the
    ledger already shows their debit, so the usage page lists them as held."""
    return Charge.unscoped.filter(workspace_id=workspace.pk, status=Charge.Status.RESERVED).order_by("-created_at")
