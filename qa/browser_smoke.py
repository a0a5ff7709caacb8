"""Browser smoke (RELIABILITY T26's browser half, issue 17): the main pages in
all five languages, at a desktop and a phone width, in headless Chromium
(Debian's `chromium`, never a downloaded build).

Each page must load with no console error, no failed or 4xx/5xx request, no
request leaving the server (no CDN), `dir="rtl"` for Arabic and Hebrew, and
no page-wide horizontal scroll at the phone width. A screenshot of each page
is saved under artifacts/screenshots/ (`<language>-<width>-<page>.png`).

Not part of `make test` (its name does not match test_*.py): `make smoke`
runs it, and so does .ci/run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from nexusone.tests.test_permissions import _seed

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", Path(settings.BASE_DIR) / "artifacts" / "screenshots"))
LANGUAGES = ("en", "es", "pt", "ar", "he")
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}

# The main pages: every link of the workspace menu, plus the pages behind
# them that a newcomer reaches first (the e-mail senders, the import form).
WORKSPACE_PAGES = (
    "workspace_dashboard",
    "content_studio",
    "content_ideas",
    "content_pages",
    "video_studio",
    "media_library",
    "whatsapp_broadcasts",
    "crm_contacts",
    "email_campaigns",
    "email_senders",
    "sms_campaigns",
    "journeys",
    "agents_list",
    "workspace_settings",
    "workspace_members",
    "billing",
    "analytics_dashboard",
    "usage",
    "workspace_integrations",
    "workspace_api_keys",
    "privacy_settings",
    "webhooks",
    "account_privacy",
    "workspace_audit",
)
ACCOUNT_PAGES = ("profile",)
PUBLIC_PAGES = ("account_login", "account_signup")

# Languages and pages can be narrowed while iterating: SMOKE_LANGUAGES=ar,he SMOKE_PAGES=email_senders
if os.environ.get("SMOKE_LANGUAGES"):
    LANGUAGES = tuple(os.environ["SMOKE_LANGUAGES"].split(","))
ONLY_PAGES = set(filter(None, os.environ.get("SMOKE_PAGES", "").split(",")))
BACKGROUND = {"xhr", "fetch", "eventsource"}
# How far the page is wider than the viewport it was given (a phone browser
# zooms out to fit a wide page, so measure against the requested width too).
OVERFLOW = """(width) => Math.max(
    document.documentElement.scrollWidth - document.documentElement.clientWidth,
    document.documentElement.scrollWidth - width,
    window.innerWidth - width)"""

# The elements that stick out of the viewport on either side (in right-to-left
# a browser cannot scroll to what sticks out on the right, but a phone still
# pans to it), unless a scrolling or clipping box holds them (a wide table
# inside its card) or they are not shown (a closed <details>).
STICKING_OUT = """(width) => [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || (r.right <= width + 1 && r.left >= -1)) return false;
    if (e.closest('details:not([open]) > :not(summary)')) return false;
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return false;
    }
    return true;
}).slice(0, 4).map(e => e.tagName.toLowerCase()
    + (e.className.baseVal === undefined && e.className ? '.' + e.className : '')
    + ' [' + Math.round(e.getBoundingClientRect().left) + ', ' + Math.round(e.getBoundingClientRect().right) + ']')"""

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class PageReport:
    url: str
    problems: list[str] = field(default_factory=list)


def _local(url: str, host: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.netloc == host


def _visit(page, url: str, report: PageReport) -> None:
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        report.problems.append(f"status {response.status if response else 'none'}")
    # htmx fragments loaded on `load` arrive before the checks (a poll keeps going: check what is there)
    with contextlib.suppress(Exception):
        page.wait_for_function("!document.querySelector('.htmx-request')", timeout=2000, polling=50)


@pytest.fixture
def seeded(world):
    tenant = world["A"]
    _seed(tenant)
    owner = tenant.users["owner"]
    owner_client = Client()
    owner_client.force_login(owner)
    return tenant, owner_client.cookies[settings.SESSION_COOKIE_NAME].value


def _paths(tenant, language: str) -> list[tuple[str, str, bool]]:
    """(name, path, signed in) for each page in `language`."""
    slug = tenant.workspace.slug
    with translation.override(language):
        paths = [(name, reverse(name, args=[slug]), True) for name in WORKSPACE_PAGES]
        paths += [(name, reverse(name), True) for name in ACCOUNT_PAGES]
        paths += [(name, reverse(name), False) for name in PUBLIC_PAGES]
    return paths


@pytest.mark.parametrize("language", LANGUAGES)
def test_main_pages_at_desktop_and_phone_width(seeded, live_server, language):
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is done; Playwright runs a loop here
    tenant, session = seeded
    host = urlsplit(live_server.url).netloc
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    reports: list[PageReport] = []
    visited = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for width_name, (width, height) in WIDTHS.items():
            phone = width_name == "phone"
            for signed_in in (True, False):
                context = browser.new_context(
                    viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
                )
                if signed_in:
                    context.add_cookies(
                        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
                    )
                external: list[str] = []

                def _route(route, external=external):
                    if _local(route.request.url, host):
                        route.continue_()
                    else:
                        external.append(route.request.url)
                        route.abort()

                context.route("**/*", _route)
                page = context.new_page()
                current: dict[str, PageReport] = {}

                def _console(message, current=current):
                    if message.type == "error":
                        current["report"].problems.append(f"console: {message.text}")

                def _failed(request, current=current):
                    if request.failure == "net::ERR_ABORTED" and request.resource_type in BACKGROUND:
                        return  # a poll or stream cut short by the next navigation
                    current["report"].problems.append(f"failed: {request.url} {request.failure}")

                def _response(response, current=current):
                    if response.status >= 400:
                        current["report"].problems.append(f"{response.status}: {response.url}")

                page.on("console", _console)
                page.on("pageerror", lambda error, current=current: current["report"].problems.append(f"js: {error}"))
                page.on("requestfailed", _failed)
                page.on("response", _response)
                for name, path, needs_session in _paths(tenant, language):
                    if needs_session != signed_in or (ONLY_PAGES and name not in ONLY_PAGES):
                        continue
                    report = PageReport(url=f"{path} @{width}")
                    current["report"] = report
                    del external[:]
                    _visit(page, live_server.url + path, report)
                    visited += 1
                    direction = page.evaluate("document.documentElement.dir")
                    expected = "rtl" if language in ("ar", "he") else "ltr"
                    if direction != expected:
                        report.problems.append(f'dir="{direction}", expected {expected}')
                    if page.evaluate("document.documentElement.lang") != language:
                        report.problems.append("lang attribute")
                    overflow = page.evaluate(OVERFLOW, width)
                    if overflow > 1:
                        report.problems.append(f"page-wide horizontal scroll of {overflow} px")
                    if sticking_out := page.evaluate(STICKING_OUT, width):
                        report.problems.append(f"wider than the screen: {', '.join(sticking_out)}")
                    report.problems += [f"external request: {url}" for url in external]
                    page.screenshot(
                        path=str(SCREENSHOTS / f"{language}-{width}-{re.sub(r'[^a-z_]', '', name)}.png"),
                        full_page=True,
                    )
                    if report.problems:
                        reports.append(report)
                context.close()
        browser.close()
    pages = len(ONLY_PAGES) or len(WORKSPACE_PAGES) + len(ACCOUNT_PAGES) + len(PUBLIC_PAGES)
    assert visited == len(WIDTHS) * pages
    print(f"browser smoke: {visited} page views, screenshots in {SCREENSHOTS}")
    assert reports == [], "\n".join(f"{r.url}: {'; '.join(r.problems)}" for r in reports)
