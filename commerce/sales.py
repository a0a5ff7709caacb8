"""Sales figures from orders (cancelled ones left out), per day or per product,
in each order's currency: revenue, product cost, supplier shipping, fees,
gross margin and margin %."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from commerce.models import Order, OrderLine

MAX_DAYS = 366


def _range(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), zone),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone))  # fmt: skip


def _margin(row: dict) -> dict:
    margin = row["revenue_cents"] - row["cost_cents"] - row.get("shipping_cents", 0) - row.get("fees_cents", 0)
    row["gross_margin_cents"] = margin
    row["margin_percent"] = round(margin * 100 / row["revenue_cents"], 1) if row["revenue_cents"] else None
    return row


def sales(*, start: date, end: date, group: str = "day") -> list[dict]:
    since, until = _range(start, end)
    if group == "product":
        lines = (
            OrderLine.objects.filter(order__placed_at__gte=since, order__placed_at__lt=until)
            .exclude(order__status=Order.Fulfillment.CANCELLED)
            .values("variant__product_id", "variant__product__title", "order__currency")
            .annotate(units=Sum("quantity"), revenue_cents=Sum(F("price_cents") * F("quantity")),
                      cost_cents=Sum(F("cost_cents") * F("quantity")))
            .order_by("-revenue_cents")
        )  # fmt: skip
        return [
            _margin({"product_id": r["variant__product_id"], "product": r["variant__product__title"] or "",
                     "currency": r["order__currency"], "units": r["units"] or 0,
                     "revenue_cents": r["revenue_cents"] or 0, "cost_cents": r["cost_cents"] or 0})
            for r in lines
        ]  # fmt: skip
    days = (
        Order.objects.filter(placed_at__gte=since, placed_at__lt=until)
        .exclude(status=Order.Fulfillment.CANCELLED)
        .annotate(day=TruncDate("placed_at"))
        .values("day", "currency")
        .annotate(orders=Sum(1), revenue_cents=Sum("total_cents"), cost_cents=Sum("cost_cents"),
                  shipping_cents=Sum("supplier_shipping_cents"), fees_cents=Sum("fees_cents"))
        .order_by("day", "currency")
    )  # fmt: skip
    return [
        _margin({"date": r["day"].isoformat(), "currency": r["currency"], "orders": r["orders"] or 0,
                 "revenue_cents": r["revenue_cents"] or 0, "cost_cents": r["cost_cents"] or 0,
                 "shipping_cents": r["shipping_cents"] or 0, "fees_cents": r["fees_cents"] or 0})
        for r in days
    ]  # fmt: skip


def commissions(*, start: date, end: date) -> list[dict]:
    """Per partner and currency: the commission over the period, rule by rule
    (a product rule counts that product's lines; a store rule every order of the
    store, or of every store when none is named)."""
    from decimal import ROUND_HALF_UP, Decimal

    from commerce.models import CommissionRule

    since, until = _range(start, end)
    lines = OrderLine.objects.filter(order__placed_at__gte=since, order__placed_at__lt=until).exclude(
        order__status=Order.Fulfillment.CANCELLED
    )
    totals: dict[tuple[str, str], dict] = {}
    for rule in CommissionRule.objects.all():
        scoped = lines
        if rule.product_id:
            scoped = scoped.filter(variant__product_id=rule.product_id)
        if rule.store_id:
            scoped = scoped.filter(order__store_id=rule.store_id)
        for row in scoped.values("order__currency").annotate(
            revenue=Sum(F("price_cents") * F("quantity")), cost=Sum(F("cost_cents") * F("quantity"))
        ):
            base = (row["revenue"] or 0) - ((row["cost"] or 0) if rule.basis == "margin" else 0)
            amount = int((Decimal(base) * rule.percent / 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
            key = (rule.partner, row["order__currency"])
            entry = totals.setdefault(key, {"partner": rule.partner, "currency": row["order__currency"],
                                            "base_cents": 0, "commission_cents": 0, "rules": 0})  # fmt: skip
            entry["base_cents"] += base
            entry["commission_cents"] += amount
            entry["rules"] += 1
    return sorted(totals.values(), key=lambda e: (e["partner"], e["currency"]))
