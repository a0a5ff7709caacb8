"""The sync writes a page at a time (`upsert_products` / `upsert_orders`): the same
rows as one upsert per row (the webhooks' path) — stale rows skipped, variants
matched by Shopify id then by SKU, stock levels, order lines replaced with the
variant's cost, the status rules — each new order's effects exactly once
(rollups, `order.created` outbox, CRM), nothing changed by a second run, and a
number of SQL statements per page that does not grow with the page."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import MetricRollup
from commerce import tasks
from commerce.models import InventoryLevel, Order, OrderLine, Product, Variant
from commerce.services import upserts
from commerce.tests.factories import make_store
from nexusone.tenancy import workspace_scope
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

T1 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
T2, T3 = T1 + timedelta(hours=1), T1 + timedelta(hours=2)
PUSHED = "gid://shopify/Product/50"


def variant_row(n: int, k: int, *, sku: str | None = None, cost: int | None = 650, stock: int = 7) -> dict:
    return {
        "external_id": f"gid://shopify/ProductVariant/{n}0{k}",
        "title": f"Size {k}",
        "sku": f"SHOP-{n}-{k}" if sku is None else sku,
        "price_cents": 1999 + k,
        "compare_at_cents": None,
        "cost_cents": cost,
        "stock": stock,
        "inventory_item_id": f"gid://shopify/InventoryItem/{n}0{k}",
        "options": {"Size": str(k)},
        "levels": [
            {"location_id": "gid://shopify/Location/1", "location_name": "Warehouse", "available": stock - 2},
            {"location_id": "gid://shopify/Location/2", "location_name": "Shop", "available": 2},
        ],
    }


def product_row(n: int, *, updated=T1, title: str | None = None, variants: list[dict] | None = None) -> dict:
    return {
        "external_id": f"gid://shopify/Product/{n}",
        "title": f"Shop product {n}" if title is None else title,
        "description": "<p>Nice.</p>",
        "status": "active",
        "tags": ["a", "b"],
        "handle": f"shop-product-{n}",
        "category": "Mugs",
        "updated_at": updated,
        "images": [f"https://cdn.shopify.com/s/files/{n}.jpg"],
        "variants": [variant_row(n, k) for k in (1, 2)] if variants is None else variants,
    }


def line_row(order: int, k: int, *, variant: str, quantity: int = 2) -> dict:
    return {
        "external_id": f"gid://shopify/LineItem/{order}{k}",
        "title": f"Item {k}",
        "sku": "",
        "quantity": quantity,
        "price_cents": 1999,
        "variant_external_id": variant,
    }


def order_row(n: int, *, updated=T1, lines=None, cancelled=False, fulfilled=False, total=4498) -> dict:
    return {
        "external_id": f"gid://shopify/Order/{n}",
        "number": f"#{1000 + n}",
        "financial_status": "paid",
        "cancelled": cancelled,
        "fulfilled": fulfilled,
        "currency": "USD",
        "total_cents": total,
        "shipping_cents": 500,
        "placed_at": T1 - timedelta(days=1, hours=n),
        "updated_at": updated,
        "customer": {
            "external_id": f"gid://shopify/Customer/{n}",
            "email": f"buyer{n}@example.com",
            "name": "Ana Ruiz",
            "phone": "",
        },
        "shipping_address": {"name": "Ana Ruiz", "city": "Austin", "country_code": "US"},
        "lines": [line_row(n, 1, variant="gid://shopify/ProductVariant/101")] if lines is None else lines,
    }


@pytest.fixture
def crm_handed(monkeypatch):
    """The orders handed to the CRM task (a worker's job), per call."""
    calls: list[list[int]] = []
    monkeypatch.setattr(tasks.commerce_orders_to_crm, "delay", lambda **kw: calls.append(list(kw["order_ids"])))
    return calls


@pytest.fixture
def stores(world):
    """In workspaces A and B the same starting point: a store with a webhook endpoint
    for `order.created`, a product made here and pushed (its variants known by SKU
    only), product 9 synced at T2, order 7 (two lines, placed at the supplier) and
    order 8 synced at T2."""
    found = {}
    for name in "AB":
        workspace = world[name].workspace
        store = make_store(workspace, domain="nx-test.myshopify.com")
        WebhookEndpoint.unscoped.create(
            workspace=workspace, url="https://hooks.example.test/orders", events=["order.created"], secret="whsec_test"
        )
        with workspace_scope(workspace):
            pushed = Product.objects.create(
                workspace=workspace,
                store=store,
                external_id=PUSHED,
                title="Mine",
                category="Own",
                images=[{"url": "/media/1.png", "asset_id": 3}],
            )
            for k in (1, 2):
                Variant.objects.create(
                    workspace=workspace,
                    product=pushed,
                    sku=f"MINE-{k}",
                    cost_cents=300,
                    position=k,
                    supplier_variant_id=f"cj-{k}",
                )
            upserts.upsert_products(store, [product_row(9, updated=T2)])
            upserts.upsert_orders(
                store,
                [
                    order_row(
                        7,
                        updated=T1,
                        lines=[
                            line_row(7, 1, variant="gid://shopify/ProductVariant/901"),
                            line_row(7, 2, variant="gid://shopify/ProductVariant/902"),
                        ],
                    ),
                    order_row(8, updated=T2),
                ],
            )
            Order.objects.filter(external_id="gid://shopify/Order/7").update(status=Order.Fulfillment.PLACED)
        found[name] = store
    return found


def the_products() -> list[dict]:
    pushed = product_row(
        50, title="", updated=T2, variants=[variant_row(50, 1, sku="MINE-1", cost=None), variant_row(50, 3, sku="")]
    )
    return [
        product_row(1),
        product_row(2, variants=[variant_row(2, 1, stock=0)]),
        pushed,  # matched by SKU; a new variant beside it
        product_row(9, updated=T1, title="Older"),  # stale: we hold T2
        product_row(3),
    ]


def the_orders() -> list[dict]:
    return [
        order_row(
            1,
            lines=[
                line_row(1, 1, variant="gid://shopify/ProductVariant/101", quantity=3),
                line_row(1, 2, variant="gid://shopify/ProductVariant/5001"),
            ],
        ),
        order_row(2, cancelled=True, total=1000),
        order_row(
            7,
            updated=T2,
            fulfilled=True,  # lines 1 kept (3 now), 2 gone, 3 new
            lines=[
                line_row(7, 1, variant="gid://shopify/ProductVariant/901", quantity=3),
                line_row(7, 3, variant="gid://shopify/ProductVariant/999"),
            ],
        ),
        order_row(8, updated=T1, total=1),  # stale
        order_row(3, fulfilled=True, lines=[line_row(3, 1, variant="")]),  # a custom item: no variant
    ]


def snapshot(workspace) -> dict:
    """Everything the upserts write, keyed by Shopify ids (not by our primary keys)."""
    with workspace_scope(workspace):
        products = {
            p.external_id: (
                p.title,
                p.description,
                p.status,
                p.tags,
                p.handle,
                p.category,
                p.images,
                p.external_updated_at,
                p.supplier,
                p.currency,
            )
            for p in Product.objects.all()
        }
        variants = sorted(
            (
                v.product.external_id,
                v.external_id,
                v.sku,
                v.title,
                v.price_cents,
                v.compare_at_cents or 0,
                v.cost_cents or 0,
                v.stock,
                v.options,
                v.position,
                v.inventory_item_id,
                v.supplier_variant_id,
            )
            for v in Variant.objects.select_related("product")
        )
        levels = sorted(
            (lv.variant.external_id, lv.location_id, lv.location_name, lv.available, lv.external_updated_at)
            for lv in InventoryLevel.objects.select_related("variant")
        )
        orders = {
            o.external_id: (
                o.number,
                o.status,
                o.total_cents,
                o.cost_cents,
                o.shipping_cents,
                o.placed_at,
                o.external_updated_at,
                o.customer_email,
                o.shipping_address,
            )
            for o in Order.objects.all()
        }
        lines = sorted(
            (
                li.order.external_id,
                li.external_id,
                li.variant.external_id if li.variant else "-",
                li.quantity,
                li.price_cents,
                li.cost_cents,
            )
            for li in OrderLine.objects.select_related("order", "variant")
        )
    rollups = sorted(
        (r.hour, r.metric, r.value) for r in MetricRollup.unscoped.filter(workspace=workspace, module="commerce")
    )
    events = sorted(
        (e.data["number"], e.data["total_cents"], e.dedup_key.startswith("order:"))
        for e in WebhookEvent.unscoped.filter(workspace=workspace, type="order.created")
    )
    deliveries = WebhookDelivery.unscoped.filter(workspace=workspace).count()
    return {
        "products": products,
        "variants": variants,
        "levels": levels,
        "orders": orders,
        "lines": lines,
        "rollups": rollups,
        "events": events,
        "deliveries": deliveries,
    }


def one_at_a_time(store, products, orders) -> tuple[list, list]:
    return [upserts.upsert_product(store, row) for row in products], [
        upserts.upsert_order(store, row) for row in orders
    ]


def in_pages(store, products, orders) -> tuple[list, list]:
    return upserts.upsert_products(store, products), upserts.upsert_orders(store, orders)


def test_a_page_writes_the_same_rows_and_effects_as_one_upsert_per_row(
    world, stores, crm_handed, django_capture_on_commit_callbacks
):
    a, b = world["A"].workspace, world["B"].workspace
    before = {"A": snapshot(a), "B": snapshot(b)}
    with django_capture_on_commit_callbacks(execute=True), workspace_scope(a):
        row_products, row_orders = one_at_a_time(stores["A"], the_products(), the_orders())
    handed_by_rows = list(crm_handed)
    crm_handed.clear()
    with django_capture_on_commit_callbacks(execute=True), workspace_scope(b):
        page_products, page_orders = in_pages(stores["B"], the_products(), the_orders())
    assert [p is None for p in page_products] == [p is None for p in row_products] == [False, False, False, True, False]
    assert [(o is None, created) for o, created in page_orders] == [(o is None, c) for o, c in row_orders]
    assert [created for _o, created in page_orders] == [True, True, False, False, True]
    after = snapshot(b)
    assert after == snapshot(a)

    # What that state is, spelled out.
    products, variants = after["products"], after["variants"]
    assert products[PUSHED][0] == "Mine" and products[PUSHED][5] == "Own"  # no title sent; category kept
    assert products[PUSHED][6] == [{"url": "/media/1.png", "asset_id": 3}]  # our stored images kept
    assert products["gid://shopify/Product/9"] == before["B"]["products"]["gid://shopify/Product/9"]  # stale
    mine = [v for v in variants if v[0] == PUSHED]
    assert [(v[1], v[2], v[6], v[9], v[11]) for v in mine] == [
        ("", "MINE-2", 300, 2, "cj-2"),  # not in the payload: left as it was
        ("gid://shopify/ProductVariant/5001", "MINE-1", 300, 0, "cj-1"),  # matched by SKU: same row, no cost sent
        ("gid://shopify/ProductVariant/5003", "", 650, 1, ""),  # new
    ]
    with workspace_scope(b):
        assert Variant.objects.filter(product__external_id=PUSHED).count() == 3
        held = Variant.objects.get(sku="SHOP-1-1")
        assert sorted(held.levels.values_list("location_id", "available")) == [
            ("gid://shopify/Location/1", 5),
            ("gid://shopify/Location/2", 2),
        ]
    orders, lines = after["orders"], after["lines"]
    assert orders["gid://shopify/Order/1"][3] == 3 * 650 + 2 * 300  # the variants' costs × quantities
    assert orders["gid://shopify/Order/2"][1] == "cancelled"
    assert orders["gid://shopify/Order/3"][1] == "fulfilled"
    assert orders["gid://shopify/Order/7"][1] == "placed"  # fulfilled at Shopify, but already placed at CJ
    assert orders["gid://shopify/Order/8"] == before["B"]["orders"]["gid://shopify/Order/8"]  # stale
    assert [(li[1], li[2], li[3], li[5]) for li in lines if li[0] == "gid://shopify/Order/7"] == [
        ("gid://shopify/LineItem/71", "gid://shopify/ProductVariant/901", 3, 650),
        ("gid://shopify/LineItem/73", "-", 2, 0),  # an unknown variant: no cost
    ]
    assert [li[2] for li in lines if li[0] == "gid://shopify/Order/3"] == ["-"]

    # The three new orders' effects, once: rollups (the cancelled one not counted), outbox, CRM.
    hour = {n: T1.replace(minute=0) - timedelta(days=1, hours=n) for n in (1, 2, 3)}
    new_rollups = sorted(set(after["rollups"]) - set(before["B"]["rollups"]))
    assert new_rollups == sorted(
        [
            (hour[1], "orders", 1),
            (hour[1], "revenue_cents", 4498),
            (hour[1], "cost_cents", 3 * 650 + 2 * 300),
            (hour[3], "orders", 1),
            (hour[3], "revenue_cents", 4498),
        ]
    )
    assert sorted(set(after["events"]) - set(before["B"]["events"])) == [
        ("#1001", 4498, True),
        ("#1002", 1000, True),
        ("#1003", 4498, True),
    ]
    assert len(after["events"]) == len(before["B"]["events"]) + 3
    assert after["deliveries"] == before["B"]["deliveries"] + 3
    assert handed_by_rows == [[o.pk] for o, created in row_orders if created]
    assert crm_handed == [[o.pk for o, created in page_orders if created]]  # one task for the page


def test_rows_repeated_in_a_page_and_variants_sharing_a_sku_are_written_as_one_at_a_time(world, stores):
    products = [
        product_row(4, updated=T1, variants=[variant_row(4, 1, stock=3)]),
        product_row(4, updated=T3, title="Renamed", variants=[variant_row(4, 1, stock=9)]),
        product_row(4, updated=T2, title="Late"),  # stale after the T3 one
        product_row(50, updated=T2, variants=[variant_row(50, 5, sku="MINE-2"), variant_row(50, 6, sku="MINE-2")]),
    ]
    orders = [order_row(5, updated=T1), order_row(5, updated=T2, total=10), order_row(6, updated=T1)]
    with workspace_scope(world["A"].workspace):
        one_at_a_time(stores["A"], copy.deepcopy(products), copy.deepcopy(orders))
    with workspace_scope(world["B"].workspace):
        results, created = in_pages(stores["B"], copy.deepcopy(products), copy.deepcopy(orders))
    assert [r is None for r in results] == [False, False, True, False]
    assert [c for _o, c in created] == [True, False, True]
    a, b = snapshot(world["A"].workspace), snapshot(world["B"].workspace)
    assert a == b
    assert b["products"]["gid://shopify/Product/4"][0] == "Renamed"
    assert b["orders"]["gid://shopify/Order/5"][2] == 10
    # Both incoming variants matched the one MINE-2 row: it ends as the second, with the second's stock levels.
    assert [v[1] for v in b["variants"] if v[2] == "MINE-2"] == ["gid://shopify/ProductVariant/5006"]
    assert len(b["events"]) == 2 + 2  # orders 7 and 8 before; 5 and 6 now


def test_running_a_page_again_changes_nothing(world, stores, crm_handed, django_capture_on_commit_callbacks):
    b, store = world["B"].workspace, stores["B"]
    with workspace_scope(b), django_capture_on_commit_callbacks(execute=True):
        in_pages(store, the_products(), the_orders())
    assert [len(ids) for ids in crm_handed] == [3]
    crm_handed.clear()
    with workspace_scope(b), django_capture_on_commit_callbacks(execute=True):
        first = snapshot(b)
        stamps = sorted(Product.objects.values_list("updated_at", flat=True)) + sorted(
            OrderLine.objects.values_list("updated_at", flat=True)
        )
        products, orders = in_pages(store, the_products(), the_orders())
        assert products == [None] * 5 and orders == [(None, False)] * 5  # every row already held: stale
        assert snapshot(b) == first
        assert stamps == sorted(Product.objects.values_list("updated_at", flat=True)) + sorted(
            OrderLine.objects.values_list("updated_at", flat=True)
        )
    assert crm_handed == []


def test_a_row_written_meanwhile_by_a_webhook_is_updated_not_duplicated(world, stores, monkeypatch):
    b, store = world["B"].workspace, stores["B"]
    real, calls = upserts._held, []

    def held_before_the_webhook(model, store, rows):
        calls.append(model)
        if len(calls) == 1:  # our lookup ran before the webhook's product 1 committed
            return {}
        return real(model, store, rows)

    with workspace_scope(b):
        upserts.upsert_product(store, product_row(1, updated=T1, title="From a webhook"))
        monkeypatch.setattr(upserts, "_held", held_before_the_webhook)
        upserts.upsert_products(store, [product_row(1, updated=T2, title="From the sync"), product_row(2)])
        assert len(calls) == 2  # the page was written once more, seeing the webhook's row
        assert list(Product.objects.filter(external_id="gid://shopify/Product/1").values_list("title", flat=True)) == [
            "From the sync"
        ]
        assert Product.objects.filter(external_id="gid://shopify/Product/2").count() == 1


def statements(write) -> int:
    with CaptureQueriesContext(connection) as queries:
        write()
    return len(queries)


def test_a_page_costs_the_same_statements_for_10_and_100_rows(
    world, stores, crm_handed, django_capture_on_commit_callbacks
):
    b, store = world["B"].workspace, stores["B"]
    catalogue = [product_row(n) for n in range(100, 210)]
    with workspace_scope(b):
        new_products = [
            statements(lambda: upserts.upsert_products(store, page)) for page in (catalogue[:10], catalogue[10:110])
        ]
        newer = [{**row, "updated_at": T2} for row in catalogue]
        changed_products = [
            statements(lambda: upserts.upsert_products(store, page)) for page in (newer[:10], newer[10:110])
        ]
        orders = [
            order_row(
                n,
                lines=[
                    line_row(n, 1, variant=f"gid://shopify/ProductVariant/{n}01"),
                    line_row(n, 2, variant="gid://shopify/ProductVariant/999"),
                ],
            )
            for n in range(100, 210)
        ]
        new_orders = []
        for page in (orders[:10], orders[10:110]):
            with django_capture_on_commit_callbacks(execute=True):
                new_orders.append(statements(lambda page=page: upserts.upsert_orders(store, page)))
        newer = [{**row, "updated_at": T2, "lines": [*row["lines"][:1], line_row(1, 3, variant="")]} for row in orders]
        changed_orders = [
            statements(lambda: upserts.upsert_orders(store, page)) for page in (newer[:10], newer[10:110])
        ]
        assert Order.objects.filter(external_id__in=[row["external_id"] for row in orders[:110]]).count() == 110
    # (the counts include this test's savepoints; new orders: the rollup UPSERT, a look at the sealed
    # days for their late hours, the outbox rows)
    assert new_products[0] == new_products[1] <= 6, new_products
    assert changed_products[0] == changed_products[1] <= 7, changed_products
    assert new_orders[0] == new_orders[1] <= 16, new_orders
    assert changed_orders[0] == changed_orders[1] <= 9, changed_orders
    assert [len(ids) for ids in crm_handed] == [10, 100]


def test_a_crm_task_queued_in_the_former_one_order_form_still_runs(world, stores):
    from crm.models import Activity

    b, store = world["B"].workspace, stores["B"]
    with workspace_scope(b):
        (order, created), *_rest = upserts.upsert_orders(store, [order_row(11)])
    assert created
    tasks.commerce_order_to_crm(workspace_id=b.pk, order_id=order.pk)
    with workspace_scope(b):
        assert Activity.objects.filter(dedupe_key=f"commerce:order:{order.pk}", type="purchase").count() == 1
        assert Order.objects.get(pk=order.pk).contact.email == "buyer11@example.com"
