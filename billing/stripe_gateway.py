"""Stripe behind one small module: the only place that calls the Stripe API
or knows the shapes of its objects.

- The client is the official SDK (the library dj-stripe builds on), keyed
  by STRIPE_SECRET_KEY, pointed at STRIPE_API_HOST when set (local doubles,
  tests), with bounded timeouts and the SDK's network retries.
- Without a secret key every call raises `PaymentsNotConfigured` (HTTP 409
  `payments_not_configured`); Stripe failures raise `ProviderError` (502).
- Parsers accept both the pre-2025 object shapes (`invoice.subscription`,
  `subscription.current_period_*`) and the current ones
  (`invoice.parent.subscription_details`, per-item periods), because a
  webhook endpoint renders events in the API version it was created with.
- Every object handed out is plain JSON data, as Stripe sent it: the SDK
  turns decimal strings (`unit_amount_decimal`, tier and quantity decimals)
  into `Decimal`, which dj-stripe's JSON fields cannot store, so they are
  given back as the strings Stripe wrote (`plain()`).
- The SDK (~0.2 s of imports: requests, httpx) is imported by the first call,
  not with this module: the URLconf imports it, and a web worker's boot and
  first request need not pay for it (issue 19, "Cold start").
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Plan
from billing.services import SubscriptionState
from nexusone.errors import Conflict, ProviderError

if TYPE_CHECKING:
    import stripe

DEFAULT_API_HOST = "https://api.stripe.com"
TIMEOUT_SECONDS = 20


class PaymentsNotConfigured(Conflict):
    code = "payments_not_configured"
    default_message = _("Payments are not configured on this server. Staff can change plans in the admin.")


def api_host() -> str:
    return getattr(settings, "STRIPE_API_HOST", "") or DEFAULT_API_HOST


@functools.lru_cache(maxsize=4)
def _client(api_key: str, host: str, retries: int) -> stripe.StripeClient:
    import stripe

    return stripe.StripeClient(
        api_key,
        base_addresses={"api": host},
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentsNotConfigured()
    return _client(settings.STRIPE_SECRET_KEY, api_host(), getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2))


def plain(value: Any) -> Any:
    """JSON data as Stripe sent it: `Decimal` back to its string, recursively."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _provider_error(exc: stripe.StripeError) -> ProviderError:
    return ProviderError(
        _("The payment provider could not complete the request. Try again."),
        code="payment_provider_error",
        details={"provider": "stripe", "type": type(exc).__name__},
    )


def _call(method, *args, **kwargs) -> dict:
    import stripe

    try:
        result = method(*args, **kwargs)
    except stripe.StripeError as exc:
        raise _provider_error(exc) from exc
    return plain(result)


def _options(idempotency_key: str | None) -> dict:
    return {"idempotency_key": idempotency_key} if idempotency_key else {}


# --- calls ------------------------------------------------------------------------


def customer_create(*, email: str, name: str, workspace_id: int, idempotency_key: str) -> str:
    params = {"email": email, "name": name, "metadata": {"workspace_id": str(workspace_id)}}
    return _call(client().v1.customers.create, params, _options(idempotency_key))["id"]


def checkout_session_create(*, params: dict, idempotency_key: str | None = None) -> dict:
    return _call(client().v1.checkout.sessions.create, params, _options(idempotency_key))


def checkout_session_retrieve(session_id: str) -> dict:
    return _call(client().v1.checkout.sessions.retrieve, session_id)


def portal_session_create(*, customer: str, return_url: str) -> dict:
    return _call(client().v1.billing_portal.sessions.create, {"customer": customer, "return_url": return_url})


SUBSCRIPTION_CANCELED = "canceled"
SUBSCRIPTION_GONE = "already_canceled"


def subscription_cancel(subscription_id: str) -> str:
    """Cancel at once, without proration (a deleted workspace's subscription:
    privacy's purge). `SUBSCRIPTION_CANCELED`, or `SUBSCRIPTION_GONE` when
    Stripe answers 404: it says "No such subscription" both for an id it never
    had and for one already canceled (by the customer in the portal, or by an
    earlier run whose answer was lost), and either way nothing is billed any
    more. Any other failure (5xx, timeouts, 429, a wrong key) raises
    `ProviderError`, so the caller retries and the cancel is never skipped.
    A DELETE takes no idempotency key, and needs none: repeating it is a 404."""
    import stripe

    try:
        data = plain(client().v1.subscriptions.cancel(subscription_id))
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return SUBSCRIPTION_GONE
        raise _provider_error(exc) from exc
    except stripe.StripeError as exc:
        raise _provider_error(exc) from exc
    if data.get("status") != "canceled":  # a 200 always says canceled; anything else is not done
        raise ProviderError(code="payment_provider_error", details={"provider": "stripe", "status": data.get("status")})
    return SUBSCRIPTION_CANCELED


