"""/webhooks/shopify/: base64 HMAC of the raw body (401 and nothing stored
otherwise), deduplicated by event id, stale updates ignored, each topic
handled — including app/uninstalled and the three compliance topics."""

from __future__ import annotations

import json

import pytest

from commerce.models import InventoryAlert, Order, Product, ShopifyEvent, Store, Variant
from commerce.tests.factories import make_order, make_product
from commerce.tests.shopify_double import SHOP, signed
from crm.models import Contact
from integrations.models import Connection
from medialib.models import MediaAsset
from notifications.models import Notification

pytestmark = pytest.mark.django_db

SECRET = "shopify-app-secret"
URL = "/webhooks/shopify/"


def order_payload(n=820982911946154508, updated="2026-12-05T10:00:00-05:00", total="199.00", email="jon@example.com"):
    return {
        "id": n, "admin_graphql_api_id": f"gid://shopify/Order/{n}", "name": "#9999", "email": email,
        "created_at": "2026-12-05T09:00:00-05:00", "updated_at": updated, "cancelled_at": None,
        "currency": "USD", "financial_status": "paid", "fulfillment_status": None, "total_price": total,
        "total_shipping_price_set": {"shop_money": {"amount": "10.00", "currency_code": "USD"},
                                     "presentment_money": {"amount": "10.00", "currency_code": "USD"}},
        "customer": {"id": 115310627314723954, "email": email, "first_name": "John", "last_name": "Smith"},
        "shipping_address": {"first_name": "John", "last_name": "Smith", "name": "John Smith",
                             "address1": "123 Shipping Street", "address2": "", "city": "Shippington",
                             "province": "Kentucky", "province_code": "KY", "zip": "40003",
                             "country": "United States", "country_code": "US", "phone": "555-555-SHIP"},
        "line_items": [{"id": 866550311766439020, "variant_id": 808950810, "title": "IPod Nano - 8GB",
                        "quantity": 1, "sku": "IPOD2008PINK", "price": "199.00", "product_id": 632910392}],
    }  # fmt: skip


def deliver(client, topic, payload, *, event_id="ev-1", webhook_id=None, secret=SECRET, shop=SHOP, signature=None,
            hooks=None):  # fmt: skip
    raw, good = signed(secret, payload)
    headers = {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": shop,
        "HTTP_X_SHOPIFY_EVENT_ID": event_id,
        "HTTP_X_SHOPIFY_WEBHOOK_ID": webhook_id or f"wh-{event_id}",
        "HTTP_X_SHOPIFY_API_VERSION": "2026-10",
        "HTTP_X_SHOPIFY_TRIGGERED_AT": "2026-12-05T15:00:00Z",
    }
    if signature is not False:
        headers["HTTP_X_SHOPIFY_HMAC_SHA256"] = good if signature is None else signature
    with hooks():
        return client.post(URL, raw, content_type="application/json", **headers)


@pytest.fixture
def send(client, run_commit_hooks, shopify_store):
    return lambda topic, payload, **kw: deliver(client, topic, payload, hooks=run_commit_hooks, **kw)


def test_a_signed_order_is_stored_once_and_processed(send, shopify_store):
    answer = send("orders/create", order_payload())
    assert answer.status_code == 200
    order = Order.unscoped.get(store=shopify_store)
    assert (order.number, order.total_cents, order.customer_email) == ("#9999", 19900, "jon@example.com")
    assert order.shipping_address["city"] == "Shippington"
    assert ShopifyEvent.unscoped.get().outcome == "applied"


@pytest.mark.parametrize("signature", [False, "bm90LXRoZS1yaWdodC1zaWduYXR1cmU=", ""])
def test_a_missing_or_wrong_signature_is_401_and_nothing_is_stored(send, signature):
    assert send("orders/create", order_payload(), signature=signature).status_code == 401
    assert not ShopifyEvent.unscoped.exists() and not Order.unscoped.exists()


