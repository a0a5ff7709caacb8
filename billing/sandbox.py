"""The local payments sandbox: try every plan and credit pack without Stripe.

Only when `DEBUG=1` and no `STRIPE_SECRET_KEY` (the embedded default of
`make run`); with `DEBUG=0` it does not exist (`sandbox_enabled()` is False
and every call is a 404). A "payment" here completes at once and goes
through the same services the Stripe webhooks call — `subscription_apply`
and `invoice_grant_credits` for a plan, `credits_purchase` for a pack — so
the ledger, quotas and pages behave as after a real checkout. Nothing is
charged; the billing page says so.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import services
from billing.models import CreditPack, Plan
from nexusone.audit import audit_record
from nexusone.errors import NotFound, ValidationFailed
from nexusone.permissions import require


def sandbox_enabled() -> bool:
    return bool(settings.DEBUG) and not settings.STRIPE_SECRET_KEY


def _require_sandbox() -> None:
    if not sandbox_enabled():
        raise NotFound()


def sandbox_subscribe(*, workspace, plan_key: str, actor, actor_role: str, request=None) -> str:
    """Subscribe to `plan_key` as a paid Checkout and its first invoice would."""
    require("billing.plan.change", role=actor_role)
    _require_sandbox()
    plan = Plan.objects.filter(key=plan_key, is_active=True, is_default=False).first()
    if plan is None:
        raise ValidationFailed(details={"plan": [_("Unknown plan.")]})
    now = timezone.now()
    state = services.SubscriptionState(
        id=f"sandbox_sub_{uuid.uuid4().hex[:16]}",
        customer=f"sandbox_cus_{workspace.pk}",
        status="active",
        plan=plan,
        period_start=now,
        period_end=services.add_months(now),
        cancel_at_period_end=False,
        observed_at=now,
    )
    outcome = services.subscription_apply(workspace=workspace, state=state)
    granted = services.invoice_grant_credits(
        workspace=workspace,
        invoice_id=f"sandbox_in_{uuid.uuid4().hex[:16]}",
        plan=plan,
        period_start=state.period_start,
        period_end=state.period_end,
        subscription=state,
    )
    audit_record(
        action="billing.plan.changed", request=request, user=actor if request is None else None,
        workspace=workspace, metadata={"plan": plan.key, "sandbox": True},
    )  # fmt: skip
    return f"{outcome}; {granted}"


def sandbox_topup(*, workspace, pack_key: str, actor, actor_role: str, request=None) -> int:
    """Buy a credit pack as a paid Checkout Session would."""
    require("billing.credits.buy", role=actor_role)
    _require_sandbox()
    pack = CreditPack.objects.filter(key=pack_key, is_active=True).first()
    if pack is None:
        raise ValidationFailed(details={"pack": [_("Unknown credit pack.")]})
    services.credits_purchase(
        workspace=workspace,
        credits=pack.credits,
        idempotency_key=f"sandbox:{uuid.uuid4().hex}",
        reference="sandbox",
        metadata={"pack": pack.key, "sandbox": True},
    )
    audit_record(
        action="billing.credits.purchased", request=request, user=actor if request is None else None,
        workspace=workspace, metadata={"credits": pack.credits, "pack": pack.key, "sandbox": True},
    )  # fmt: skip
    return pack.credits
