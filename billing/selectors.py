"""Billing reads: plans, a workspace's account and ledger, rate limits.

`plan_requests_per_minute` runs on every API request (the plan throttle), so
it is cached in process (no network round trip) and never writes. The other
account reads open a missing account lazily (`billing_account_ensure`) so every workspace has one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

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


def _plan_facts(workspace) -> tuple[int, frozenset[str]]:
    """(API rate, feature keys) of the workspace's plan, cached in this process
    for `RATE_LIMITS.ttl` seconds (a plan change drops it at once in the
    process that made it; other processes follow within the TTL). One query
    when cold; read on every API request (the throttle, API key checks)."""
    facts = RATE_LIMITS.get(workspace.pk)
    if facts is None:
        row = (
            BillingAccount.unscoped.filter(workspace_id=workspace.pk)
            .values_list("plan__api_requests_per_minute", "plan__features")
            .first()
        )
        if row is None:  # no account yet: it will open on the default plan
            row = Plan.objects.filter(is_default=True).values_list("api_requests_per_minute", "features").first()
        limit, features = row or (None, [])
        facts = (limit or settings.API_DEFAULT_REQUESTS_PER_MINUTE, frozenset(features or ()))
        RATE_LIMITS.set(workspace.pk, facts)
    return facts


def plan_requests_per_minute(*, workspace) -> int:
    """The workspace plan's API rate (cached, see `_plan_facts`)."""
    return _plan_facts(workspace)[0]


def plan_includes(*, workspace, feature: str) -> bool:
    """Whether the workspace's plan lists `feature` (cached, see `_plan_facts`)."""
    return feature in _plan_facts(workspace)[1]


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


def credits_summary(*, workspace) -> dict:
    """Balance, plan, status and period for the credits call (on every one): one
    plain statement over the account and its plan, no model built — measured
    ~1 ms of CPU per call cheaper than loading the account with its plan, and
    cheaper than carrying it on the ledger page as a subquery (which Django
    compiles on every call). Opens the account if it is missing."""
    account, plan = BillingAccount._meta.db_table, Plan._meta.db_table  # our names; the id is a parameter
    sql = (
        "SELECT a.plan_credits, a.purchased_credits, p.key, a.status, a.current_period_start, "  # noqa: S608
        f"a.current_period_end, a.grace_period_end FROM {account} a JOIN {plan} p ON p.id = a.plan_id "
        "WHERE a.workspace_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace.pk])
        row = cursor.fetchone()
    if row is None:
        found = billing_account_get(workspace=workspace)
        row = (found.plan_credits, found.purchased_credits, found.plan.key, found.status,
               found.current_period_start, found.current_period_end, found.grace_period_end)  # fmt: skip
    plan_credits, purchased, key, status, start, end, grace = row
    return {
        "balance": plan_credits + purchased,
        "plan_credits": plan_credits,
        "purchased_credits": purchased,
        "plan": key,
        "status": status,
        "period_start": start,
        "period_end": end,
        "grace_period_end": grace,
    }


def reserved_charges(*, workspace) -> QuerySet[Charge]:
    """Charges held now (reserved, not yet committed or refunded), newest first: the
    ledger already shows their debit, so the usage page lists them as held."""
    return Charge.unscoped.filter(workspace_id=workspace.pk, status=Charge.Status.RESERVED).order_by("-created_at")