def test_the_wrong_secret_is_401(send):
    assert send("orders/create", order_payload(), secret="another-secret").status_code == 401
    assert not ShopifyEvent.unscoped.exists()


def test_duplicates_by_event_id_or_webhook_id_change_nothing(send):
    assert send("orders/create", order_payload(), event_id="ev-1").status_code == 200
    assert send("orders/create", order_payload(), event_id="ev-1").status_code == 200
    assert send("orders/create", order_payload(), event_id="ev-2", webhook_id="wh-ev-1").status_code == 200
    assert ShopifyEvent.unscoped.count() == 1 and Order.unscoped.count() == 1


def test_an_older_update_arriving_late_is_ignored(send):
    send("orders/create", order_payload(updated="2026-12-05T10:00:00-05:00", total="199.00"), event_id="a")
    send("orders/updated", order_payload(updated="2026-12-05T12:00:00-05:00", total="150.00"), event_id="b")
    send("orders/updated", order_payload(updated="2026-12-05T11:00:00-05:00", total="175.00"), event_id="c")
    assert Order.unscoped.get().total_cents == 15000
    assert ShopifyEvent.unscoped.get(event_id="c").outcome == "stale"


@pytest.mark.parametrize(
    ("headers", "body"),
    [({"HTTP_X_SHOPIFY_TOPIC": ""}, b"{}"), ({}, b"not json"), ({}, b"[1, 2]")],
)
def test_malformed_deliveries_are_400(client, settings, shopify_store, headers, body):
    import base64
    import hashlib
    import hmac

    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    base = {"HTTP_X_SHOPIFY_TOPIC": "orders/create", "HTTP_X_SHOPIFY_SHOP_DOMAIN": SHOP,
            "HTTP_X_SHOPIFY_EVENT_ID": "e", "HTTP_X_SHOPIFY_HMAC_SHA256": signature}  # fmt: skip
    answer = client.post(URL, body, content_type="application/json", **{**base, **headers})
    assert answer.status_code == 400 and not ShopifyEvent.unscoped.exists()


def test_get_is_405(client):
    assert client.get(URL).status_code == 405


def test_products_update_delete_and_inventory_levels(send, shopify_store, shop):
    payload = {
        "id": 632910392, "admin_graphql_api_id": "gid://shopify/Product/632910392", "title": "IPod Nano - 8GB",
        "body_html": "<p>It's the small iPod.</p>", "handle": "ipod-nano", "product_type": "Cult Products",
        "status": "active", "tags": "Emotive, Flash Memory", "updated_at": "2026-12-05T10:00:00-05:00",
        "options": [{"name": "Color", "position": 1, "values": ["Pink"]}],
        "images": [{"id": 850703190, "src": "https://cdn.shopify.com/s/files/ipod-nano.png"}],
        "variants": [{"id": 808950810, "admin_graphql_api_id": "gid://shopify/ProductVariant/808950810",
                      "title": "Pink", "sku": "IPOD2008PINK", "price": "199.00", "compare_at_price": None,
                      "inventory_quantity": 10, "inventory_item_id": 808950810, "option1": "Pink"}],
    }  # fmt: skip
    assert send("products/create", payload, event_id="p1").status_code == 200
    product = Product.unscoped.get(store=shopify_store)
    variant = Variant.unscoped.get(product=product)
    assert (product.title, product.tags, variant.options, variant.stock) == (
        "IPod Nano - 8GB", ["Emotive", "Flash Memory"], {"Color": "Pink"}, 10)  # fmt: skip
    Variant.unscoped.filter(pk=variant.pk).update(low_stock_threshold=3)
    level = {
        "inventory_item_id": 808950810,
        "location_id": 24826418,
        "available": 2,
        "updated_at": "2026-12-05T11:00:00-05:00",
        "admin_graphql_api_id": "gid://shopify/InventoryLevel/1",
    }
    send("inventory_levels/update", level, event_id="i1")
    send("inventory_levels/update", {**level, "available": 1, "updated_at": "2026-12-05T11:05:00-05:00"}, event_id="i2")
    assert Variant.unscoped.get(pk=variant.pk).stock == 1
    assert InventoryAlert.unscoped.filter(variant=variant).count() == 1  # one crossing, one alert
    assert Notification.unscoped.filter(kind="commerce_low_stock").values("dedup_key").distinct().count() == 1
    send("inventory_levels/update", {**level, "available": 9, "updated_at": "2026-12-05T12:00:00-05:00"}, event_id="i3")
    send("inventory_levels/update", {**level, "available": 0, "updated_at": "2026-12-05T13:00:00-05:00"}, event_id="i4")
    assert InventoryAlert.unscoped.filter(variant=variant).count() == 2  # back up, then a new crossing
    send("products/delete", {"id": 632910392}, event_id="d1")
    assert not Product.unscoped.filter(store=shopify_store).exists()


