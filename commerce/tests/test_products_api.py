"""/api/v1/products/: keyset pages, detail, CRUD with validation, isolation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.models import Product, Variant
from commerce.pricing import sell_price_cents
from commerce.tests.factories import make_product, make_store

pytestmark = pytest.mark.django_db

BASE = "/api/v1/products/"


def test_list_pages_by_cursor_newest_first(world):
    tenant = world["A"]
    made = [make_product(tenant.workspace) for _ in range(5)]
    make_product(world["B"].workspace)
    client = tenant.client("viewer")
    first = client.get(BASE, {"page_size": 2}).json()
    assert first["count"] == 5 and [p["id"] for p in first["results"]] == [made[4].pk, made[3].pk]
    assert "cursor=" in first["next"]
    second = client.get(first["next"]).json()
    assert [p["id"] for p in second["results"]] == [made[2].pk, made[1].pk]
    assert second["results"][0]["variants"][0]["sku"].startswith("SKU-")


def test_detail_and_other_workspaces_are_404(world):
    product = make_product(world["A"].workspace, variants=2)
    detail = world["A"].client("viewer").get(f"{BASE}{product.pk}")
    assert detail.status_code == 200 and len(detail.json()["variants"]) == 2
    assert world["B"].client().get(f"{BASE}{product.pk}").status_code == 404
    assert world["B"].client().delete(f"{BASE}{product.pk}").status_code == 404
    assert world["A"].client().get(f"{BASE}999999").status_code == 404


def test_create_update_delete(world):
    tenant = world["A"]
    store = make_store(tenant.workspace, currency="EUR")
    client = tenant.client("member")
    body = {
        "title": "Mug",
        "tags": ["kitchen"],
        "store_id": store.pk,
        "variants": [
            {"sku": "MUG-W", "options": {"Color": "White"}, "price_cents": 1299, "compare_at_cents": 1599},
            {"sku": "MUG-B", "options": {"Color": "Black"}, "price_cents": 1299, "cost_cents": 400},
        ],
    }
    created = client.post(BASE, body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["currency"] == "EUR" and data["store_id"] == store.pk and len(data["variants"]) == 2
    keep = data["variants"][0]["id"]
    changed = client.patch(
        f"{BASE}{data['id']}",
        {"title": "Big mug", "variants": [{"id": keep, "sku": "MUG-W", "price_cents": 1499}]},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "Big mug"
    assert [v["id"] for v in changed.json()["variants"]] == [keep]
    assert Variant.unscoped.filter(product_id=data["id"]).count() == 1
    assert client.delete(f"{BASE}{data['id']}").status_code == 204
    assert not Product.unscoped.filter(pk=data["id"]).exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "x" * 300},
        {"title": "A", "variants": [{"price_cents": -1}]},
        {"title": "A", "variants": [{"price_cents": "ten"}]},
        {"title": "A", "variants": [{"price_cents": 500, "compare_at_cents": 400}]},
        {"title": "A", "variants": [{"sku": "S", "price_cents": 1}, {"sku": "S", "price_cents": 2}]},
        {"title": "A", "currency": "euro"},
        {"title": "A", "status": "sold"},
        {"title": "A", "store_id": 987654},
        {"title": "A", "tags": "not-a-list"},
        {"title": "A", "variants": "nope"},
    ],
)
def test_bad_input_is_a_400(world, body):
    answer = world["A"].client().post(BASE, body, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] == "validation_error"


def test_another_workspaces_store_cannot_be_linked(world):
    foreign = make_store(world["B"].workspace)
    answer = world["A"].client().post(BASE, {"title": "A", "store_id": foreign.pk}, format="json")
    assert answer.status_code == 400


def test_viewers_read_but_do_not_write(world):
    client = world["A"].client("viewer")
    assert client.get(BASE).status_code == 200
    assert client.post(BASE, {"title": "A"}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("cost", "mode", "value", "ending", "expected"),
    [
        (1240, "multiplier", "2", 99, 2499),  # 24.80 → 24.99
        (1250, "multiplier", "2", 99, 2599),  # 25.00 → 25.99
        (1000, "multiplier", "2.5", 99, 2599),  # 25.00 → 25.99
        (1299, "multiplier", "1.5", None, 1949),  # 19.485 → 19.49 (half up), no ending
        (700, "margin", "10", 99, 1799),  # 7 + 10 = 17.00 → 17.99
        (1799, "margin", "0", 99, 1799),  # already ends in .99
        (1, "multiplier", "1", 95, 95),
    ],
)
def test_pricing_rule(cost, mode, value, ending, expected):
    assert sell_price_cents(cost, mode=mode, value=Decimal(value), ending_cents=ending) == expected
