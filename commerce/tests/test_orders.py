"""Orders: fulfilment at CJ once (delivery preferences pick the line), 400s that
name what is missing with nothing sent, tracking followed and written back to
Shopify; freight quotes; reorder maths against hand-computed values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.models import Order, OrderLine
from commerce.providers.cj import FreightOption
from commerce.services.inventory import reorder_advice
from commerce.services.orders import choose_logistic
from commerce.tests.doubles import CJ_BASE, CJ_TOKEN, VID_RED, CJDouble
from commerce.tests.factories import make_order, make_product, make_variant
from commerce.tests.shopify_double import ShopifyGraphQLDouble
from integrations.tests.factories import make_connection
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db

ADDRESS = {"name": "Ana Ruiz", "address1": "1 Main St", "city": "Austin", "province": "Texas", "zip": "73301",
           "country": "United States", "country_code": "US", "phone": "+15125550100"}  # fmt: skip


@pytest.fixture(autouse=True)
def _cj(settings, shop):
    settings.CJ_BASE_URL = CJ_BASE
    make_connection(shop.workspace, "cj_dropshipping", api_key="CJUser@api@key", access_token=CJ_TOKEN)


@pytest.fixture
def order(shop, shopify_store):
    variant = make_variant(shop.workspace, sku="CASE-RED", supplier_variant_id=VID_RED)
    order = make_order(shop.workspace, store=shopify_store, shipping_address=ADDRESS)
    OrderLine.unscoped.create(workspace=shop.workspace, order=order, variant=variant, sku="CASE-RED", quantity=2,
                              price_cents=1999)  # fmt: skip
    return order


def test_fulfil_places_the_cj_order_once(shop, order, shopify_store):
    shopify_store.delivery_preferences = {"logistic_names": ["CJPacket Sensitive"], "max_days": 10}
    shopify_store.save()
    double = CJDouble()
    client = shop.client("member")
    with double.installed():
        first = client.post(f"/api/v1/orders/{order.pk}/fulfill")
        second = client.post(f"/api/v1/orders/{order.pk}/fulfill")
    assert first.status_code == 200, first.content
    assert first.json()["supplier_order_id"] == "CJ00000001" and first.json()["status"] == "placed"
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_fulfilled"
    sent = list(double.orders.values())
    assert len(sent) == 1
    assert sent[0]["products"] == [{"vid": VID_RED, "quantity": 2}] and sent[0]["payType"] == 3
    assert sent[0]["logisticName"] == "CJPacket Sensitive" and sent[0]["shippingCountryCode"] == "US"


def test_unmapped_items_or_no_address_are_a_400_and_nothing_is_sent(shop, shopify_store):
    unmapped = make_variant(shop.workspace, sku="NO-VID")
    order = make_order(shop.workspace, store=shopify_store, shipping_address={})
    OrderLine.unscoped.create(workspace=shop.workspace, order=order, variant=unmapped, sku="NO-VID", quantity=1)
    with CJDouble().installed() as double:
        answer = shop.client().post(f"/api/v1/orders/{order.pk}/fulfill")
    assert answer.status_code == 400
    details = answer.json()["error"]["details"]
    assert "NO-VID" in details["lines"][0] and "address1" in details["shipping_address"][0]
    assert double.requests == []


def test_tracking_is_followed_and_written_to_shopify(shop, order, shopify_connection):
    from commerce.services.orders import order_follow

    cj = CJDouble()
    shopify = ShopifyGraphQLDouble()
    with cj.installed():
        shop.client().post(f"/api/v1/orders/{order.pk}/fulfill")
    import httpx

    from nexusone import outbound

    def both(request):
        return (cj if "/api2.0/" in request.url.path else shopify)(request)

    with outbound.use_transport(httpx.MockTransport(both)), workspace_scope(shop.workspace):
        order_follow(Order.objects.get(pk=order.pk))
        order_follow(Order.objects.get(pk=order.pk))  # a second beat writes nothing more
    order.refresh_from_db()
    assert order.tracking_number == "YT2412345678901234" and order.status == "fulfilled"
    assert len(shopify.fulfillments) == 1
    assert shopify.fulfillments[0]["trackingInfo"]["number"] == "YT2412345678901234"
    assert shopify.fulfillments[0]["lineItemsByFulfillmentOrder"] == [
        {"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/77"}
    ]


def test_freight_quote_for_a_product(shop):
    product = make_product(shop.workspace, variants=0)
    make_variant(shop.workspace, product=product, supplier_variant_id=VID_RED)
    with CJDouble().installed():
        answer = shop.client("viewer").get(f"/api/v1/products/{product.pk}/freight", {"country": "US"})
    assert answer.status_code == 200, answer.content
    assert next(o["name"] for o in answer.json()["options"]) == "CJPacket Ordinary"
    assert shop.client().get(f"/api/v1/products/{product.pk}/freight", {"country": "USA1"}).status_code == 400


OPTIONS = [FreightOption("Slow", 300, "USD", "15-25"), FreightOption("Mid", 500, "USD", "7-12"),
           FreightOption("Fast", 1500, "USD", "2-5")]  # fmt: skip


@pytest.mark.parametrize(
    ("preferences", "expected"),
    [({}, "Slow"), ({"max_days": 12}, "Mid"), ({"max_days": 12, "fallback": "fastest"}, "Fast"),
     ({"logistic_names": ["fast"], "max_days": 30}, "Fast"), ({"logistic_names": ["Slow"], "max_days": 12}, "Mid"),
     ({"max_days": 3, "fallback": "none"}, None), ({"max_days": 1}, None)],
)  # fmt: skip
def test_delivery_preferences(preferences, expected):
    chosen = choose_logistic(OPTIONS, preferences)
    assert (chosen.name if chosen else None) == expected


def test_reorder_maths_against_hand_computed_values(shop):
    variant = make_variant(shop.workspace, stock=10, lead_time_days=4)
    history = [2, 4, 2, 4, 2, 4, 2, 4]  # mean 3, population σ 1
    advice = reorder_advice(variant, history, service_level=0.95)
    # demand over lead time 3 × 4 = 12; safety 1.6449 × 1 × √4 = 3.29; reorder point 15.29 → 16
    assert advice.mean_daily == 3 and advice.std_daily == 1
    assert advice.safety_stock == 4 and advice.reorder_point == 16
    # target 15.29 + 3 × 14 = 57.29 → order ceil(57.29 − 10) = 48
    assert advice.suggested_quantity == 48 and advice.reorder_now
    assert "3.00 a day" in advice.reasoning
    quiet = reorder_advice(variant, [0] * 8)
    assert quiet.suggested_quantity == 0 and not quiet.reorder_now


def test_reorder_recommendations_and_alerts_endpoints(shop, shopify_store):
    variant = make_variant(shop.workspace, stock=1, lead_time_days=5, low_stock_threshold=2)
    for days_ago in range(1, 15):
        o = make_order(shop.workspace, store=shopify_store, placed_at=timezone.now() - timedelta(days=days_ago))
        OrderLine.unscoped.create(workspace=shop.workspace, order=o, variant=variant, quantity=1)
    with workspace_scope(shop.workspace):
        from commerce.services.inventory import check_low_stock

        check_low_stock(variant)
    client = shop.client("viewer")
    recs = client.get("/api/v1/inventory/reorder-recommendations").json()["results"]
    assert recs[0]["variant_id"] == variant.pk and recs[0]["reorder_now"] is True
    alerts = client.get("/api/v1/inventory/alerts").json()["results"]
    assert [a["variant_id"] for a in alerts] == [variant.pk]
