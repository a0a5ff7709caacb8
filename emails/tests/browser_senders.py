"""By hand (not collected by the suite, like qa/browser_smoke.py): the Senders page with its DNS
records — a 2048-bit DKIM key's value, long sender names — at 390 and 1366 px in Hebrew and Arabic
in headless Chromium: no page-wide horizontal scroll, nothing sticking out. The smoke's seed has
no sender, so its visit of this page shows the empty state only.

    .venv/bin/pytest -q -s emails/tests/browser_senders.py
"""

import os

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from qa.browser_smoke import CHROMIUM, OVERFLOW, SCREENSHOTS, STICKING_OUT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["he", "ar"])
@pytest.mark.parametrize("width", [390, 1366])
def test_senders_page(world, live_server, language, width, settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from playwright.sync_api import sync_playwright

    from emails.tests.factories import make_sender

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.DKIM_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    tenant = world["A"]
    make_sender(
        tenant.workspace,
        email="noticias-de-la-tienda@una-tienda-con-nombre-largo.example",
        name="Tienda con un nombre bastante largo",
    )
    make_sender(tenant.workspace, email="hola@shop.example", verified=True)
    client = Client()
    client.force_login(tenant.users["owner"])
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    with translation.override(language):
        path = reverse("email_senders", args=[tenant.workspace.slug])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        ctx = browser.new_context(
            viewport={"width": width, "height": 844}, is_mobile=width < 500, has_touch=width < 500
        )
        ctx.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = ctx.new_page()
        page.goto(live_server.url + path, wait_until="load")
        overflow = page.evaluate(OVERFLOW, width)
        out = page.evaluate(STICKING_OUT, width)
        page.screenshot(path=f"{SCREENSHOTS}/{language}-{width}-senders-records.png", full_page=True)
        print(language, width, "dir", page.evaluate("document.documentElement.dir"), "overflow", overflow, "out", out)
        browser.close()
    assert overflow <= 1 and not out, (overflow, out)
