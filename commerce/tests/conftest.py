"""Commerce fixtures: credits, a simulated Internet for supplier pages (DNS and
TCP replaced at the outbound door's two seams, as in the SSRF tests: the one
"public" address goes to a page server, every other address to a canary that
must never be reached), and the CJ / Shopify doubles (commerce/tests/doubles.py)."""

from __future__ import annotations

import io
import json

import httpcore
import pytest

from billing.services import credits_purchase, plans_ensure_defaults
from nexusone.outbound import ssrf
from nexusone.tests.httpstub import StubServer, query, reply

PUBLIC_IP = "93.184.216.34"
SHOP = "http://supplier.example"


def png_bytes(color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


JSON_LD_PRODUCT = {
    "@context": "https://schema.org/",
    "@type": "Product",
    "name": "Bamboo Water Bottle",
    "description": "Leak-proof 500 ml bottle.",
    "sku": "BWB-500",
    "image": [f"{SHOP}/img/bottle.png", "/img/bottle-2.png", f"{SHOP}/img/not-an-image.png"],
    "brand": {"@type": "Brand", "name": "Verde"},
    "offers": {
        "@type": "Offer",
        "url": f"{SHOP}/p/bottle",
        "priceCurrency": "EUR",
        "price": "12.40",
        "availability": "https://schema.org/InStock",
        "itemCondition": "https://schema.org/NewCondition",
    },
}

PRODUCT_GROUP = {
    "@context": "https://schema.org/",
    "@graph": [
        {"@type": "Organization", "name": "Verde"},
        {
            "@type": "ProductGroup",
            "name": "Linen Shirt",
            "description": "Breathable linen.",
            "productGroupID": "LS-1",
            "variesBy": ["https://schema.org/size"],
            "hasVariant": [
                {
                    "@type": "Product",
                    "name": "Linen Shirt S",
                    "sku": "LS-1-S",
                    "size": "S",
                    "offers": {"@type": "Offer", "price": 20.00, "priceCurrency": "USD"},
                },
                {
                    "@type": "Product",
                    "name": "Linen Shirt M",
                    "sku": "LS-1-M",
                    "size": "M",
                    "offers": {"@type": "Offer", "price": 22.50, "priceCurrency": "USD"},
                },
            ],
        },
    ],
}


def page(head: str = "", body: str = "<p>Hello</p>") -> bytes:
    return f"<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>".encode()


def json_ld(data: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


PAGES = {
    "/p/bottle": page(json_ld(JSON_LD_PRODUCT)),
    "/p/shirt": page(json_ld(PRODUCT_GROUP)),
    "/p/og": page(
        '<meta property="og:type" content="product"><meta property="og:title" content="Cork Yoga Mat">'
        '<meta property="og:description" content="Natural cork."><meta property="og:image" content="/img/mat.png">'
        '<meta property="product:price:amount" content="30.00"><meta property="product:price:currency" content="USD">'
    ),
    "/p/none": page('<meta property="og:title" content="About us"><meta property="og:type" content="website">'),
    "/p/broken-ld": page('<script type="application/ld+json">{"@type": "Product", "name": </script>'),
}


@pytest.fixture(scope="module")
def canary():
    server = StubServer(routes={"*": lambda h: reply(h, 200, b"canary")}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def supplier_site():
    def pages(handler):
        path = handler.path.split("?")[0]
        if path in PAGES:
            reply(handler, 200, PAGES[path], {"Content-Type": "text/html; charset=utf-8"})
        elif path == "/p/json":
            reply(handler, 200, b'{"name": "x"}', {"Content-Type": "application/json"})
        elif path == "/redirect":
            reply(handler, 302, b"", {"Location": query(handler)["to"]})
        elif path in ("/img/bottle.png", "/img/bottle-2.png", "/img/mat.png"):
            reply(handler, 200, png_bytes(), {"Content-Type": "image/png"})
        elif path == "/img/not-an-image.png":
            reply(handler, 200, b"<html>nope</html>", {"Content-Type": "image/png"})
        else:
            reply(handler, 404, b"not found", {"Content-Type": "text/html"})

    server = StubServer(routes={"*": pages}).start()
    yield server
    server.stop()


@pytest.fixture
def internet(monkeypatch, settings, canary, supplier_site):
    """DNS: supplier.example → a public address (served by the page server);
    internal.example → 127.0.0.1; meta.example → 169.254.169.254. Every dial
    to anything but the public address lands on the canary."""
    settings.OUTBOUND_ALLOW_CIDRS = []
    canary.connections = 0
    canary.requests.clear()
    dials: list[tuple[str, int]] = []
    answers = {
        "supplier.example": [PUBLIC_IP],
        "internal.example": ["127.0.0.1"],
        "meta.example": ["169.254.169.254"],
        "ten.example": ["10.0.0.7"],
    }

    def resolve(host, port):
        if host not in answers:
            raise OSError("NXDOMAIN")
        return list(answers[host])

    real_backend = httpcore.SyncBackend()

    def dial(ip, port, **options):
        dials.append((ip, port))
        target = supplier_site.port if ip == PUBLIC_IP else canary.port
        return real_backend.connect_tcp("127.0.0.1", target, **options)

    monkeypatch.setattr(ssrf, "resolve", resolve)
    monkeypatch.setattr(ssrf, "dial", dial)
    return {"dials": dials, "canary": canary, "site": supplier_site}


def give_credits(workspace, amount: int) -> None:
    plans_ensure_defaults()
    credits_purchase(workspace=workspace, credits=amount, idempotency_key=f"test-topup-{workspace.pk}-{amount}")


def balance(workspace) -> int:
    from billing.models import BillingAccount

    return BillingAccount.unscoped.get(workspace=workspace).balance


@pytest.fixture
def run_commit_hooks(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def shop(world):
    """Workspace A with 100 credits."""
    tenant = world["A"]
    give_credits(tenant.workspace, 100)
    tenant.start_balance = balance(tenant.workspace)
    return tenant


def spent(tenant) -> int:
    return tenant.start_balance - balance(tenant.workspace)


@pytest.fixture
def shopify_connection(shop, settings):
    from commerce.tests.shopify_double import SHOP, TOKEN
    from integrations.models import Kind
    from integrations.tests.factories import make_connection

    settings.SHOPIFY_URL_TEMPLATE = "https://{shop}"
    settings.SHOPIFY_API_VERSION = "2026-10"
    settings.SHOPIFY_API_SECRET = "shopify-app-secret"
    settings.SITE_URL = "https://app.nexusone.test"
    return make_connection(
        shop.workspace, "shopify", kind=Kind.OAUTH, api_key="", access_token=TOKEN, account_id=SHOP,
        account_name="NX Test", assets={"shop": {"domain": SHOP, "name": "NX Test", "currency": "USD"}},
    )  # fmt: skip


@pytest.fixture
def connect_shopify(shop, shopify_connection, run_commit_hooks):
    """Fire integrations' `connection_connected` as a real connect does; the tasks run eagerly."""

    def go():
        from commerce.models import Store
        from integrations.signals import connection_connected

        with run_commit_hooks():
            connection_connected.send(sender=None, workspace_id=shop.workspace.pk, provider="shopify",
                                      connection_id=shopify_connection.pk, reconnected=False)  # fmt: skip
        return Store.unscoped.get(workspace=shop.workspace)

    return go


@pytest.fixture
def shopify_store(shop, shopify_connection):
    from commerce.tests.factories import make_store
    from commerce.tests.shopify_double import SHOP

    return make_store(shop.workspace, domain=SHOP, name="NX Test")
