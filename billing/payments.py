"""Stripe flows as services: Checkout for plans and credit packs, the customer
portal, fulfilment of completed Checkout Sessions, and the subscription and
invoice effects of webhook events.

Contract:
- Starting a Checkout or opening the portal needs the table's rule
  (`billing.plan.change`, `billing.credits.buy`, `billing.portal.open`:
  owners) and payments configured; it never changes credits. Credits move only when Stripe says
  money moved: a paid Checkout Session for a pack (`checkout:<session id>`,
  from the webhook or the success page, whichever comes first — once), and
  `invoice.paid` for a plan (`invoice:<invoice id>`, once).
- Subscription state is never taken from an event body: every subscription
  or invoice event re-reads the subscription from Stripe and applies that
  (`billing.services.subscription_apply`), so duplicates and out-of-order
  deliveries converge to Stripe's current state.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import services
from billing import stripe_gateway as gateway
from billing.models import BillingAccount, CreditPack, Plan
from nexusone.audit import audit_record
from nexusone.errors import Conflict, NotFound, ValidationFailed
from nexusone.permissions import require

logger = logging.getLogger(__name__)

LIVE_SUBSCRIPTION_STATES = ("active", "trialing", "past_due", "unpaid", "incomplete")


def _billing_url(workspace, query: str = "") -> str:
    return settings.SITE_URL + reverse("billing", kwargs={"slug": workspace.slug}) + query


def _customer(account: BillingAccount, *, workspace) -> str:
    if account.stripe_customer_id:
        return account.stripe_customer_id
    customer_id = gateway.customer_create(
        email=workspace.owner.email,
        name=workspace.name,
        workspace_id=workspace.pk,
        # Stripe answers concurrent or retried creations with the same customer.
        idempotency_key=f"nexusone-customer-{workspace.pk}",
    )
    return services.billing_account_set_customer(account=account, customer_id=customer_id)


def checkout_start_subscription(
    *, workspace, plan_key: str, actor, actor_role: str, idempotency_key: str | None = None, request=None
) -> str:
    """A Stripe Checkout URL for subscribing to `plan_key`."""
    require("billing.plan.change", role=actor_role)
    gateway.client()  # payments_not_configured before anything else
    plan = Plan.objects.filter(key=plan_key, is_active=True).first()
    if plan is None:
        raise ValidationFailed(details={"plan": [_("Unknown plan.")]})
    if plan.is_default or plan.price <= 0:
        raise ValidationFailed(details={"plan": [_("This plan is free: no checkout is needed.")]})
    account = services.billing_account_ensure(workspace=workspace)
    if account.plan_id == plan.pk and account.status == BillingAccount.Status.ACTIVE:
        raise Conflict(_("The workspace is already on this plan."), code="already_on_plan")
    if account.stripe_subscription_id and account.stripe_subscription_status in LIVE_SUBSCRIPTION_STATES:
        raise Conflict(
            _("The workspace already has a subscription: change or cancel it in the billing portal."),
            code="subscription_exists",
        )
    if not plan.stripe_price_id:
        raise Conflict(_("This plan cannot be bought online yet."), code="plan_not_purchasable")
    metadata = {"workspace_id": str(workspace.pk), "kind": "subscription", "plan": plan.key}
    session = gateway.checkout_session_create(
        params={
            "mode": "subscription",
            "customer": _customer(account, workspace=workspace),
            "client_reference_id": str(workspace.pk),
            "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": _billing_url(workspace, "?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
            "cancel_url": _billing_url(workspace, "?checkout=canceled"),
            "locale": "auto",
        },
        idempotency_key=f"nexusone-checkout-{workspace.pk}-{idempotency_key}" if idempotency_key else None,
    )
    audit_record(
        action="billing.checkout.started", request=request, user=actor, workspace=workspace,
        metadata={"plan": plan.key, "session": session.get("id", "")},
    )  # fmt: skip
    return session["url"]


def checkout_start_topup(
    *, workspace, pack_key: str, actor, actor_role: str, idempotency_key: str | None = None, request=None
) -> str:
    """A Stripe Checkout URL for buying the credit pack `pack_key`."""
    require("billing.credits.buy", role=actor_role)
    gateway.client()
    pack = CreditPack.objects.filter(key=pack_key, is_active=True).first()
    if pack is None:
        raise ValidationFailed(details={"pack": [_("Unknown credit pack.")]})
    account = services.billing_account_ensure(workspace=workspace)
    if pack.stripe_price_id:
        line_item = {"price": pack.stripe_price_id, "quantity": 1}
    else:  # a pack not synced to Stripe yet is sold with an inline price
        line_item = {
            "quantity": 1,
            "price_data": {
                "currency": pack.currency.lower(),
                "unit_amount": int(pack.price * 100),
                "product_data": {"name": pack.name},
            },
        }
    metadata = {"workspace_id": str(workspace.pk), "kind": "topup", "pack": pack.key, "credits": str(pack.credits)}
    session = gateway.checkout_session_create(
        params={
            "mode": "payment",
            "customer": _customer(account, workspace=workspace),
            "client_reference_id": str(workspace.pk),
            "line_items": [line_item],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": _billing_url(workspace, "?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
            "cancel_url": _billing_url(workspace, "?checkout=canceled"),
            "locale": "auto",
        },
        idempotency_key=f"nexusone-topup-{workspace.pk}-{idempotency_key}" if idempotency_key else None,
    )
    audit_record(
        action="billing.topup.started", request=request, user=actor, workspace=workspace,
        metadata={"pack": pack.key, "session": session.get("id", "")},
    )  # fmt: skip
    return session["url"]


def portal_open(*, workspace, actor_role: str) -> str:
    """A Stripe customer portal URL (manage payment methods, invoices, plan)."""
    require("billing.portal.open", role=actor_role)
    gateway.client()
    account = services.billing_account_ensure(workspace=workspace)
    session = gateway.portal_session_create(
        customer=_customer(account, workspace=workspace), return_url=_billing_url(workspace)
    )
    return session["url"]


# --- fulfilment ------------------------------------------------------------------------


def _account_by_workspace_id(workspace_id) -> BillingAccount | None:
    try:
        return BillingAccount.unscoped.select_related("workspace").filter(workspace_id=int(workspace_id)).first()
    except (TypeError, ValueError):
        return None


def checkout_session_fulfill(*, session: dict) -> str:
    """Apply a completed Checkout Session (webhook or success page)."""
    metadata = session.get("metadata") or {}
    account = _account_by_workspace_id(session.get("client_reference_id") or metadata.get("workspace_id"))
    if account is None:
        return "ignored: unknown workspace"
    customer = gateway.object_id(session.get("customer"))
    if customer:
        if account.stripe_customer_id not in ("", customer):
            logger.warning("Checkout Session %s: customer does not match the workspace.", session.get("id"))
            return "ignored: customer mismatch"
        services.billing_account_set_customer(account=account, customer_id=customer)
    workspace = account.workspace
    if session.get("mode") == "payment" and metadata.get("kind") == "topup":
        if session.get("payment_status") not in ("paid", "no_payment_required"):
            return "waiting for payment"
        credits = int(metadata.get("credits") or 0)
        entry = services.credits_purchase(
            workspace=workspace,
            credits=credits,
            idempotency_key=f"checkout:{session['id']}",
            reference=session["id"],
            metadata={"pack": metadata.get("pack", "")},
        )
        if entry is None:
            return "duplicate"
        audit_record(
            action="billing.credits.purchased", workspace=workspace, target=account,
            metadata={"credits": credits, "pack": metadata.get("pack", ""), "session": session["id"]},
        )  # fmt: skip
        return f"purchased {credits}"
    if session.get("mode") == "subscription" and session.get("subscription"):
        return subscription_refresh(subscription_id=gateway.object_id(session["subscription"]))
    return "ignored"


def checkout_fulfill_from_redirect(*, workspace, session_id: str) -> str:
    """Success-page fulfilment: read the session from Stripe (never trust the
    query string) and apply it if it belongs to this workspace."""
    session = gateway.checkout_session_retrieve(session_id)
    if str(session.get("client_reference_id")) != str(workspace.pk):
        raise NotFound()
    if session.get("status") != "complete":
        return "not completed"
    return checkout_session_fulfill(session=session)


def _account_for_subscription(data: dict) -> BillingAccount | None:
    customer = gateway.object_id(data.get("customer"))
    account = None
    if customer:
        account = BillingAccount.unscoped.select_related("workspace").filter(stripe_customer_id=customer).first()
    if account is None:
        account = _account_by_workspace_id((data.get("metadata") or {}).get("workspace_id"))
        if account is not None and account.stripe_customer_id not in ("", customer):
            return None  # metadata naming a workspace that belongs to another customer
    return account


def _subscription_fetch(subscription_id: str) -> tuple[BillingAccount, services.SubscriptionState] | None:
    data, observed_at = gateway.subscription_retrieve(subscription_id)
    account = _account_for_subscription(data)
    if account is None:
        return None
    customer = gateway.object_id(data.get("customer"))
    if customer:
        services.billing_account_set_customer(account=account, customer_id=customer)
    return account, gateway.parse_subscription(data, observed_at=observed_at)


def subscription_refresh(*, subscription_id: str) -> str:
    """Re-read a subscription from Stripe and apply its current state."""
    fetched = _subscription_fetch(subscription_id)
    if fetched is None:
        return "ignored: unknown customer"
    account, state = fetched
    return services.subscription_apply(workspace=account.workspace, state=state)


def invoice_event(*, invoice: dict, paid: bool) -> str:
    """An invoice event: refresh its subscription's state and, for a paid
    invoice, grant the plan credits of the period it pays for (once)."""
    subscription_id = gateway.invoice_subscription_id(invoice)
    if not subscription_id:
        return "ignored: not a subscription invoice"
    fetched = _subscription_fetch(subscription_id)
    if fetched is None:
        return "ignored: unknown customer"
    account, state = fetched
    outcome = services.subscription_apply(workspace=account.workspace, state=state)
    if not paid:
        return outcome
    plan, start, end = gateway.invoice_plan_period(invoice)
    plan = plan or state.plan
    if plan is None or plan.is_default or start is None or end is None:
        return f"{outcome}; no plan line to grant"
    granted = services.invoice_grant_credits(
        workspace=account.workspace,
        invoice_id=invoice["id"],
        plan=plan,
        period_start=start,
        period_end=end,
        subscription=state,
    )
    return f"{outcome}; {granted}"
