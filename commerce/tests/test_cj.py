"""CJ Dropshipping through the workspace's kept token: product import by pid,
freight, the envelope's error codes (1600001 → the connection expires, 1600100 →
a 400 naming CJ's message), and no getAccessToken from commerce ever."""

from __future__ import annotations

import pytest

from commerce.models import Product, Variant
from commerce.providers import cj
from commerce.tests.conftest import spent
from commerce.tests.doubles import CJ_BASE, CJ_TOKEN, PID, VID_BLUE, VID_RED, CJDouble
from integrations.models import Connection
from integrations.tests.factories import make_connection
from nexusone.errors import ValidationFailed
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db

CJ_URL = f"https://cjdropshipping.com/product/silicone-phone-case-p-{PID}.html"


@pytest.fixture(autouse=True)
def _cj_settings(settings):
    settings.CJ_BASE_URL = CJ_BASE


@pytest.fixture
def cj_connected(shop):
    return make_connection(shop.workspace, "cj_dropshipping", api_key="CJUser@api@key", access_token=CJ_TOKEN)


def start(client, run_commit_hooks, body, key="k"):
    with run_commit_hooks():
        return client.post("/api/v1/products/import", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_pid_from_cj_urls():
    assert cj.pid_from_url(CJ_URL) == PID
    assert cj.pid_from_url("https://cjdropshipping.com/product/x.html") == ""


@pytest.mark.parametrize("body", [{"url": CJ_URL}, {"supplier_product_id": PID}])
def test_a_cj_product_is_read_through_the_api_with_the_kept_token(shop, cj_connected, run_commit_hooks, body):
    double = CJDouble()
    with double.installed():
        answer = start(shop.client(), run_commit_hooks, {**body, "supplier": "cj_dropshipping"})
    assert answer.status_code == 202
    job = shop.client().get(f"/api/v1/products/imports/{answer.json()['id']}").json()
    assert job["imported"] == 1, job
    product = Product.unscoped.get(pk=job["items"][0]["product_id"])
    assert product.title == "Silicone Phone Case" and product.supplier_product_id == PID
    variants = list(
        Variant.unscoped.filter(product=product).values_list("supplier_variant_id", "cost_cents", "weight_grams")
    )
    assert variants == [(VID_RED, 210, 45), (VID_BLUE, 230, 46)]
    assert len(product.images) == 2
    assert spent(shop) == 3
    assert not double.calls("/api2.0/v1/authentication/getAccessToken")
    assert all(r.headers["CJ-Access-Token"] == CJ_TOKEN for r in double.requests if "/api2.0/" in r.url.path)


def test_without_a_cj_connection_the_url_fails_and_is_refunded(shop, run_commit_hooks):
    with CJDouble().installed() as double:
        answer = start(shop.client(), run_commit_hooks, {"url": CJ_URL, "supplier": "cj_dropshipping"})
    job = shop.client().get(f"/api/v1/products/imports/{answer.json()['id']}").json()
    assert job["items"][0]["reason"] == "supplier_not_connected"
    assert spent(shop) == 0 and double.requests == []


def test_a_refused_token_marks_the_connection_expired(shop, cj_connected, run_commit_hooks):
    with CJDouble(token="another-token").installed():
        answer = start(shop.client(), run_commit_hooks, {"url": CJ_URL, "supplier": "cj_dropshipping"})
    job = shop.client().get(f"/api/v1/products/imports/{answer.json()['id']}").json()
    assert job["items"][0]["reason"] == "supplier_rejected" and spent(shop) == 0
    assert Connection.unscoped.get(pk=cj_connected.pk).status == "expired"


def test_param_error_is_a_validation_error_with_cjs_message(shop, cj_connected):
    with CJDouble().installed(), workspace_scope(shop.workspace):
        client = cj.CJClient.for_workspace(shop.workspace)
        with pytest.raises(ValidationFailed) as raised:
            client.product("unknown")
    assert raised.value.code == "supplier_param_error" and "Param error" in str(raised.value.message)


def test_freight_and_stock(shop, cj_connected):
    with CJDouble().installed() as double, workspace_scope(shop.workspace):
        client = cj.CJClient.for_workspace(shop.workspace)
        options = client.freight(vids=[(VID_RED, 2)], to_country="US")
        stock = client.stock(VID_RED)
    assert [(o.name, o.price_cents, o.max_days) for o in options] == [
        ("CJPacket Ordinary", 471, 12),
        ("CJPacket Sensitive", 790, 8),
        ("DHL", 1520, 5),
    ]
    assert stock == 840
    sent = double.calls("/api2.0/v1/logistic/freightCalculate")[0]
    assert b'"endCountryCode":"US"' in sent.content.replace(b" ", b"")


@pytest.fixture
def cj_variants(shop):
    from commerce.tests.factories import make_product, make_variant

    product = make_product(shop.workspace, variants=0, title="Case", supplier="cj_dropshipping")
    red = make_variant(shop.workspace, product=product, supplier_variant_id=VID_RED, stock=3)
    blue = make_variant(shop.workspace, product=product, supplier_variant_id=VID_BLUE, stock=3)
    local = make_variant(shop.workspace, product=product, supplier_variant_id="")
    return red, blue, local


def test_the_beat_mirrors_cj_stock_and_asks_again_only_when_due(shop, cj_connected, cj_variants, monkeypatch):
    from commerce import tasks
    from commerce.services import inventory

    monkeypatch.setattr(inventory, "SUPPLIER_STOCK_PACE_SECONDS", 0)
    red, blue, local = cj_variants
    double = CJDouble()
    with double.installed():
        assert tasks.commerce_tick()["supplier_stock"] == 1  # the eager task ran for workspace A
        # the per-warehouse rows of each vid summed: red 800 (China) + 40 (US), blue 0
        stocks = dict(Variant.unscoped.filter(pk__in=[red.pk, blue.pk, local.pk]).values_list("pk", "supplier_stock"))
        assert stocks == {red.pk: 840, blue.pk: 0, local.pk: None}
        asked = [r.url.params["vid"] for r in double.calls("/api2.0/v1/product/stock/queryByVid")]
        assert sorted(asked) == sorted([VID_RED, VID_BLUE])
        assert all(r.headers["CJ-Access-Token"] == CJ_TOKEN for r in double.requests)
        # within 6 hours nothing is due: no workspace queued, no call
        assert tasks.commerce_tick()["supplier_stock"] == 0
        assert len(double.calls("/api2.0/v1/product/stock/queryByVid")) == 2
        # later CJ's figure moved: the next due run picks it up
        double.stock[0]["totalInventoryNum"] = 10
        Variant.unscoped.filter(pk=red.pk).update(supplier_stock_checked_at=None)
        with workspace_scope(shop.workspace):
            assert inventory.supplier_stock_refresh(workspace=shop.workspace) == {"checked": 1, "changed": 1}
        assert Variant.unscoped.get(pk=red.pk).supplier_stock == 50


def test_supplier_stock_stops_on_a_refused_token(shop, cj_variants, monkeypatch):
    from commerce import tasks
    from commerce.services import inventory

    monkeypatch.setattr(inventory, "SUPPLIER_STOCK_PACE_SECONDS", 0)
    assert tasks.commerce_tick()["supplier_stock"] == 0  # no CJ connection: not queued
    connection = make_connection(shop.workspace, "cj_dropshipping", api_key="CJUser@api@key", access_token="stale")
    double = CJDouble()
    with double.installed(), workspace_scope(shop.workspace):
        assert inventory.supplier_stock_refresh(workspace=shop.workspace) == {"checked": 0, "changed": 0}
    assert len(double.calls("/api2.0/v1/product/stock/queryByVid")) == 1  # stopped after the first refusal
    connection.refresh_from_db()
    assert connection.status != "connected"
    assert Variant.unscoped.filter(supplier_stock_checked_at__isnull=False).count() == 0
