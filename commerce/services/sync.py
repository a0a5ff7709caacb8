"""Store sync, both ways.

In: a connected Shopify store creates a `Store` (integrations'
`connection_connected`), registers its webhook subscriptions and runs a first
full sync — locations, products with variants, images and stock per
location, customers (→ CRM contacts, free), orders of the last 60 days —
page by page through the Admin GraphQL API (commerce.providers.shopify). Later
syncs are incremental: each resource asks only for rows updated since the
newest `updatedAt` it saw (`Store.sync_marks`), run by beat. Each page (100
rows) is written in one transaction with its mark, in a number of statements
that does not grow with the page (`upsert_products` / `upsert_orders`);
webhooks (commerce.webhooks) write one row through the same code.

Out: `commerce.services.push`. The writes of rows (a page here, one row from a
webhook) are `commerce.services.upserts`.

Staleness: a row whose platform `updatedAt` is not newer than what we hold is
left alone (webhooks and syncs arrive out of order).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from commerce import normalize
from commerce.models import Store
from commerce.providers import shopify
from commerce.services.upserts import upsert_orders, upsert_products
from nexusone import live
from nexusone.audit import audit_record

logger = logging.getLogger(__name__)

ORDER_WINDOW_DAYS = 60
WEBHOOK_TOPICS = (
    "ORDERS_CREATE",
    "ORDERS_UPDATED",
    "PRODUCTS_CREATE",
    "PRODUCTS_UPDATE",
    "PRODUCTS_DELETE",
    "INVENTORY_LEVELS_UPDATE",
    "APP_UNINSTALLED",
)


# --- connection hooks ---------------------------------------------------------------------------


def store_connect(*, workspace, connection) -> Store:
    """A Shopify connection (new or renewed) → its Store, then webhooks and a first full sync."""
    info = (connection.assets or {}).get("shop") or {}
    store, created = Store.objects.get_or_create(
        workspace=workspace,
        platform="shopify",
        domain=connection.account_id,
        defaults={"name": info.get("name") or connection.account_name, "currency": (info.get("currency") or "USD")[:3]},
    )
    if not created:
        store.status, store.disconnected_at = Store.Status.CONNECTED, None
        store.name = info.get("name") or store.name
        store.save(update_fields=["status", "disconnected_at", "name", "updated_at"])
    audit_record(action="commerce.store.connected", workspace=workspace, target=store, metadata={"created": created})
    from commerce.tasks import commerce_store_setup

    commerce_store_setup.delay_on_commit(workspace_id=workspace.pk, store_id=store.pk)
    return store


def store_disconnect(*, workspace, domain: str, reason: str = "disconnected") -> Store | None:
    store = Store.objects.filter(platform="shopify", domain=domain).first()
    if store is None:
        return None
    store.status, store.disconnected_at = Store.Status.DISCONNECTED, timezone.now()
    store.save(update_fields=["status", "disconnected_at", "updated_at"])
    audit_record(action="commerce.store.disconnected", workspace=workspace, target=store, metadata={"reason": reason})
    return store


def webhooks_register(store: Store) -> list[str]:
    """Subscribe the topics we handle (the compliance topics are configured in the app's settings)."""
    client = shopify.ShopifyClient.for_workspace(store.workspace)
    callback = settings.SITE_URL.rstrip("/") + "/webhooks/shopify/"
    done = list(store.webhooks_registered or [])
    for topic in WEBHOOK_TOPICS:
        if topic in done:
            continue
        try:
            client.mutate(
                shopify.WEBHOOK_CREATE,
                {"topic": topic, "webhookSubscription": {"uri": callback, "format": "JSON"}},
                "webhookSubscriptionCreate",
            )
        except shopify.ShopifyUserErrors as exc:
            # "Address for this topic has already been taken": it exists already.
            if not any("taken" in str(e.get("message", "")).lower() for e in exc.details.get("user_errors", [])):
                raise
        done.append(topic)
        Store.objects.filter(pk=store.pk).update(webhooks_registered=done)
    store.webhooks_registered = done
    return done


# --- the sync job -------------------------------------------------------------------------------


def sync_request(*, store: Store, user=None, request=None) -> Store:
    """POST /stores/{id}/sync: queue a sync unless one is queued or running (202 either way)."""
    from nexusone.errors import Conflict

    if store.status != Store.Status.CONNECTED:
        raise Conflict(code="store_disconnected", message=shopify.StoreNotConnected.default_message)
    updated = (
        Store.objects.filter(pk=store.pk)
        .exclude(sync_status__in=["queued", "running"])
        .update(sync_status=Store.SyncStatus.QUEUED, sync_error="")
    )
    store.refresh_from_db()
    if updated:
        audit_record(
            action="commerce.store.sync_requested", request=request, user=user, workspace=store.workspace, target=store
        )
        from commerce.tasks import commerce_store_sync

        commerce_store_sync.delay_on_commit(workspace_id=store.workspace_id, store_id=store.pk)
    return store


def _progress(store: Store, phase: str, counts: dict) -> None:
    Store.objects.filter(pk=store.pk).update(sync_progress={"phase": phase, **counts})
    live.publish_progress(
        store.workspace_id,
        job="commerce.sync",
        object_id=store.pk,
        done=sum(counts.values()),
        total=0,
        status="running",
        phase=phase,
    )


def _since_query(mark: str | None, *, floor=None) -> str | None:
    parts = []
    if mark:
        parts.append(f"updated_at:>'{mark}'")
    if floor is not None:
        parts.append(f"created_at:>='{floor.date().isoformat()}'")
    return " AND ".join(parts) or None


def sync_run(*, store_id: int, full: bool = False) -> Store | None:
    """One sync pass. Raises shopify.Throttled for the task to reschedule (marks kept, so it resumes)."""
    store = Store.objects.filter(pk=store_id, status=Store.Status.CONNECTED).first()
    if store is None:
        return None
    Store.objects.filter(pk=store.pk).update(sync_status=Store.SyncStatus.RUNNING, sync_error="")
    client = shopify.ShopifyClient.for_workspace(store.workspace)
    marks = {} if full else dict(store.sync_marks or {})
    counts = {"locations": 0, "products": 0, "customers": 0, "orders": 0}
    try:
        for page in client.pages(shopify.LOCATIONS_QUERY, "locations"):
            counts["locations"] += len(page)
        for phase, query, path, convert, upsert in (
            ("products", shopify.PRODUCTS_QUERY, "products", normalize.product_from_graphql, upsert_products),
            ("customers", shopify.CUSTOMERS_QUERY, "customers", None, None),
            ("orders", shopify.ORDERS_QUERY, "orders", normalize.order_from_graphql, upsert_orders),
        ):
            floor = timezone.now() - timedelta(days=ORDER_WINDOW_DAYS) if phase == "orders" else None
            variables = {"query": _since_query(marks.get(phase), floor=floor)}
            for page in client.pages(query, path, variables):
                newest = marks.get(phase)
                for stamp in (node.get("updatedAt") for node in page):
                    if stamp and (newest is None or stamp > newest):
                        newest = stamp
                if newest:
                    marks[phase] = newest
                # A page and its mark in one transaction: a crash resumes after the last page written.
                with transaction.atomic():
                    if phase == "customers":
                        for node in page:
                            _customer_to_crm(store, node)
                    else:
                        upsert(store, [convert(node) for node in page])
                    Store.objects.filter(pk=store.pk).update(sync_marks=marks)
                counts[phase] += len(page)
                _progress(store, phase, counts)
    except shopify.Throttled:
        Store.objects.filter(pk=store.pk).update(sync_status=Store.SyncStatus.QUEUED)
        raise
    except Exception as exc:
        message = str(getattr(exc, "message", "") or exc.__class__.__name__)[:500]
        Store.objects.filter(pk=store.pk).update(sync_status=Store.SyncStatus.FAILED, sync_error=message)
        live.publish_progress(
            store.workspace_id, job="commerce.sync", object_id=store.pk, done=0, total=0, status="failed"
        )
        raise
    Store.objects.filter(pk=store.pk).update(
        sync_status=Store.SyncStatus.DONE, last_synced_at=timezone.now(), sync_progress={"phase": "done", **counts}
    )
    live.publish_progress(
        store.workspace_id,
        job="commerce.sync",
        object_id=store.pk,
        done=sum(counts.values()),
        total=sum(counts.values()),
        status="done",
    )
    store.refresh_from_db()
    return store


def _customer_to_crm(store: Store, node: dict) -> None:
    from commerce.services.customers import customer_to_contact

    customer_to_contact(
        store,
        {
            "external_id": node.get("id", ""),
            "email": node.get("email") or "",
            "name": " ".join(filter(None, [node.get("firstName"), node.get("lastName")])),
            "phone": node.get("phone") or "",
        },
    )
