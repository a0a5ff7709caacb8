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
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import defaults
from billing.models import BillingAccount, CreditPack, LedgerEntry, ModuleCost, Plan
from nexusone.audit import audit_record
from nexusone.errors import ValidationFailed
from nexusone.localcache import LocalTTLCache
from notifications import hooks as notification_hooks

# Each plan's API rate per workspace, read by the throttle on every request: kept in
# process (no round trip), dropped here on a plan change, at most this stale elsewhere.
RATE_LIMITS = LocalTTLCache(ttl=10)


def add_months(moment: datetime, months: int = 1) -> datetime:
    """`moment` plus calendar months, clamping the day (Jan 31 + 1 → Feb 28/29)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- catalogue ------------------------------------------------------------------


def plans_ensure_defaults() -> None:
    """Create the SPEC's plans, module costs and credit packs that are missing.

    Idempotent and never overwrites rows staff have edited. The data migration
    seeds production; tests (run without migrations) and fresh databases get
    the same rows from here."""
    languages = settings.MODELTRANSLATION_LANGUAGES
    with transaction.atomic():
        has_default = Plan.objects.filter(is_default=True).exists()
        for row in defaults.PLANS:
            values = {k: v for k, v in row.items() if k not in ("key", "name", "description")}
            values["is_default"] = row["is_default"] and not has_default
            values.update(defaults.translated("name", row["name"], languages))
            values.update(defaults.translated("description", row["description"], languages))
            Plan.objects.get_or_create(key=row["key"], defaults=values)
        for row in defaults.MODULE_COSTS:
            values = {"credits": row["credits"], "description": row["description"]}
            values.update(defaults.translated("label", row["label"], languages))
            ModuleCost.objects.get_or_create(module=row["module"], defaults=values)
        for row in defaults.CREDIT_PACKS:
            values = {k: v for k, v in row.items() if k not in ("key", "name")}
            values.update(defaults.translated("name", row["name"], languages))
            CreditPack.objects.get_or_create(key=row["key"], defaults=values)


def plan_default() -> Plan:
    """The plan new workspaces start on and lapsed ones fall back to."""
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        plans_ensure_defaults()
        plan = Plan.objects.get(is_default=True)
    return plan


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


def _start_period(
    account: BillingAccount, *, plan: Plan, start: datetime, end: datetime, key: str, reference: str = ""
) -> None:
    """Expire the old period's plan credits and grant `plan`'s for [start, end)."""
    _expire_plan_credits(account, key=key, reference=reference)
    _ledger_write(
        account,
        kind=LedgerEntry.Kind.GRANT,
        key=key,
        plan_delta=plan.monthly_credits,
        reference=reference,
        metadata={"plan": plan.key, "period_start": start.isoformat(), "period_end": end.isoformat()},
    )
    account.plan, account.current_period_start, account.current_period_end = plan, start, end


def _forget_rate_limit(workspace_id: int) -> None:
    transaction.on_commit(lambda: RATE_LIMITS.delete(workspace_id))


def _save(account: BillingAccount, *fields: str) -> None:
    account.save(update_fields=[*fields, "updated_at"])


# --- accounts ------------------------------------------------------------------------


def billing_account_open(*, workspace, now: datetime | None = None) -> BillingAccount:
    """Open `workspace`'s account on the default plan with its first monthly
    grant. Idempotent: an existing account is returned unchanged."""
    plan = plan_default()
    now = now or timezone.now()
    with transaction.atomic():
        account, created = BillingAccount.unscoped.select_related("plan").get_or_create(
            workspace=workspace,
            defaults={"plan": plan, "current_period_start": now, "current_period_end": add_months(now, 1)},
        )
        if created:
            _ledger_write(
                account,
                kind=LedgerEntry.Kind.GRANT,
                key=f"open:{workspace.pk}",
                plan_delta=plan.monthly_credits,
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


# --- periods ---------------------------------------------------------------------------


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


# --- purchases, adjustments, plan changes ------------------------------------------------


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


# --- Stripe-driven state ----------------------------------------------------------------


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
