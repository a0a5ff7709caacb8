"""Stock: low-stock alerts (once per crossing) and reorder advice.

Alerts: a variant with a `low_stock_threshold` whose stock falls to or below
it opens one `InventoryAlert` (a partial unique constraint: at most one open
alert per variant) and notifies the workspace once for that crossing; stock
back above the threshold resolves it, so the next fall is a new crossing.

Reorder advice, per variant, from its daily unit sales over the last
`HISTORY_DAYS` days (order lines, cancelled orders excluded):

    demand during lead time  d × L          (d = mean daily units, L = lead time in days)
    safety stock             z × σ × √L     (σ = std. dev. of daily units, z = the service level's
                                             normal quantile: 95 % → 1.645)
    reorder point            d × L + safety stock
    suggested quantity       max(0, reorder point + d × REVIEW_DAYS − stock), rounded up

The reasoning is given in plain words with the figures.

Supplier stock: `supplier_stock_refresh` (queued by the commerce beat) asks CJ
(`GET /product/stock/queryByVid`) for the variants with a CJ `vid` checked
longest ago — at most `SUPPLIER_STOCK_BATCH` per run, paced at CJ's lowest
per-user rate (1 request/s) — and keeps the total over CJ's warehouses.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.models import InventoryAlert, Order, OrderLine, Variant

logger = logging.getLogger(__name__)

HISTORY_DAYS = 56
REVIEW_DAYS = 14
DEFAULT_SERVICE_LEVEL = 0.95
SUPPLIER_STOCK_EVERY = timedelta(hours=6)
SUPPLIER_STOCK_BATCH = 300
# CJ's free level allows 1 request per second per user (PROVIDERS.md §3, rate limits).
SUPPLIER_STOCK_PACE_SECONDS = 1.0


def supplier_stock_due(queryset=None):
    """Variants with a CJ vid whose supplier stock is older than `SUPPLIER_STOCK_EVERY` (or never read)."""
    queryset = Variant.objects.all() if queryset is None else queryset
    return queryset.exclude(supplier_variant_id="").filter(
        Q(supplier_stock_checked_at__isnull=True)
        | Q(supplier_stock_checked_at__lt=timezone.now() - SUPPLIER_STOCK_EVERY)
    )


def supplier_stock_refresh(*, workspace, limit: int = SUPPLIER_STOCK_BATCH) -> dict:
    """Read CJ's stock for the workspace's due variants, oldest check first.

    A refused token stops the run (the connection is marked expired by the
    client); another provider failure stops it too — CJ is down or limiting us,
    and the next beat carries on from the same variants."""
    from commerce.providers import cj
    from nexusone.errors import ProviderError

    due = list(
        supplier_stock_due()
        .order_by(F("supplier_stock_checked_at").asc(nulls_first=True), "id")
        .values_list("pk", "supplier_variant_id")[:limit]
    )
    if not due:
        return {"checked": 0, "changed": 0}
    try:
        client = cj.CJClient.for_workspace(workspace)
    except cj.SupplierNotConnected:
        return {"checked": 0, "changed": 0, "reason": "not_connected"}
    checked = changed = 0
    for index, (variant_id, vid) in enumerate(due):
        if index and SUPPLIER_STOCK_PACE_SECONDS:
            time.sleep(SUPPLIER_STOCK_PACE_SECONDS)
        try:
            stock = client.stock(vid)
        except ProviderError as exc:
            logger.warning("commerce: CJ stock of %s failed (%s); stopping this run", vid, exc.code)
            break
        checked += 1
        changed += Variant.objects.filter(pk=variant_id).exclude(supplier_stock=stock).update(supplier_stock=stock)
        Variant.objects.filter(pk=variant_id).update(supplier_stock_checked_at=timezone.now())
    return {"checked": checked, "changed": changed}


def check_low_stock(variant: Variant) -> InventoryAlert | None:
    """Open (and notify) or resolve the variant's alert. Returns the alert opened now, if any."""
    threshold = variant.low_stock_threshold
    open_alert = InventoryAlert.objects.filter(variant=variant, resolved_at__isnull=True).first()
    if threshold is None or variant.stock > threshold:
        if open_alert is not None:
            InventoryAlert.objects.filter(pk=open_alert.pk).update(resolved_at=timezone.now())
        return None
    if open_alert is not None:
        return None
    try:
        with transaction.atomic():
            alert = InventoryAlert.objects.create(
                workspace_id=variant.workspace_id, variant=variant, stock=variant.stock, threshold=threshold
            )
    except IntegrityError:  # a concurrent check opened it
        return None
    from notifications.services import notify

    product = variant.product
    notify(
        workspace=product.workspace,
        kind="commerce_low_stock",
        params={
            "product": product.title,
            "sku": variant.sku or variant.title,
            "stock": variant.stock,
            "threshold": threshold,
        },
        link=f"/w/{product.workspace.slug}/commerce/inventory/",
        dedup_key=f"low_stock:{alert.pk}",
    )
    return alert