def test_app_uninstalled_disconnects_and_deletes_the_token(send, shopify_store, shopify_connection):
    send("app/uninstalled", {"id": 548380009, "name": "NX Test", "domain": SHOP, "myshopify_domain": SHOP})
    assert Store.unscoped.get(pk=shopify_store.pk).status == "disconnected"
    assert not Connection.unscoped.filter(pk=shopify_connection.pk).exists()


def test_customers_data_request_gathers_the_data_for_the_merchant(send, shopify_store, shop):
    make_order(shop.workspace, store=shopify_store, external_id="gid://shopify/Order/299938",
               customer_email="john@example.com")  # fmt: skip
    make_order(shop.workspace, store=shopify_store, customer_email="someone@else.com")
    payload = {"shop_id": 954889, "shop_domain": SHOP, "orders_requested": [299938, 280263],
               "customer": {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"},
               "data_request": {"id": 9999}}  # fmt: skip
    assert send("customers/data_request", payload).status_code == 200
    asset = MediaAsset.unscoped.get(workspace=shop.workspace, bucket="user-uploads")
    from nexusone import storage

    data = json.loads(storage.read_bytes(asset))
    assert [o["customer_email"] for o in data["orders"]] == ["john@example.com"]
    assert Notification.unscoped.filter(kind="commerce_data_request").exists()


def test_customers_redact_erases_that_customer(send, shopify_store, shop):
    from crm.tests.factories import make_contact

    contact = make_contact(shop.workspace, email="john@example.com")
    order = make_order(shop.workspace, store=shopify_store, external_id="gid://shopify/Order/299938",
                       customer_email="john@example.com", contact=contact, total_cents=5000)  # fmt: skip
    other = make_order(shop.workspace, store=shopify_store, customer_email="keep@example.com")
    payload = {"shop_id": 954889, "shop_domain": SHOP, "customer": {"id": 191167, "email": "john@example.com",
               "phone": "555-625-1199"}, "orders_to_redact": [299938]}  # fmt: skip
    send("customers/redact", payload)
    order.refresh_from_db()
    assert (order.customer_email, order.customer_name, order.shipping_address, order.total_cents) == ("", "", {}, 5000)
    assert not Contact.unscoped.filter(pk=contact.pk).exists()
    assert Order.unscoped.get(pk=other.pk).customer_email == "keep@example.com"


def test_shop_redact_deletes_the_shops_data(send, shopify_store, shop):
    make_order(shop.workspace, store=shopify_store)
    make_product(shop.workspace, store=shopify_store)
    send("shop/redact", {"shop_id": 954889, "shop_domain": SHOP})
    assert not Store.unscoped.filter(pk=shopify_store.pk).exists()
    assert not Order.unscoped.filter(workspace=shop.workspace).exists()
    assert not Product.unscoped.filter(workspace=shop.workspace).exists()


def test_a_shop_we_do_not_know_is_answered_and_recorded(send):
    assert send("shop/redact", {"shop_id": 1, "shop_domain": "other.myshopify.com"},
                shop="other.myshopify.com").status_code == 200  # fmt: skip
    assert ShopifyEvent.unscoped.get().outcome == "no_store"
