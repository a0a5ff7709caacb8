"""Commerce pages: server-rendered, tenant-scoped, costs shown before the click."""

from __future__ import annotations

import pytest
from django.test import Client

from commerce.models import OrderLine, ProductImport
from commerce.tests.factories import make_order, make_product, make_store, make_variant

pytestmark = pytest.mark.django_db


def browser(tenant, role="owner") -> Client:
    client = Client()
    client.force_login(tenant.users[role])
    return client


def url(tenant, path=""):
    return f"/en/w/{tenant.workspace.slug}/commerce/{path}"


def test_every_page_renders_with_data(shop):
    store = make_store(shop.workspace, name="Tienda Verde", currency="EUR")
    product = make_product(shop.workspace, store=store, title="Bamboo bottle", currency="EUR")
    variant = make_variant(shop.workspace, product=product, sku="BB-1", low_stock_threshold=50)
    order = make_order(shop.workspace, store=store, number="#1042", currency="EUR", total_cents=2499)
    OrderLine.unscoped.create(workspace=shop.workspace, order=order, variant=variant, quantity=1)
    client = browser(shop)
    stores = client.get(url(shop))
    assert stores.status_code == 200 and "Tienda Verde" in stores.content.decode()
    products = client.get(url(shop, "products/")).content.decode()
    assert "Bamboo bottle" in products and "19.99\u00a0EUR" in products
    assert "Costs 3 credits per product imported" in products
    detail = client.get(url(shop, f"products/{product.pk}/")).content.decode()
    assert "BB-1" in detail and "Write to the store" in detail
    orders = client.get(url(shop, "orders/")).content.decode()
    assert "#1042" in orders and "24.99\u00a0EUR" in orders and "Order from CJ" in orders
    assert client.get(url(shop, "inventory/")).status_code == 200


def test_rtl_and_translated(shop):
    client = browser(shop)
    page = client.get(f"/ar/w/{shop.workspace.slug}/commerce/products/").content.decode()
    assert 'dir="rtl"' in page and "Import products" not in page


def test_another_workspaces_rows_are_404(world):
    product = make_product(world["B"].workspace)
    assert browser(world["A"]).get(url(world["A"], f"products/{product.pk}/")).status_code == 404
    assert browser(world["A"]).get(f"/en/w/{world['B'].workspace.slug}/commerce/").status_code == 404


def test_import_from_the_page_charges_once_per_form(shop, internet, run_commit_hooks):
    pytest.importorskip("extruct")
    from commerce.tests.conftest import SHOP, spent

    client = browser(shop, "member")
    form = {"urls": f"{SHOP}/p/og\n{SHOP}/p/none", "supplier": "aliexpress", "action": "import", "form_key": "abc"}
    with run_commit_hooks():
        client.post(url(shop, "products/"), form)
        client.post(url(shop, "products/"), form)  # a double submit of the same form
    assert ProductImport.unscoped.count() == 1
    assert spent(shop) == 3  # two URLs reserved, the one without a product given back


def test_viewers_see_no_forms_and_cannot_post(shop):
    client = browser(shop, "viewer")
    page = client.get(url(shop, "products/")).content.decode()
    assert 'name="urls"' not in page
    assert client.post(url(shop, "products/"), {"urls": "https://x.example/p", "supplier": "amazon",
                                               "action": "import"}).status_code == 403  # fmt: skip


def test_sales_page_with_charts_commissions_and_csv(shop):
    from datetime import timedelta

    from django.utils import timezone

    from commerce.tests.factories import make_commission_rule

    store = make_store(shop.workspace, name="Tienda", currency="EUR")
    product = make_product(shop.workspace, store=store, title="Cork mat", currency="EUR")
    variant = make_variant(shop.workspace, product=product, sku="CM-1")
    order = make_order(shop.workspace, store=store, currency="EUR", total_cents=4000, cost_cents=1500,
                       placed_at=timezone.now() - timedelta(days=1))  # fmt: skip
    OrderLine.unscoped.create(workspace=shop.workspace, order=order, variant=variant, quantity=2, price_cents=2000,
                              cost_cents=750)  # fmt: skip
    make_commission_rule(shop.workspace, partner="Ana", percent="10")
    client = browser(shop)
    page = client.get(url(shop, "sales/")).content.decode()
    assert 'id="chart-sales"' in page and 'id="chart-commissions"' in page
    assert "40.00\u00a0EUR" in page and "Cork mat" in page and "4.00\u00a0EUR" in page  # 10 % of 40.00
    csv = client.get(url(shop, "sales/"), {"download": "csv", "group": "product"})
    assert csv["Content-Type"].startswith("text/csv") and b"Cork mat" in csv.content
    added = client.post(url(shop, "sales/"), {"action": "rule_add", "partner": "Luis", "percent": "5",
                                              "basis": "margin"})  # fmt: skip
    assert added.status_code == 302
    assert "Luis" in client.get(url(shop, "sales/")).content.decode()
    member = browser(shop, "member")
    assert member.post(url(shop, "sales/"), {"action": "rule_add", "partner": "X", "percent": "1"}).status_code == 403
    arabic = client.get(f"/ar/w/{shop.workspace.slug}/commerce/sales/").content.decode()
    assert 'dir="rtl"' in arabic


def test_pricing_rule_page_and_api(shop):
    client = browser(shop)
    page = client.get(url(shop)).content.decode()
    assert "10.00\u00a0USD sells at 20.99\u00a0USD" in page  # the default: ×2, then up to the next .99
    client.post(url(shop), {"action": "pricing", "mode": "margin", "value": "5", "ending_cents": "95"})
    api = shop.client("viewer").get("/api/v1/commerce/pricing-rule").json()
    assert (api["mode"], api["value"], api["ending_cents"], api["saved"]) == ("margin", 5.0, 95, True)
    assert api["example"] == {"cost_cents": 1000, "price_cents": 1595}
    admin = shop.client("admin")
    changed = admin.put("/api/v1/commerce/pricing-rule", {"mode": "multiplier", "value": "2.5", "ending_cents": None},
                        format="json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["example"]["price_cents"] == 2500
    assert admin.put("/api/v1/commerce/pricing-rule", {"mode": "multiplier", "value": "0.5"},
                     format="json").status_code == 400  # fmt: skip
    assert shop.client("member").put("/api/v1/commerce/pricing-rule", {"mode": "margin", "value": "1"},
                                     format="json").status_code == 403  # fmt: skip
    from commerce.pricing import price_for

    assert price_for(shop.workspace, 1000) == 2500
