"""Commerce Celery tasks (ids in, scope entered by `workspace_task`; safe to run twice).

Beat: `commerce_tick` (every 15 minutes) queues an incremental sync of every
connected store last synced more than an hour ago, follows supplier orders
still on their way, reads CJ's stock for variants not checked for 6 hours
(`commerce_supplier_stock`, one run per workspace at a time), queues the
nightly demand forecasts of each workspace once a UTC day from 01:00
(`commerce_forecasts_nightly`), and replays webhook events left unprocessed by a dead
worker."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from nexusone.jobs import shared_task
from nexusone.tasks import workspace_task

logger = logging.getLogger(__name__)
LOCK_SECONDS = 15 * 60
SYNC_EVERY = timedelta(hours=1)
FORECAST_HOUR_UTC = 1


def _locked(key: str, seconds: int = LOCK_SECONDS) -> bool:
    return not cache.add(key, 1, seconds)


@workspace_task(name="commerce.tasks.import_run")
def commerce_import_run(*, workspace_id: int, import_id: int) -> None:
    """Import a job's pending URLs; one run per job at a time."""
    from commerce.services.imports import import_run

    lock = f"commerce:import:{import_id}"
    if _locked(lock):
        return
    try:
        import_run(import_id=import_id)
    finally:
        cache.delete(lock)


@workspace_task(name="commerce.tasks.store_setup")
def commerce_store_setup(*, workspace_id: int, store_id: int) -> None:
    """After a connect: webhook subscriptions, then the first full sync."""
    from commerce.models import Store
    from commerce.services import sync

    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return
    try:
        sync.webhooks_register(store)
    except Exception:  # the sync still runs; the next connect or beat retries the subscriptions
        logger.exception("commerce: webhook subscriptions of store %s failed", store_id)
    Store.objects.filter(pk=store_id).update(sync_status=Store.SyncStatus.QUEUED)
    commerce_store_sync(workspace_id=workspace_id, store_id=store_id, full=True)


@workspace_task(bind=True, name="commerce.tasks.store_sync", max_retries=20)
def commerce_store_sync(self, *, workspace_id: int, store_id: int, full: bool = False) -> None:
    from commerce.providers.shopify import Throttled
    from commerce.services.sync import sync_run

    lock = f"commerce:sync:{store_id}"
    if _locked(lock, 3600):
        return
    try:
        sync_run(store_id=store_id, full=full)
    except Throttled as exc:  # the bucket is empty for longer than the door sleeps: come back later
        if getattr(self.request, "is_eager", False):
            raise
        raise self.retry(countdown=max(1, int(exc.retry_after + 1)), exc=exc) from None
    except Exception:
        logger.exception("commerce: sync of store %s failed", store_id)
    finally:
        cache.delete(lock)


@workspace_task(name="commerce.tasks.orders_to_crm")
def commerce_orders_to_crm(*, workspace_id: int, order_ids: list[int]) -> None:
    """New orders (a sync page, or one from a webhook) → their customers' contacts and purchase activities."""
    from commerce.models import Order
    from commerce.services.customers import order_activity

    for order in Order.objects.filter(pk__in=order_ids).select_related("store").order_by("pk"):
        order_activity(order)


@workspace_task(name="commerce.tasks.order_to_crm")
def commerce_order_to_crm(*, workspace_id: int, order_id: int) -> None:
    """One order (the former form: tasks queued before `commerce_orders_to_crm` existed still run)."""
    commerce_orders_to_crm.run(workspace_id=workspace_id, order_ids=[order_id])


@workspace_task(name="commerce.tasks.shopify_event", runs_when_suspended=True)
def commerce_shopify_event(*, workspace_id: int, event_id: int) -> None:
    from commerce.webhooks import process_event

    process_event(event_id=event_id)


@workspace_task(name="commerce.tasks.order_follow")
def commerce_order_follow(*, workspace_id: int, order_id: int) -> None:
    from commerce.models import Order
    from commerce.services.orders import order_follow

    order = Order.objects.filter(pk=order_id).select_related("store").first()
    if order is not None:
        order_follow(order)


