"""The frame of every page: a real icon (no 404 for /favicon.ico), the web
app manifest, icons in the workspace menu with a menu button for phones,
and the dashboard's charts of the last 30 days beside its cards."""

from __future__ import annotations

import pathlib

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def _static_path(url: str) -> str:
    assert url.startswith("/static/"), url
    return url.removeprefix("/static/")


@pytest.mark.parametrize("path", ["/favicon.ico", "/apple-touch-icon.png"])
def test_the_icons_browsers_ask_for_exist(path):
    response = Client().get(path)
    assert response.status_code == 302  # to the hashed static file
    assert finders.find(_static_path(response["Location"])), response["Location"]


def test_the_manifest_names_the_app_and_its_icons_exist():
    response = Client().get("/site.webmanifest")
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "NexusOne" and len(manifest["icons"]) == 3
    for icon in manifest["icons"]:
        assert finders.find(_static_path(icon["src"])), icon


@pytest.mark.parametrize("language", ["en", "he"])
def test_workspace_pages_link_the_icons_and_show_a_menu_with_icons(world, language):
    client = Client()
    client.force_login(world["A"].users["owner"])
    html = client.get(f"/{language}/w/{world['A'].workspace.slug}/").content.decode()
    assert 'rel="icon" href="/static/img/icon.svg"' in html and 'rel="manifest" href="/site.webmanifest"' in html
    assert 'data-menu-toggle aria-controls="workspace-menu"' in html and 'id="workspace-menu"' in html
    sidebar = html.split('id="workspace-menu"', 1)[1].split("</aside>", 1)[0]
    assert sidebar.count('<svg class="icon" aria-hidden="true">') == sidebar.count("<a href=") >= 13
    sprite = pathlib.Path(finders.find("img/icons.svg")).read_text()
    for name in ("i-dashboard", "i-crm", "i-billing"):
        assert f'id="{name}"' in sprite


def test_the_dashboard_charts_the_last_30_days_beside_the_cards(world):
    client = Client()
    client.force_login(world["A"].users["member"])
    html = client.get(f"/ar/w/{world['A'].workspace.slug}/").content.decode()
    assert html.count('class="card" aria-labelledby="chart-') == 3
    for key in ("credits", "crm", "whatsapp"):
        assert f'id="chart-{key}"' in html