def daily_units(variant_ids: list[int], *, days: int = HISTORY_DAYS, today=None) -> dict[int, list[int]]:
    """Units sold per variant per day, oldest first, `days` long (zeros included)."""
    today = today or timezone.now().date()
    start = today - timedelta(days=days)
    rows = (
        OrderLine.objects.filter(
            variant_id__in=variant_ids, order__placed_at__date__gte=start, order__placed_at__date__lt=today
        )
        .exclude(order__status=Order.Fulfillment.CANCELLED)
        .annotate(day=TruncDate("order__placed_at"))
        .values("variant_id", "day")
        .annotate(units=Sum("quantity"))
    )
    series = {vid: [0] * days for vid in variant_ids}
    for row in rows:
        index = (row["day"] - start).days
        if 0 <= index < days:
            series[row["variant_id"]][index] += row["units"]
    return series


@dataclass
class ReorderAdvice:
    variant_id: int
    sku: str
    product: str
    stock: int
    lead_time_days: int
    mean_daily: float
    std_daily: float
    service_level: float
    reorder_point: int
    safety_stock: int
    suggested_quantity: int
    reorder_now: bool
    reasoning: str


def reorder_advice(
    variant: Variant, history: list[int], *, service_level: float = DEFAULT_SERVICE_LEVEL
) -> ReorderAdvice:
    lead = max(int(variant.lead_time_days or 0), 1)
    mean = statistics.fmean(history) if history else 0.0
    std = statistics.pstdev(history) if len(history) > 1 else 0.0
    z = statistics.NormalDist().inv_cdf(service_level)
    safety = z * std * math.sqrt(lead)
    reorder_point = mean * lead + safety
    target = reorder_point + mean * REVIEW_DAYS
    suggested = max(0, math.ceil(target - variant.stock)) if mean > 0 else 0
    reorder_now = mean > 0 and variant.stock <= reorder_point
    if mean <= 0:
        reasoning = _("No sales in the last %(days)d days: nothing to reorder.") % {"days": len(history)}
    else:
        reasoning = _(
            "Sells %(mean).2f a day on average (varying by %(std).2f). Over the %(lead)d-day supplier lead time "
            "that is %(demand).0f units, plus %(safety).0f safety stock for a %(level)d %% service level: reorder "
            "at %(rop).0f. You have %(stock)d; ordering %(qty)d covers the lead time and %(review)d more days."
        ) % {
            "mean": mean,
            "std": std,
            "lead": lead,
            "demand": mean * lead,
            "safety": safety,
            "level": round(service_level * 100),
            "rop": reorder_point,
            "stock": variant.stock,
            "qty": suggested,
            "review": REVIEW_DAYS,
        }
        if variant.supplier_stock is not None and suggested > variant.supplier_stock:
            reasoning += " " + _("The supplier has only %(supplier)d in stock.") % {"supplier": variant.supplier_stock}
    return ReorderAdvice(
        variant_id=variant.pk,
        sku=variant.sku,
        product=variant.product.title,
        stock=variant.stock,
        lead_time_days=lead,
        mean_daily=round(mean, 3),
        std_daily=round(std, 3),
        service_level=service_level,
        reorder_point=math.ceil(reorder_point),
        safety_stock=math.ceil(safety),
        suggested_quantity=suggested,
        reorder_now=reorder_now,
        reasoning=reasoning,
    )


def reorder_recommendations(*, service_level: float = DEFAULT_SERVICE_LEVEL, limit: int = 500) -> list[ReorderAdvice]:
    """Advice for the workspace's variants that sold in the window, those to reorder first."""
    sold = list(
        OrderLine.objects.filter(
            order__placed_at__gte=timezone.now() - timedelta(days=HISTORY_DAYS), variant__isnull=False
        )
        .values_list("variant_id", flat=True)
        .distinct()[:limit]
    )
    variants = list(Variant.objects.filter(pk__in=sold).select_related("product"))
    series = daily_units([v.pk for v in variants])
    advice = [reorder_advice(v, series[v.pk], service_level=service_level) for v in variants]
    return sorted(advice, key=lambda a: (not a.reorder_now, -a.suggested_quantity, a.sku))