@workspace_task(name="commerce.tasks.supplier_stock")
def commerce_supplier_stock(*, workspace_id: int) -> dict | None:
    from accounts.models import Workspace
    from commerce.services.inventory import supplier_stock_refresh

    lock = f"commerce:supplier-stock:{workspace_id}"
    if _locked(lock, LOCK_SECONDS):
        return None
    try:
        return supplier_stock_refresh(workspace=Workspace.objects.get(pk=workspace_id))
    finally:
        cache.delete(lock)


@workspace_task(name="commerce.tasks.forecasts_nightly")
def commerce_forecasts_nightly(*, workspace_id: int) -> dict | None:
    from commerce.services.forecasts import forecasts_refresh

    lock = f"commerce:forecasts:{workspace_id}"
    if _locked(lock, 3 * 3600):
        return None
    try:
        return forecasts_refresh()
    finally:
        cache.delete(lock)


def _forecast_workspaces(now, limit: int = 500) -> list[int]:
    """Workspaces with products whose nightly forecast has not been queued today (UTC)."""
    from commerce.models import Product

    if now.hour < FORECAST_HOUR_UTC:
        return []
    candidates = (
        Product.unscoped.exclude(status=Product.Status.ARCHIVED)
        .filter(workspace__is_suspended=False)
        .order_by()
        .values_list("workspace_id", flat=True)
        .distinct()
    )
    day = now.date().isoformat()
    return [pk for pk in candidates[:limit] if cache.add(f"commerce:forecasts-queued:{day}:{pk}", 1, 2 * 86400)]


def _supplier_stock_workspaces(limit: int = 200) -> list[int]:
    """Workspaces with due CJ variants and a CJ token to ask with (their own connection or the platform's key)."""
    from commerce.models import Variant
    from commerce.providers.cj import PROVIDER
    from commerce.services.inventory import supplier_stock_due
    from integrations.models import Connection, Status
    from integrations.vault import platform_credentials

    due = supplier_stock_due(Variant.unscoped.filter(workspace__is_suspended=False))
    if platform_credentials(PROVIDER) is None:
        connected = Connection.unscoped.filter(provider=PROVIDER, status=Status.CONNECTED)
        due = due.filter(workspace_id__in=connected.values("workspace_id"))
    return list(due.order_by().values_list("workspace_id", flat=True).distinct()[:limit])


@shared_task(name="commerce.tasks.commerce_tick")
def commerce_tick() -> dict:
    from commerce.models import Order, ShopifyEvent, Store

    now = timezone.now()
    stale = (
        Store.unscoped.filter(status=Store.Status.CONNECTED, workspace__is_suspended=False)
        .exclude(sync_status__in=[Store.SyncStatus.QUEUED, Store.SyncStatus.RUNNING])
        .exclude(last_synced_at__gt=now - SYNC_EVERY)
    )
    stores = list(stale.values_list("workspace_id", "pk")[:200])
    for workspace_id, store_id in stores:
        Store.unscoped.filter(pk=store_id).update(sync_status=Store.SyncStatus.QUEUED)
        commerce_store_sync.delay(workspace_id=workspace_id, store_id=store_id)
    following = list(
        Order.unscoped.filter(status=Order.Fulfillment.PLACED, tracking_written_at__isnull=True)
        .exclude(supplier_order_id="")
        .values_list("workspace_id", "pk")[:500]
    )
    for workspace_id, order_id in following:
        commerce_order_follow.delay(workspace_id=workspace_id, order_id=order_id)
    pending = list(
        ShopifyEvent.unscoped.filter(processed_at__isnull=True, workspace__isnull=False, attempts__lt=5,
                                     received_at__lt=now - timedelta(minutes=5))
        .values_list("workspace_id", "pk")[:500]
    )  # fmt: skip
    for workspace_id, event_id in pending:
        ShopifyEvent.unscoped.filter(pk=event_id).update(attempts=F("attempts") + 1)
        commerce_shopify_event.delay(workspace_id=workspace_id, event_id=event_id)
    suppliers = _supplier_stock_workspaces()
    for workspace_id in suppliers:
        commerce_supplier_stock.delay(workspace_id=workspace_id)
    forecasting = _forecast_workspaces(now)
    for workspace_id in forecasting:
        commerce_forecasts_nightly.delay(workspace_id=workspace_id)
    return {"syncs": len(stores), "orders": len(following), "events": len(pending), "supplier_stock": len(suppliers),
            "forecasts": len(forecasting)}  # fmt: skip
