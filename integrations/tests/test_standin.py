"""The hand-testing stand-in (integrations/tests/standin.py) served over real
HTTP: the Integrations page's Connect → the provider's consent screen → the
callback → connected, with the app talking to the stand-in's Graph and
Shopify endpoints through the outbound door on a real socket. Guards the
tool the README points newcomers to, and the wire path the doubles skip."""

from __future__ import annotations

import re
import threading
from html import unescape
from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client

from integrations import tasks
from integrations.models import Connection, Status
from integrations.tests import standin

pytestmark = pytest.mark.django_db
SITE = "http://testserver"


@pytest.fixture
def server(settings):
    httpd = standin.make_server(port=0, site_url=SITE, shopify_expires_in=600, verbose=False)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.SITE_URL = SITE
    settings.META_APP_ID, settings.META_APP_SECRET = standin.META_APP_ID, standin.META_APP_SECRET
    settings.META_GRAPH_URL = f"{base}/v21.0"
    settings.META_OAUTH_DIALOG_URL = f"{base}/v21.0/dialog/oauth"
    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = standin.SHOPIFY_KEY, standin.SHOPIFY_SECRET
    settings.SHOPIFY_URL_TEMPLATE = base + "/{shop}"
    settings.OPENAI_BASE_URL = f"{base}/v1"
    settings.OUTBOUND_ALLOW_CIDRS = ["127.0.0.1/32"]
    yield base
    httpd.shutdown()
    httpd.server_close()


def consent(location: str) -> str:
    """Open the provider's consent screen and follow its allow link: the callback path and query."""
    page = httpx.get(location, timeout=10)
    assert page.status_code == 200 and "Local stand-in" in page.text
    allow = unescape(re.search(r'id="allow" href="([^"]+)"', page.text).group(1))
    parts = urlsplit(allow)
    assert f"{parts.scheme}://{parts.netloc}" == SITE
    return f"{parts.path}?{parts.query}"


def test_connect_meta_and_shopify_by_the_page_refresh_shopify_by_the_beat_and_disconnect(world, server):
    a = world["A"]
    browser = Client()
    browser.force_login(a.users["admin"])
    page = f"/en/w/{a.workspace.slug}/settings/integrations/"

    # Meta: Connect → Facebook Login (stand-in) → back on the page, with ad accounts and Pages.
    start = browser.post(page, {"action": "connect", "provider": "meta"})
    assert start.status_code == 302 and start["Location"].startswith(f"{server}/v21.0/dialog/oauth?")
    back = browser.get(consent(start["Location"]))
    assert back.status_code == 302 and back["Location"] == page
    listing = browser.get(page).content.decode()
    assert "Dana Cohen" in listing and "Shop EUR" in listing and "Dana&#x27;s Shop" in listing
    meta = Connection.unscoped.get(workspace=a.workspace, provider="meta")
    assert meta.status == Status.CONNECTED and meta.access_token.startswith("EAAlong-")

    # Shopify: the shop's install screen → connected with an expiring token and a refresh token.
    start = browser.post(page, {"action": "connect", "provider": "shopify", "shop": "my-store"})
    assert start["Location"].startswith(f"{server}/my-store.myshopify.com/admin/oauth/authorize?")
    assert browser.get(consent(start["Location"]))["Location"] == page
    shop = Connection.unscoped.get(workspace=a.workspace, provider="shopify")
    first_token, first_refresh = shop.access_token, shop.refresh_token
    assert shop.account_name == "My Store" and first_refresh

    # 10 minutes left is inside the beat's 15-minute window: the next tick rotates both tokens.
    assert tasks.integrations_refresh_tokens()["refreshed"] == 1
    shop.refresh_from_db()
    assert shop.access_token != first_token and shop.refresh_token != first_refresh
    assert shop.secret_hint == "…" + shop.access_token[-4:]

    # A wrong OpenAI key is refused with OpenAI's own reason and nothing is stored.
    refused = browser.post(page, {"action": "key", "provider": "openai", "api_key": "sk-wrong-0000000000"}, follow=True)
    assert "Incorrect API key provided" in refused.content.decode()
    assert not Connection.unscoped.filter(workspace=a.workspace, provider="openai").exists()

    # Disconnect revokes Meta's grant at the provider and leaves no row (no secret) behind.
    for provider in ("meta", "shopify"):
        assert browser.post(page, {"action": "disconnect", "provider": provider}).status_code == 302
    assert not Connection.unscoped.filter(workspace=a.workspace).exists()
