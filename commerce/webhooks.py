"""`/webhooks/shopify/` — Shopify's webhooks: verify, deduplicate, hand off.

- `X-Shopify-Hmac-Sha256` must be the **base64** HMAC-SHA256 of the raw body
  bytes keyed with SHOPIFY_API_SECRET (constant-time compare). Missing or
  wrong → 401 and nothing stored; not a POST → 405; no topic, shop or event
  id, or a body that is not a JSON object → 400.
- Deduplicated by `X-Shopify-Event-Id` (the same on every retry of one event)
  and `X-Shopify-Webhook-Id`: a second delivery answers 200 and stores nothing.
- The event is stored (one row per store of that shop — a shop may be
  connected to several workspaces) and answered 200 at once; a task processes
  it inside the store's workspace scope after commit.
- Processing (`process_event`), idempotent per event: orders and products are
  upserted unless what we hold is newer (`updated_at`), inventory levels set,
  `app/uninstalled` disconnects the store and deletes the connection (the
  token with it), and the three compliance topics go to
  `commerce.services.compliance` (which uses the privacy app's registry).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from commerce.models import ShopifyEvent, Store

logger = logging.getLogger(__name__)


def signature_valid(body: bytes, header: str, secrets: list[str]) -> bool:
    if not header:
        return False
    for secret in secrets:
        if not secret:
            continue
        expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
        if hmac.compare_digest(expected, header.strip().encode()):
            return True
    return False


def _header(request: HttpRequest, name: str) -> str:
    """`X-Shopify-Topic` (webhooks) or `shopify-topic` (events subscriptions)."""
    return (request.headers.get(f"X-Shopify-{name}") or request.headers.get(f"shopify-{name}") or "").strip()


@csrf_exempt
def shopify_webhook(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = request.body
    secrets = [settings.SHOPIFY_API_SECRET, getattr(settings, "SHOPIFY_API_SECRET_PREVIOUS", "")]
    if not signature_valid(body, _header(request, "Hmac-Sha256"), secrets):
        logger.warning("shopify webhook: bad or missing signature")
        return HttpResponse(status=401)
    topic, shop = _header(request, "Topic").lower(), _header(request, "Shop-Domain").lower()
    event_id, webhook_id = _header(request, "Event-Id"), _header(request, "Webhook-Id")
    if not topic or not shop or not (event_id or webhook_id):
        return HttpResponse(status=400)
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return HttpResponse(status=400)
    if not isinstance(payload, dict):
        return HttpResponse(status=400)
    key = (event_id or webhook_id)[:100]
    seen = Q(event_id=key)
    if webhook_id:
        seen |= Q(webhook_id=webhook_id[:100])
    if ShopifyEvent.unscoped.filter(seen).exists():
        return HttpResponse(status=200)
    stores = list(Store.unscoped.filter(platform="shopify", domain=shop).select_related("workspace"))
    triggered = _header(request, "Triggered-At")
    created = []
    try:
        with transaction.atomic():
            for store in stores or [None]:
                created.append(
                    ShopifyEvent.unscoped.create(
                        event_id=key,
                        webhook_id=webhook_id[:100],
                        topic=topic[:64],
                        shop=shop[:255],
                        store=store,
                        workspace=store.workspace if store else None,
                        payload=payload,
                        triggered_at=_parse(triggered),
                    )
                )
    except IntegrityError:  # a concurrent delivery of the same event won
        return HttpResponse(status=200)
    from commerce.tasks import commerce_shopify_event

    for event in created:
        if event.workspace_id:
            commerce_shopify_event.delay_on_commit(workspace_id=event.workspace_id, event_id=event.pk)
        else:
            commerce_shopify_event_unrouted(event)
    return HttpResponse(status=200)


def _parse(value: str):
    from django.utils.dateparse import parse_datetime

    try:
        return parse_datetime(value) if value else None
    except ValueError:
        return None


def commerce_shopify_event_unrouted(event: ShopifyEvent) -> None:
    """No store of ours has this shop: nothing to update; compliance requests
    are answered by having nothing (recorded)."""
    ShopifyEvent.unscoped.filter(pk=event.pk).update(processed_at=timezone.now(), outcome="no_store")


def process_event(*, event_id: int) -> str:
    """Inside the store's workspace scope. Returns the outcome (also recorded)."""
    from commerce import normalize
    from commerce.providers.shopify import gid
    from commerce.services import compliance, upserts

    event = ShopifyEvent.objects.filter(pk=event_id, processed_at__isnull=True).select_related("store").first()
    if event is None:
        return "done_before"
    store, payload, topic = event.store, event.payload, event.topic
    outcome = "ignored"
    if store is None:
        outcome = "no_store"
    elif topic in ("orders/create", "orders/updated", "orders/paid", "orders/cancelled"):
        order, _created = upserts.upsert_order(store, normalize.order_from_webhook(payload))
        outcome = "stale" if order is None else "applied"
    elif topic in ("products/create", "products/update"):
        outcome = (
            "stale" if upserts.upsert_product(store, normalize.product_from_webhook(payload)) is None else "applied"
        )
    elif topic == "products/delete":
        outcome = "deleted" if upserts.delete_product(store, gid("Product", payload.get("id"))) else "absent"
    elif topic == "inventory_levels/update":
        applied = upserts.set_inventory_level(
            store,
            inventory_item_id=gid("InventoryItem", payload.get("inventory_item_id")),
            location_id=gid("Location", payload.get("location_id")),
            available=int(payload.get("available") or 0),
            updated_at=normalize.when(payload.get("updated_at")) or event.triggered_at,
        )
        outcome = "applied" if applied else "stale_or_unknown"
    elif topic == "app/uninstalled":
        compliance.app_uninstalled(store)
        outcome = "disconnected"
    elif topic == "customers/data_request":
        outcome = compliance.customer_data_request(store, payload)
    elif topic == "customers/redact":
        outcome = compliance.customer_redact(store, payload)
    elif topic == "shop/redact":
        outcome = compliance.shop_redact(store)
    ShopifyEvent.unscoped.filter(pk=event.pk).update(
        processed_at=timezone.now(), outcome=outcome[:64], attempts=event.attempts + 1
    )
    return outcome