def subscription_renewal_set(subscription_id: str, *, renew: bool) -> str:
    """Stop (`renew=False`) or resume the renewal at the period's end
    (`cancel_at_period_end`): a workspace waiting out its deletion grace period
    must not be billed for another period. `"updated"`, or `SUBSCRIPTION_GONE`
    on a 404 (nothing left to renew); other failures raise `ProviderError`."""
    import stripe

    try:
        plain(client().v1.subscriptions.update(subscription_id, {"cancel_at_period_end": not renew}))
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return SUBSCRIPTION_GONE
        raise _provider_error(exc) from exc
    except stripe.StripeError as exc:
        raise _provider_error(exc) from exc
    return "updated"


def subscription_retrieve(subscription_id: str) -> tuple[dict, datetime]:
    """The subscription's current state and when it was observed (the
    response's arrival: a fetch that finishes later saw a state at least as new)."""
    data = _call(client().v1.subscriptions.retrieve, subscription_id)
    return data, timezone.now()


def product_get_or_create(*, product_id: str, name: str, metadata: dict) -> dict:
    import stripe

    try:
        product = plain(client().v1.products.retrieve(product_id))
    except stripe.InvalidRequestError:  # 404: not created yet
        return _call(client().v1.products.create, {"id": product_id, "name": name, "metadata": metadata})
    except stripe.StripeError as exc:
        raise ProviderError(code="payment_provider_error", details={"provider": "stripe"}) from exc
    if product.get("name") != name or not product.get("active", True):
        return _call(client().v1.products.update, product_id, {"name": name, "active": True})
    return product


def price_ensure(
    *, product_id: str, lookup_key: str, unit_amount: int, currency: str, recurring: bool, nickname: str
) -> dict:
    """The active price with `lookup_key`, or a new one when the amount or
    currency changed (Stripe prices are immutable; the old one is archived and
    the lookup key moves to the new one)."""
    found = _call(client().v1.prices.list, {"lookup_keys": [lookup_key], "active": True, "limit": 1})
    existing = (found.get("data") or [None])[0]
    if (
        existing
        and existing.get("unit_amount") == unit_amount
        and existing.get("currency") == currency.lower()
        and bool(existing.get("recurring")) == recurring
    ):
        return existing
    params: dict[str, Any] = {
        "product": product_id,
        "unit_amount": unit_amount,
        "currency": currency.lower(),
        "lookup_key": lookup_key,
        "transfer_lookup_key": True,
        "nickname": nickname,
    }
    if recurring:
        params["recurring"] = {"interval": "month"}
    price = _call(client().v1.prices.create, params)
    if existing:
        _call(client().v1.prices.update, existing["id"], {"active": False})
    return price


# --- parsers ------------------------------------------------------------------------


def object_id(value: Any) -> str:
    """A Stripe reference: an id string or an expanded object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _items(subscription: dict) -> list[dict]:
    return (subscription.get("items") or {}).get("data") or []


def _price_id(item: dict) -> str:
    price = item.get("price") or item.get("plan")
    if price:
        return object_id(price)
    details = (item.get("pricing") or {}).get("price_details") or {}
    return object_id(details.get("price"))


def plan_for_price(price_id: str) -> Plan | None:
    return Plan.objects.filter(stripe_price_id=price_id).first() if price_id else None


def parse_subscription(data: dict, *, observed_at: datetime) -> SubscriptionState:
    items = _items(data)
    plan = None
    for item in items:
        plan = plan_for_price(_price_id(item))
        if plan:
            break
    if plan is None and (data.get("metadata") or {}).get("plan"):
        plan = Plan.objects.filter(key=data["metadata"]["plan"]).first()
    first = items[0] if items else {}
    start = data.get("current_period_start") or first.get("current_period_start")
    end = data.get("current_period_end") or first.get("current_period_end")
    return SubscriptionState(
        id=data["id"],
        customer=object_id(data.get("customer")),
        status=data.get("status") or "",
        plan=plan,
        period_start=timestamp(start),
        period_end=timestamp(end),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
        observed_at=observed_at,
    )


def invoice_subscription_id(invoice: dict) -> str:
    if invoice.get("subscription"):
        return object_id(invoice["subscription"])
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return object_id(details.get("subscription"))


def invoice_plan_period(invoice: dict) -> tuple[Plan | None, datetime | None, datetime | None]:
    """The plan an invoice pays for and the service period of that line (not
    the invoice's own `period_*`, which for subscriptions is the previous one)."""
    lines = (invoice.get("lines") or {}).get("data") or []
    fallback: tuple[datetime | None, datetime | None] = (None, None)
    for line in lines:
        period = line.get("period") or {}
        span = (timestamp(period.get("start")), timestamp(period.get("end")))
        plan = plan_for_price(_price_id(line))
        if plan is not None:
            return plan, *span
        if fallback == (None, None):
            fallback = span
    return None, *fallback
