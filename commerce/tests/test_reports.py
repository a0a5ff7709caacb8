"""Sales (per day / per product, CSV), commissions, and the demand forecast
against hand-computed values."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from django.utils import timezone

from commerce.forecast import forecast, smape
from commerce.models import OrderLine, Variant
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
    history = [7 if (start + timedelta(days=i)).weekday() == 0 else 0 for i in range(49)]
    history[0] = 7
    result = forecast(history, start=start, days=7)
    assert result.method == "weekly_profile" and result.history_days == 49  # under 8 weeks
    mondays = [d for d in result.days if date.fromisoformat(d["date"]).weekday() == 0]
    others = [d for d in result.days if date.fromisoformat(d["date"]).weekday() != 0]
    assert [d["units"] for d in mondays] == [7.0] and all(d["units"] == 0 for d in others)
    assert result.smape == 0.0 and mondays[0]["low"] == mondays[0]["high"] == 7.0


def test_ets_with_weekly_seasonality_from_eight_weeks():
    start = date(2026, 9, 7)  # a Monday
    history = [7 if (start + timedelta(days=i)).weekday() == 0 else 0 for i in range(84)]
    result = forecast(history, start=start, days=14)
    assert result.method == "ets_weekly" and result.history_days == 84
    assert result.days[0]["date"] == "2026-11-30"  # a Monday, the day after the history
    for row in result.days:
        monday = date.fromisoformat(row["date"]).weekday() == 0
        assert abs(row["units"] - (7 if monday else 0)) < 0.5, row
        assert row["low"] <= row["units"] <= row["high"]
    # the backtest forecast the last 4 Mondays at ~7 and the other days below half a unit: exact
    assert result.smape == 0.0


def test_ets_on_a_flat_series_is_flat_with_no_spread():
    result = forecast([5] * 70, start=date(2026, 9, 1), days=5)
    assert result.method == "ets_weekly" and result.smape == 0.0
    assert [(d["units"], d["low"], d["high"]) for d in result.days] == [(5.0, 5.0, 5.0)] * 5


def test_ets_interval_widens_with_noise():
    import random

    rng = random.Random(7)
    start = date(2026, 8, 3)  # a Monday
    history = [max(0, round((10 if (start + timedelta(days=i)).weekday() == 5 else 3) + rng.gauss(0, 1.5)))
               for i in range(112)]  # fmt: skip
    result = forecast(history, start=start, days=7)
    assert result.method == "ets_weekly"
    saturday = next(d for d in result.days if date.fromisoformat(d["date"]).weekday() == 5)
    other = next(d for d in result.days if date.fromisoformat(d["date"]).weekday() == 2)
    assert 8 < saturday["units"] < 12 and 1.5 < other["units"] < 4.5
    spread = saturday["high"] - saturday["low"]
    assert 2 < spread < 8  # ≈ 2 × 1.2816 × σ (σ ≈ 1.5)
    assert 0 < result.smape < 60  # small daily counts: sMAPE runs high


def test_smape_counts_a_near_zero_forecast_of_a_day_without_sales_as_exact():
    assert smape([0, 0, 4], [0.3, 0.6, 4]) == round(100 * (0 + 2 + 0) / 3, 2)


def test_smape_by_hand():
    # |10−8|·2/18 = 0.2222, |0−0| → 0, |5−10|·2/15 = 0.6667 → mean 0.2963 → 29.63 %
    assert smape([8, 0, 10], [10, 0, 5]) == 29.63


def test_forecast_endpoint(shop, sold):
    product, _store = sold
    answer = shop.client("viewer").get(f"/api/v1/products/{product.pk}/forecast", {"days": 10})
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["method"] == "mean" and data["history_days"] >= 1 and len(data["days"]) == 10
    assert data["cached"] is False and data["days"][0]["date"] == timezone.now().date().isoformat()
    again = shop.client("viewer").get(f"/api/v1/products/{product.pk}/forecast", {"days": 10}).json()
    assert again["cached"] is True and again["days"] == data["days"]
    assert shop.client().get(f"/api/v1/products/{product.pk}/forecast", {"days": 500}).status_code == 400
    empty = make_product(shop.workspace)
    assert shop.client().get(f"/api/v1/products/{empty.pk}/forecast").json()["history_days"] == 0


def test_the_nightly_run_stores_every_variant_and_product(shop, sold, settings):
    from commerce.models import DemandForecast
    from commerce.tasks import commerce_forecasts_nightly

    product, _store = sold
    other = make_product(shop.workspace, variants=2, title="Two variants")
    make_product(shop.workspace, variants=1, status="archived")
    result = commerce_forecasts_nightly(workspace_id=shop.workspace.pk)
    assert result["products"] == 2 and result["variants"] == 3, result
    keys = set(DemandForecast.unscoped.filter(workspace=shop.workspace).values_list("key", flat=True))
    variant_keys = {f"variant:{pk}" for pk in Variant.unscoped.filter(product=other).values_list("pk", flat=True)}
    mug_variant = Variant.unscoped.get(product=product)
    assert keys == {f"product:{product.pk}", f"product:{other.pk}", f"variant:{mug_variant.pk}", *variant_keys}
    stored = DemandForecast.unscoped.get(key=f"product:{product.pk}")
    assert stored.method == "mean" and len(stored.days) == 91
    # a second run updates the same rows
    commerce_forecasts_nightly(workspace_id=shop.workspace.pk)
    assert DemandForecast.unscoped.filter(workspace=shop.workspace).count() == 5
    served = shop.client().get(f"/api/v1/products/{product.pk}/forecast", {"variant": mug_variant.pk}).json()
    assert served["cached"] is True and served["method"] == "mean" and len(served["days"]) == 30


def test_the_beat_queues_the_nightly_forecast_once_a_day(shop, sold, monkeypatch):
    from datetime import datetime

    from commerce import tasks

    queued = []
    monkeypatch.setattr(tasks.commerce_forecasts_nightly, "delay", lambda **kw: queued.append(kw))
    night = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
    assert tasks._forecast_workspaces(night) == []  # before 01:00 UTC
    morning = night.replace(hour=1, minute=15)
    assert tasks._forecast_workspaces(morning) == [shop.workspace.pk]
    assert tasks._forecast_workspaces(morning.replace(hour=3)) == []  # once that day
    assert tasks._forecast_workspaces(morning + timedelta(days=1)) == [shop.workspace.pk]
