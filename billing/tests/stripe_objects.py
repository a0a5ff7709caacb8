"""Stripe objects as the API documents them (current shape; `legacy=True`
gives the pre-2025 shape), for webhook payloads and the API double."""

from __future__ import annotations

import time
import uuid

from djstripe.models import Price, Product

from billing.models import CreditPack, Plan

DAY = 86400


def link_prices() -> dict[str, str]:
    """Give the paid plans a dj-stripe Price (as `billing_sync_stripe` would)."""
    ids = {}
    for plan in Plan.objects.filter(price__gt=0):
        product, _ = Product.objects.get_or_create(id=f"nexusone_plan_{plan.key}", defaults={"name": plan.key})
        price, _ = Price.objects.get_or_create(
            id=f"price_{plan.key}", defaults={"product": product, "active": True, "currency": "usd"}
        )
        Plan.objects.filter(pk=plan.pk).update(stripe_price_id=price.id)
        ids[plan.key] = price.id
    for pack in CreditPack.objects.all():
        product, _ = Product.objects.get_or_create(id=f"nexusone_pack_{pack.key}", defaults={"name": pack.key})
        price, _ = Price.objects.get_or_create(
            id=f"price_pack_{pack.key}", defaults={"product": product, "active": True, "currency": "usd"}
        )
        CreditPack.objects.filter(pk=pack.pk).update(stripe_price_id=price.id)
    return ids


def product_object(product_id: str, name: str, *, metadata: dict | None = None, active: bool = True) -> dict:
    """A whole Product as Stripe's OpenAPI fixtures render it."""
    now = int(time.time())
    return {
        "id": product_id,
        "object": "product",
        "active": active,
        "created": now,
        "default_price": None,
        "description": None,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": metadata or {},
        "name": name,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": now,
        "url": None,
    }


def price_object(
    price_id: str,
    product_id: str,
    *,
    unit_amount: int,
    currency: str = "usd",
    recurring: bool = True,
    lookup_key: str | None = None,
    nickname: str | None = None,
    active: bool = True,
    metadata: dict | None = None,
) -> dict:
    """A whole Price as Stripe sends it — `unit_amount_decimal` is always a
    string (the pinned SDK turns it into a `Decimal`)."""
    return {
        "id": price_id,
        "object": "price",
        "active": active,
        "billing_scheme": "per_unit",
        "created": int(time.time()),
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": metadata or {},
        "nickname": nickname,
        "product": product_id,
        "recurring": {
            "interval": "month",
            "interval_count": 1,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        }
        if recurring
        else None,
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }


def customer_object(customer_id: str, *, email: str = "", name: str = "", metadata: dict | None = None) -> dict:
    return {
        "id": customer_id,
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": int(time.time()),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "email": email or None,
        "invoice_prefix": customer_id[-8:].upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": metadata or {},
        "name": name or None,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def event(kind: str, obj: dict, *, event_id: str | None = None, created: int | None = None) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-08-26.dahlia",
        "created": created or int(time.time()),
        "livemode": False,
        "type": kind,
        "data": {"object": obj},
    }


def subscription(
    sub_id: str,
    customer: str,
    status: str,
    price: str,
    *,
    start: int | None = None,
    cancel_at_period_end: bool = False,
    metadata: dict | None = None,
    legacy: bool = False,
) -> dict:
    start = start or int(time.time()) - 60
    end = start + 30 * DAY
    item = {
        "id": f"si_{sub_id}",
        "object": "subscription_item",
        "price": price_object(price, f"prod_{price}", unit_amount=9700),
        "quantity": 1,
    }
    data = {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "created": start,
        "start_date": start,
        "metadata": metadata or {},
        "items": {"object": "list", "data": [item]},
    }
    if legacy:
        data.update(current_period_start=start, current_period_end=end)
    else:
        item.update(current_period_start=start, current_period_end=end)
    return data


def invoice(
    invoice_id: str,
    customer: str,
    sub_id: str,
    price: str,
    *,
    start: int | None = None,
    status: str = "paid",
    legacy: bool = False,
) -> dict:
    start = start or int(time.time()) - 60
    line = {"id": f"il_{invoice_id}", "object": "line_item", "period": {"start": start, "end": start + 30 * DAY}}
    data = {
        "id": invoice_id,
        "object": "invoice",
        "customer": customer,
        "status": status,
        "billing_reason": "subscription_create",
        # the invoice's own period is the *previous* one for subscriptions; never used
        "period_start": start - 30 * DAY,
        "period_end": start,
        "lines": {"object": "list", "data": [line]},
    }
    if legacy:
        data["subscription"] = sub_id
        line["price"] = {"id": price, "object": "price"}
    else:
        data["parent"] = {"type": "subscription_details", "subscription_details": {"subscription": sub_id}}
        line["pricing"] = {"type": "price_details", "price_details": {"price": price, "product": "prod"}}
    return data


def checkout_session(
    session_id: str, workspace_id: int, customer: str, *, mode: str, paid: bool = True, **metadata
) -> dict:
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": mode,
        "status": "complete" if paid else "open",
        "payment_status": "paid" if paid else "unpaid",
        "client_reference_id": str(workspace_id),
        "customer": customer,
        "subscription": metadata.pop("subscription", None),
        "metadata": {"workspace_id": str(workspace_id), **metadata},
        "url": f"https://checkout.stripe.test/c/{session_id}",
    }


def charge_object(
    charge_id: str,
    customer: str,
    *,
    amount: int,
    amount_refunded: int = 0,
    status: str = "succeeded",
    invoice: str | None = None,
    created: int | None = None,
    metadata: dict | None = None,
) -> dict:
    """A Charge as Stripe's API reference shows it (card details left out)."""
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if status == "succeeded" else 0,
        "amount_refunded": amount_refunded,
        "balance_transaction": f"txn_{charge_id[3:]}",
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "captured": status == "succeeded",
        "created": created or int(time.time()),
        "currency": "usd",
        "customer": customer,
        "description": None,
        "disputed": False,
        "failure_code": None if status == "succeeded" else "card_declined",
        "failure_message": None if status == "succeeded" else "Your card was declined.",
        "invoice": invoice,
        "livemode": False,
        "metadata": metadata or {},
        "paid": status == "succeeded",
        "payment_intent": f"pi_{charge_id[3:]}",
        "payment_method": f"pm_{charge_id[3:]}",
        "receipt_url": f"https://pay.stripe.com/receipts/{charge_id}",
        "refunded": bool(amount) and amount_refunded >= amount,
        "status": status,
    }
