"""Sales (per day / per product, CSV), commissions, and the demand forecast
against hand-computed values."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from commerce.forecast import forecast, smape
from commerce.models import OrderLine
from commerce.tests.factories import make_commission_rule, make_order, make_product, make_store, make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(shop):
    store = make_store(shop.workspace)
    product = make_product(shop.workspace, variants=0, title="Mug")
    variant = make_variant(shop.workspace, product=product, cost_cents=400)
    day = timezone.now() - timedelta(days=2)
    for total, qty in ((2000, 2), (1000, 1)):
        order = make_order(shop.workspace, store=store, placed_at=day, total_cents=total, cost_cents=400 * qty,
                           supplier_shipping_cents=300, fees_cents=100)  # fmt: skip
        OrderLine.unscoped.create(workspace=shop.workspace, order=order, variant=variant, quantity=qty,
                                  price_cents=1000, cost_cents=400)  # fmt: skip
    make_order(shop.workspace, store=store, placed_at=day, total_cents=9999, status="cancelled")
    return product, store


def test_sales_per_day_and_per_product(shop, sold):
    client = shop.client("viewer")
    days = client.get("/api/v1/commerce/sales").json()["results"]
    assert len(days) == 1
    row = days[0]
    # revenue 3000, cost 1200, shipping 600, fees 200 → margin 1000 = 33.3 %
    assert (row["orders"], row["revenue_cents"], row["cost_cents"], row["shipping_cents"], row["fees_cents"]) == (
        2, 3000, 1200, 600, 200)  # fmt: skip
    assert row["gross_margin_cents"] == 1000 and row["margin_percent"] == 33.3
    products = client.get("/api/v1/commerce/sales", {"group": "product"}).json()["results"]
    assert products[0]["product"] == "Mug" and products[0]["units"] == 3 and products[0]["gross_margin_cents"] == 1800
    csv = client.get("/api/v1/commerce/sales", {"download": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and b"revenue_cents" in csv.content


@pytest.mark.parametrize(
    "params", [{"from": "2026-13-01"}, {"from": "2026-12-05", "to": "2026-12-01"}, {"from": "2020-01-01"},
               {"group": "week"}],
)  # fmt: skip
def test_bad_periods_are_400(shop, params):
    assert shop.client().get("/api/v1/commerce/sales", params).status_code == 400


def test_commissions_per_partner(shop, sold):
    product, store = sold
    make_commission_rule(shop.workspace, partner="Ana", percent="10")  # 10 % of all revenue: 300
    make_commission_rule(shop.workspace, partner="Ana", percent="5", basis="margin", product=product)  # 5 % of 1800: 90
    make_commission_rule(shop.workspace, partner="Luis", percent="12.5", store=store)  # 12.5 % of 3000: 375
    rows = shop.client().get("/api/v1/commerce/commissions").json()["results"]
    assert [(r["partner"], r["commission_cents"]) for r in rows] == [("Ana", 390), ("Luis", 375)]


def test_commission_rules_api(shop, world):
    client = shop.client("admin")
    created = client.post("/api/v1/commerce/commission-rules", {"partner": "Eva", "percent": "7.5"}, format="json")
    assert created.status_code == 201
    assert client.post("/api/v1/commerce/commission-rules", {"partner": "Eva", "percent": "150"},
                       format="json").status_code == 400  # fmt: skip
    assert shop.client("member").post("/api/v1/commerce/commission-rules", {"partner": "X", "percent": "1"},
                                      format="json").status_code == 403  # fmt: skip
    assert world["B"].client().delete(f"/api/v1/commerce/commission-rules/{created.json()['id']}").status_code == 404


def test_forecast_without_history_uses_the_fallback():
    result = forecast([0] * 30, start=date(2026, 11, 1), days=7)
    assert result.method == "no_history" and result.history_days == 0
    assert [d["units"] for d in result.days] == [0.0] * 7 and result.days[0]["date"] == "2026-12-01"


def test_forecast_mean_for_short_histories():
    result = forecast([0, 0, 2, 4], start=date(2026, 11, 27), days=3)
    assert result.method == "mean" and result.history_days == 2
    assert [d["units"] for d in result.days] == [3.0, 3.0, 3.0]
    # σ of [2, 4] = 1 → 80 % interval ± 1.2816
    assert (result.days[0]["low"], result.days[0]["high"]) == (1.72, 4.28)


def test_forecast_weekly_profile_and_backtest():
    start = date(2026, 10, 5)  # a Monday
    history = [7 if (start + timedelta(days=i)).weekday() == 0 else 0 for i in range(56)]
    history[0] = 7
    result = forecast(history, start=start, days=7)
    assert result.method == "weekly_profile" and result.history_days == 56
    mondays = [d for d in result.days if date.fromisoformat(d["date"]).weekday() == 0]
    others = [d for d in result.days if date.fromisoformat(d["date"]).weekday() != 0]
    assert [d["units"] for d in mondays] == [7.0] and all(d["units"] == 0 for d in others)
    assert result.smape == 0.0 and mondays[0]["low"] == mondays[0]["high"] == 7.0


def test_smape_by_hand():
    # |10−8|·2/18 = 0.2222, |0−0| → 0, |5−10|·2/15 = 0.6667 → mean 0.2963 → 29.63 %
    assert smape([8, 0, 10], [10, 0, 5]) == 29.63


def test_forecast_endpoint(shop, sold):
    product, _store = sold
    answer = shop.client("viewer").get(f"/api/v1/products/{product.pk}/forecast", {"days": 10})
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["method"] == "mean" and data["history_days"] >= 1 and len(data["days"]) == 10
    assert shop.client().get(f"/api/v1/products/{product.pk}/forecast", {"days": 500}).status_code == 400
    empty = make_product(shop.workspace)
    assert shop.client().get(f"/api/v1/products/{empty.pk}/forecast").json()["history_days"] == 0
