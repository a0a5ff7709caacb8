"""Demand forecasts, cached per variant and per product (commerce.forecast has the maths).

`forecasts_refresh` (the nightly run, queued by the commerce beat once a day
per workspace) computes every variant of the workspace's products that are not
archived, and each product's variants together, `FORECAST_DAYS` ahead from
the `HISTORY_DAYS` days before today, and stores them (`DemandForecast`, one
row per key, upserted). The API and the product page read a stored forecast
while it is fresh (computed today or yesterday; days before today dropped);
when there is none they compute it on demand and store it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from commerce.forecast import Forecast, forecast
from commerce.models import DemandForecast, Product, Variant
from commerce.services.inventory import daily_units
from nexusone.tenancy import require_active_workspace

HISTORY_DAYS = 120
FORECAST_DAYS = 91  # the API's maximum (90) plus the day a forecast may be old
FRESH_DAYS = 1
CHUNK_PRODUCTS = 250
UPDATE_FIELDS = ["product", "variant", "method", "history_days", "smape", "days", "computed_on", "updated_at"]


@dataclass
class ServedForecast:
    method: str
    history_days: int
    smape: float | None
    days: list[dict]
    computed_on: date
    cached: bool


def forecast_key(product_id: int, variant_id: int | None = None) -> str:
    return f"variant:{variant_id}" if variant_id else f"product:{product_id}"


def _today() -> date:
    # daily_units counts days in UTC up to yesterday: the forecast's first day is today (UTC)
    return timezone.now().date()


def _row(workspace_id: int, product_id: int, variant_id: int | None, result: Forecast, today: date) -> DemandForecast:
    return DemandForecast(
        workspace_id=workspace_id,
        product_id=product_id,
        variant_id=variant_id,
        key=forecast_key(product_id, variant_id),
        method=result.method,
        history_days=result.history_days,
        smape=result.smape,
        days=result.days,
        computed_on=today,
    )


def _save(rows: list[DemandForecast]) -> None:
    DemandForecast.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["workspace", "key"], update_fields=UPDATE_FIELDS
    )


def _predict(series: list[int], today: date) -> Forecast:
    return forecast(series, start=today - timedelta(days=len(series)), days=FORECAST_DAYS)


def forecast_get(*, product: Product, variant: Variant | None = None, days: int = 30) -> ServedForecast:
    """The product's (or one variant's) forecast for `days` days from today: stored, or computed now and stored."""
    today = _today()
    key = forecast_key(product.pk, variant.pk if variant else None)
    stored = DemandForecast.objects.filter(key=key, computed_on__gte=today - timedelta(days=FRESH_DAYS)).first()
    cached = stored is not None
    if stored is None:
        variant_ids = [variant.pk] if variant else list(product.variants.values_list("pk", flat=True))
        series = daily_units(variant_ids, days=HISTORY_DAYS, today=today)
        total = [sum(values) for values in zip(*series.values(), strict=True)] if series else [0] * HISTORY_DAYS
        stored = _row(product.workspace_id, product.pk, variant.pk if variant else None, _predict(total, today), today)
        _save([stored])
    first = today.isoformat()
    rows = [row for row in stored.days if row["date"] >= first][:days]
    return ServedForecast(method=stored.method, history_days=stored.history_days, smape=stored.smape, days=rows,
                          computed_on=stored.computed_on, cached=cached)  # fmt: skip


def forecasts_refresh(*, chunk: int = CHUNK_PRODUCTS) -> dict:
    """The nightly run for the active workspace: every variant and product not archived. Safe to run twice."""
    workspace = require_active_workspace()
    today = _today()
    product_ids = list(
        Product.objects.exclude(status=Product.Status.ARCHIVED).order_by("id").values_list("pk", flat=True)
    )
    counts = {"products": 0, "variants": 0}
    methods: dict[str, int] = {}
    for begin in range(0, len(product_ids), chunk):
        ids = product_ids[begin : begin + chunk]
        by_product: dict[int, list[int]] = {pk: [] for pk in ids}
        for variant_id, product_id in Variant.objects.filter(product_id__in=ids).values_list("pk", "product_id"):
            by_product[product_id].append(variant_id)
        series = daily_units([v for vids in by_product.values() for v in vids], days=HISTORY_DAYS, today=today)
        rows = []
        for product_id, variant_ids in by_product.items():
            result = None
            for variant_id in variant_ids:
                result = _predict(series[variant_id], today)
                methods[result.method] = methods.get(result.method, 0) + 1
                rows.append(_row(workspace.pk, product_id, variant_id, result, today))
            if len(variant_ids) != 1:  # one variant: the product's forecast is that variant's
                total = [sum(day) for day in zip(*(series[v] for v in variant_ids), strict=True)] if variant_ids else []
                result = _predict(total or [0] * HISTORY_DAYS, today)
            rows.append(_row(workspace.pk, product_id, None, result, today))
        _save(rows)
        counts["products"] += len(ids)
        counts["variants"] += sum(len(vids) for vids in by_product.values())
    return {**counts, "methods": methods}
