"""Store sync against the Shopify GraphQL double: connect → store, webhook
subscriptions and a first full sync across pages; THROTTLED waits; incremental
runs; productSet pushes (idempotent, userErrors shown); a refused token."""

from __future__ import annotations

import pytest

from commerce.models import InventoryLevel, Order, Product, Store, Variant
from commerce.providers import shopify as shopify_client
from commerce.tests.shopify_double import SHOP, ShopifyGraphQLDouble, order_node, product_node
from crm.models import Activity, Contact
from integrations.models import Connection
from nexusone.outbound import client as door
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def waits(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(door, "sleep", slept.append)
    monkeypatch.setattr(shopify_client, "pace_sleep", slept.append)
    return slept


def test_connecting_creates_the_store_registers_webhooks_and_syncs_everything(
    shop, connect_shopify, monkeypatch, waits
):
    monkeypatch.setattr(shopify_client, "PAGE_SIZE", 2)
    double = ShopifyGraphQLDouble(
        products=[product_node(n) for n in range(1, 6)],
        orders=[order_node(n, variant_product=1 + n % 5) for n in range(1, 4)],
        customers=[{"id": "gid://shopify/Customer/99", "email": "loyal@example.com", "firstName": "Lia",
                    "lastName": "Sol", "phone": None, "updatedAt": "2026-12-01T08:00:00Z"}],
    )  # fmt: skip
    with double.installed():
        store = connect_shopify()
    assert store.domain == SHOP and store.sync_status == "done", store.sync_error
    assert sorted(w["topic"] for w in double.webhooks) == sorted(
        ["ORDERS_CREATE", "ORDERS_UPDATED", "PRODUCTS_CREATE", "PRODUCTS_UPDATE", "PRODUCTS_DELETE",
         "INVENTORY_LEVELS_UPDATE", "APP_UNINSTALLED"])  # fmt: skip
    assert all(w["uri"].endswith("/webhooks/shopify/") for w in double.webhooks)
    product_pages = [q for q in double.queries if "products(" in q["query"]]
    assert len(product_pages) == 3 and product_pages[1]["variables"]["after"]  # 2 + 2 + 1, by cursor
    assert Product.unscoped.filter(store=store).count() == 5
    variant = Variant.unscoped.get(external_id="gid://shopify/ProductVariant/101")
    assert (variant.sku, variant.price_cents, variant.cost_cents, variant.stock) == ("SHOP-1", 1999, 650, 7)
    assert InventoryLevel.unscoped.get(variant=variant).available == 7
    assert Order.unscoped.filter(store=store).count() == 3
    order = Order.unscoped.get(external_id="gid://shopify/Order/1")
    assert (order.total_cents, order.shipping_cents, order.cost_cents) == (4498, 500, 1300)
    assert order.shipping_address["country_code"] == "US"
    # Customers became CRM contacts at stage "customer"; each order one purchase activity.
    contact = Contact.unscoped.get(email="buyer1@example.com")
    assert contact.stage == "customer" and order.contact_id == contact.pk
    assert Activity.unscoped.filter(contact=contact, type="purchase").count() == 1
    assert Contact.unscoped.get(email="loyal@example.com").stage == "customer"
    assert store.sync_progress["products"] == 5 and store.sync_progress["orders"] == 3
    assert all(q["variables"].get("query") is None or "created_at" in (q["variables"].get("query") or "")
               for q in double.queries if "orders(" in q["query"])  # fmt: skip


def test_throttled_answers_wait_for_the_bucket_then_succeed(shop, shopify_store, waits):
    double = ShopifyGraphQLDouble(products=[product_node(1)])
    double.throttle_next = [200, 429]  # THROTTLED as HTTP 200, then as 429
    with double.installed(), workspace_scope(shop.workspace):
        from commerce.services.sync import sync_run

        sync_run(store_id=shopify_store.pk, full=True)
    assert waits[:2] == [2.0, 2.0]  # (752 requested − 552 available) / 100 restored per second
    assert Product.unscoped.filter(store=shopify_store).count() == 1


def test_a_second_sync_asks_only_for_what_changed(shop, shopify_store, waits):
    from commerce.services.sync import sync_run

    double = ShopifyGraphQLDouble(products=[product_node(1), product_node(2, updated="2026-12-02T10:00:00Z")])
    with double.installed(), workspace_scope(shop.workspace):
        sync_run(store_id=shopify_store.pk)
        double.queries.clear()
        double.products[0] = product_node(1, updated="2026-12-03T10:00:00Z", stock=3)
        sync_run(store_id=shopify_store.pk)
    query = next(q for q in double.queries if "products(" in q["query"])["variables"]["query"]
    assert query == "updated_at:>'2026-12-02T10:00:00Z'"
    assert Variant.unscoped.get(sku="SHOP-1").stock == 3


def test_the_sync_endpoint_answers_202_and_runs(shop, shopify_store, run_commit_hooks, waits):
    double = ShopifyGraphQLDouble(products=[product_node(1)])
    with double.installed(), run_commit_hooks():
        answer = shop.client("member").post(f"/api/v1/stores/{shopify_store.pk}/sync")
    assert answer.status_code == 202 and answer.json()["sync_status"] == "queued"
    assert Store.unscoped.get(pk=shopify_store.pk).sync_status == "done"
    assert shop.client("viewer").post(f"/api/v1/stores/{shopify_store.pk}/sync").status_code == 403


def test_push_writes_the_product_once_and_updates_it_after(shop, shopify_store, waits):
    from commerce.tests.factories import make_product

    product = make_product(shop.workspace, variants=2, store=shopify_store, title="Bamboo bottle")
    double = ShopifyGraphQLDouble()
    client = shop.client("member")
    with double.installed():
        first = client.post(f"/api/v1/products/{product.pk}/push")
        second = client.post(f"/api/v1/products/{product.pk}/push")
    assert first.status_code == 200 and second.status_code == 200, first.content
    assert len(double.pushed) == 1  # the second push updated the same product
    sets = [q["variables"] for q in double.queries if "productSet(" in q["query"]]
    assert sets[0]["identifier"] == {"handle": f"nx-{product.stable_key}"}
    assert sets[1]["identifier"] == {"id": first.json()["external_id"]}
    skus = list(Variant.unscoped.filter(product=product).values_list("sku", flat=True))
    assert [v["sku"] for v in sets[0]["input"]["variants"]] == skus
    assert sets[0]["input"]["variants"][0]["price"] == "19.99"


def test_user_errors_are_shown(shop, shopify_store, waits):
    from commerce.tests.factories import make_product

    product = make_product(shop.workspace, store=shopify_store, title="")
    with ShopifyGraphQLDouble().installed():
        answer = shop.client().post(f"/api/v1/products/{product.pk}/push")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "store_refused" and "Title can't be blank" in error["message"]
    assert error["details"]["user_errors"][0]["field"] == ["input", "title"]


def test_a_refused_token_expires_the_connection(shop, shopify_store, waits):
    from commerce.services.sync import sync_run

    double = ShopifyGraphQLDouble(token="another")
    with double.installed(), workspace_scope(shop.workspace), pytest.raises(shopify_client.StoreRejected):
        sync_run(store_id=shopify_store.pk)
    assert Connection.unscoped.get(provider="shopify").status == "expired"
    assert Store.unscoped.get(pk=shopify_store.pk).sync_status == "failed"


def test_other_workspaces_cannot_sync_or_push(world, shopify_store):
    from commerce.tests.factories import make_product

    product = make_product(world["A"].workspace, store=shopify_store)
    client = world["B"].client()
    assert client.post(f"/api/v1/stores/{shopify_store.pk}/sync").status_code == 404
    assert client.post(f"/api/v1/products/{product.pk}/push").status_code == 404
