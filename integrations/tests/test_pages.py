"""The Integrations page of workspace settings: a card per provider with its
status and account, the key form, Connect (not configured → no button), the
asset pickers, Check / Disconnect; secrets never on the page; translated and
right-to-left in Hebrew."""

from __future__ import annotations

import pytest
from django.test import Client

from integrations.models import Connection, Kind, Status
from integrations.tests.factories import make_connection
from integrations.tests.oauth_doubles import split

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_of(tenant) -> str:
    return f"/en/w/{tenant.workspace.slug}/settings/integrations/"


def meta_row(workspace, status=Status.CONNECTED):
    return make_connection(
        workspace,
        "meta",
        kind=Kind.OAUTH,
        api_key="",
        access_token="EAAsecret-page-token-QQ",
        status=status,
        account_name="Dana Cohen",
        assets={
            "ad_accounts": [{"id": "act_1111", "name": "Shop EUR", "currency": "EUR"}],
            "pages": [{"id": "200001", "name": "Dana's Shop"}],
            "instagram_accounts": [],
        },
    )


def test_admins_see_every_provider_with_its_state_and_never_a_secret(world, apps):
    a = world["A"]
    key = make_connection(a.workspace, "openai").api_key
    meta_row(a.workspace)
    html = browser(a.users["admin"]).get(page_of(a)).content.decode()
    for label in ("OpenAI", "ElevenLabs", "D-ID", "CJ Dropshipping", "Meta", "Shopify", "TikTok", "Slack"):
        assert label in html
    assert key not in html and "EAAsecret-page-token-QQ" not in html
    assert "…" + key[-4:] in html and "Dana Cohen" in html
    assert 'name="api_key"' in html and 'value="connect"' in html and 'value="disconnect"' in html
    assert "Shop EUR · EUR" in html and 'name="ad_account_id"' in html  # the picker lists the ad accounts


def test_viewers_see_the_states_but_no_forms(world, apps):
    a = world["A"]
    meta_row(a.workspace)
    response = browser(a.users["viewer"]).get(page_of(a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dana Cohen" in html and 'name="api_key"' not in html and 'value="disconnect"' not in html
    assert browser(a.users["viewer"]).post(page_of(a), {"action": "disconnect", "provider": "meta"}).status_code == 403
    assert Connection.unscoped.filter(provider="meta").exists()


def test_a_provider_without_app_credentials_shows_not_configured_instead_of_connect(world, apps, settings):
    settings.TIKTOK_BUSINESS_SECRET = ""
    html = browser(world["A"].users["admin"]).get(page_of(world["A"])).content.decode()
    card = html[html.index('id="integration-tiktok"') :]
    card = card[: card.index("</section>")]
    assert "Not configured" in card and 'value="connect"' not in card


def test_connect_sends_the_browser_to_the_provider(world, apps):
    a = world["A"]
    response = browser(a.users["admin"]).post(
        page_of(a), {"action": "connect", "provider": "shopify", "shop": "my-store"}
    )
    assert response.status_code == 302
    url, params = split(response["Location"])
    assert url == "https://my-store.myshopify.com/admin/oauth/authorize" and params["state"]
    bad = browser(a.users["admin"]).post(
        page_of(a), {"action": "connect", "provider": "shopify", "shop": "evil.com"}, follow=True
    )
    assert "myshopify.com address" in bad.content.decode()


def test_picking_defaults_and_disconnecting_from_the_page(world, apps):
    a = world["A"]
    meta_row(a.workspace)
    admin = browser(a.users["admin"])
    admin.post(page_of(a), {"action": "settings", "provider": "meta", "ad_account_id": "act_1111", "page_id": ""})
    assert Connection.unscoped.get(provider="meta").settings == {"ad_account_id": "act_1111"}
    refused = admin.post(page_of(a), {"action": "settings", "provider": "meta", "ad_account_id": "act_9"}, follow=True)
    assert "Pick one of the accounts" in refused.content.decode()
    admin.post(page_of(a), {"action": "disconnect", "provider": "meta"})
    assert not Connection.unscoped.filter(
        provider="meta"
    ).exists()  # revoke failed (double has no such token): row gone anyway


def test_another_workspaces_page_is_a_404(world, apps):
    assert browser(world["B"].users["owner"]).get(page_of(world["A"])).status_code == 404


def test_the_page_in_hebrew_is_right_to_left_and_translated(world, apps):
    a = world["A"]
    meta_row(a.workspace, status=Status.EXPIRED)
    html = browser(a.users["admin"]).get(f"/he/w/{a.workspace.slug}/settings/integrations/").content.decode()
    assert '<html lang="he" dir="rtl">' in html
    assert "אינטגרציות" in html and "חיבור מחדש" in html and "Not connected" not in html
    assert "יש לחבר מחדש את Meta" in html  # the banner


def test_connect_from_a_spanish_page_comes_back_to_the_spanish_page(world, apps):
    """The callback URL has no language prefix; the user returns in the language they clicked in."""
    from integrations.tests.oauth_doubles import callback

    a = world["A"]
    admin = browser(a.users["admin"])  # profile language: English
    started = admin.post(f"/es/w/{a.workspace.slug}/settings/integrations/", {"action": "connect", "provider": "meta"})
    assert started.status_code == 302
    _dialog, params = split(started["Location"])
    response = callback(admin, "meta", {"code": apps["meta"].issue_code(), "state": params["state"]})
    assert response.status_code == 302
    assert response["Location"] == f"/es/w/{a.workspace.slug}/settings/integrations/"
