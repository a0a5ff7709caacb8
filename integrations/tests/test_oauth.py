"""OAuth connections against local doubles of Meta's Graph, a Shopify shop and
TikTok's Business API: connect → consent → callback → stored; every failure
(denied, bad/reused/expired/foreign state, bad HMAC, wrong shop, refused
exchange) stores nothing and says why; not configured → 400."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import Connection, OAuthState, Status
from integrations.tests.oauth_doubles import Combined, MetaDouble, ShopifyDouble, TikTokDouble, callback, split
from nexusone.audit import AuditEntry

pytestmark = pytest.mark.django_db

SITE = "https://app.nexusone.test"
SHOP = "my-store.myshopify.com"


@pytest.fixture
def apps(settings):
    settings.SITE_URL = SITE
    settings.META_APP_ID, settings.META_APP_SECRET = "1234567890", "meta-app-secret-000"
    settings.META_GRAPH_URL = "https://graph.facebook.com/v21.0"
    settings.META_OAUTH_DIALOG_URL = "https://www.facebook.com/v21.0/dialog/oauth"
    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = "shopify-key-1", "shopify-secret-000"
    settings.SHOPIFY_URL_TEMPLATE = "https://{shop}"
    settings.TIKTOK_BUSINESS_APP_ID, settings.TIKTOK_BUSINESS_SECRET = "tt-app-1", "tt-secret-000"
    settings.TIKTOK_BUSINESS_API_URL = "https://business-api.tiktok.com/open_api/v1.3"
    meta = MetaDouble(
        app_id="1234567890", app_secret="meta-app-secret-000", redirect_uri=f"{SITE}/integrations/callback/meta/"
    )
    shopify = ShopifyDouble(shop=SHOP, api_key="shopify-key-1", api_secret="shopify-secret-000")
    tiktok = TikTokDouble(app_id="tt-app-1", secret="tt-secret-000")
    combined = Combined({"graph.facebook.com": meta, SHOP: shopify, "business-api.tiktok.com": tiktok})
    with combined.installed():
        yield {"meta": meta, "shopify": shopify, "tiktok": tiktok, "all": combined}


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def start(tenant, provider: str, role: str = "admin", **payload) -> tuple[str, dict]:
    response = tenant.client(role).post(f"/api/v1/integrations/{provider}/connect", payload, format="json")
    assert response.status_code == 200, response.content
    return split(response.json()["authorize_url"])


def test_meta_connects_with_a_long_lived_token_and_lists_ad_accounts_pages_and_instagram(world, apps, caplog):
    caplog.set_level(logging.DEBUG)
    a = world["A"]
    dialog, params = start(a, "meta")
    assert dialog == "https://www.facebook.com/v21.0/dialog/oauth"
    assert params["client_id"] == "1234567890" and params["response_type"] == "code"
    assert params["redirect_uri"] == f"{SITE}/integrations/callback/meta/"
    assert "ads_management" in params["scope"] and len(params["state"]) >= 40
    response = callback(
        browser(a.users["admin"]), "meta", {"code": apps["meta"].issue_code(), "state": params["state"]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/w/{a.workspace.slug}/settings/integrations/"
    connection = Connection.unscoped.get(workspace=a.workspace, provider="meta")
    assert (connection.status, connection.kind, connection.account_id, connection.account_name) == (
        Status.CONNECTED,
        "oauth",
        "10158000000000001",
        "Dana Cohen",
    )
    assert connection.access_token in apps["meta"].valid  # the long-lived token, not the short one
    assert timedelta(days=59) < connection.expires_at - timezone.now() < timedelta(days=61)
    assert "ads_management" in connection.scopes and "instagram_basic" not in connection.scopes
    assets = a.client("viewer").get("/api/v1/integrations/meta/assets").json()["assets"]
    assert [(x["id"], x["currency"]) for x in assets["ad_accounts"]] == [("act_1111", "EUR"), ("act_2222", "ILS")]
    assert [p["id"] for p in assets["pages"]] == ["200001", "200002"]
    assert assets["instagram_accounts"] == [{"id": "17841400000000001", "username": "danas.shop", "page_id": "200001"}]
    assert "EAApage" not in json.dumps(assets)  # Page tokens are not kept
    listing = a.client("viewer").get("/api/v1/integrations/").content.decode()
    assert connection.access_token not in listing
    assert all(
        connection.access_token not in r.getMessage()
        and connection.access_token not in json.dumps(r.__dict__, default=str)
        for r in caplog.records
    )
    # Picks only among the assets.
    client = a.client("admin")
    ok = client.patch(
        "/api/v1/integrations/meta", {"settings": {"ad_account_id": "act_2222", "page_id": "200001"}}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["settings"] == {"ad_account_id": "act_2222", "page_id": "200001"}
    bad = client.patch("/api/v1/integrations/meta", {"settings": {"ad_account_id": "act_9999"}}, format="json")
    assert bad.status_code == 400 and "ad_account_id" in bad.json()["error"]["details"]
    assert AuditEntry.unscoped.filter(workspace=a.workspace, action="integrations.connection.connected").exists()


def test_the_state_is_single_use(world, apps):
    a = world["A"]
    _, params = start(a, "meta")
    admin = browser(a.users["admin"])
    assert callback(admin, "meta", {"code": apps["meta"].issue_code(), "state": params["state"]}).status_code == 302
    Connection.unscoped.all().delete()
    again = callback(admin, "meta", {"code": apps["meta"].issue_code(), "state": params["state"]})
    assert again.status_code == 400 and "already used" in again.content.decode()
    assert not Connection.unscoped.exists()


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "no state"),
        ("unknown", "unknown"),
        ("expired", "expired"),
        ("other_user", "someone else"),
        ("other_provider", "someone else"),
    ],
)
def test_a_bad_state_stores_nothing_and_says_why(world, apps, case, expected):
    a = world["A"]
    provider = "tiktok" if case == "other_provider" else "meta"
    _, params = start(a, provider)
    state = params["state"]
    user = a.users["admin"]
    if case == "missing":
        state = ""
    elif case == "unknown":
        state = "x" * 43
    elif case == "expired":
        OAuthState.unscoped.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif case == "other_user":
        user = a.users["owner"]
    response = callback(browser(user), "meta", {"code": apps["meta"].issue_code(), "state": state})
    assert response.status_code == 400
    assert expected in response.content.decode() and "Nothing was stored" in response.content.decode()
    assert not Connection.unscoped.exists()
    assert not apps["meta"].calls("/v21.0/oauth/access_token")  # refused before any exchange


def test_a_state_from_another_workspace_admin_is_foreign(world, apps):
    _, params = start(world["A"], "meta")
    response = callback(
        browser(world["B"].users["admin"]), "meta", {"code": apps["meta"].issue_code(), "state": params["state"]}
    )
    assert response.status_code == 400 and not Connection.unscoped.exists()


def test_denied_consent_stores_nothing(world, apps):
    a = world["A"]
    _, params = start(a, "meta")
    denied = {
        "error": "access_denied",
        "error_code": "200",
        "error_description": "Permissions error",
        "error_reason": "user_denied",
        "state": params["state"],
    }
    response = callback(browser(a.users["admin"]), "meta", denied)
    assert response.status_code == 400
    assert (
        "not authorized at the provider" in response.content.decode()
        and "Permissions error" in response.content.decode()
    )
    assert not Connection.unscoped.exists()
    assert AuditEntry.unscoped.filter(workspace=a.workspace, action="integrations.oauth.failed").exists()


def test_a_refused_exchange_stores_nothing_and_shows_the_providers_reason(world, apps):
    a = world["A"]
    _, params = start(a, "meta")
    response = callback(browser(a.users["admin"]), "meta", {"code": "forged-code", "state": params["state"]})
    assert response.status_code == 400 and "authorization code has been used" in response.content.decode()
    assert not Connection.unscoped.exists()


def test_the_callback_page_speaks_the_users_language(world, apps):
    a = world["A"]
    user = a.users["admin"]
    user.preferred_language = "he"
    user.save()
    response = callback(browser(user), "meta", {"code": "x", "state": ""})
    assert response.status_code == 400 and 'dir="rtl"' in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in_first(world, apps):
    response = Client().get("/integrations/callback/meta/?state=abc&code=def")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_shopify_connects_a_shop_with_an_expiring_token(world, apps):
    a = world["A"]
    authorize, params = start(a, "shopify", shop="My-Store")
    assert authorize == f"https://{SHOP}/admin/oauth/authorize"
    assert params["client_id"] == "shopify-key-1" and params["redirect_uri"] == f"{SITE}/integrations/callback/shopify/"
    response = callback(browser(a.users["admin"]), "shopify", apps["shopify"].callback_query(state=params["state"]))
    assert response.status_code == 302, response.content
    connection = Connection.unscoped.get(workspace=a.workspace, provider="shopify")
    assert (connection.account_id, connection.account_name) == (SHOP, "My Store")
    assert connection.refresh_token in apps["shopify"].refresh
    assert timedelta(minutes=59) < connection.expires_at - timezone.now() <= timedelta(hours=1)
    assert connection.assets["shop"]["currency"] == "EUR"
    token = apps["shopify"].calls("/admin/oauth/access_token")[0]
    assert json.loads(token.content)["expiring"] == "1"


@pytest.mark.parametrize(
    "shop", ["evil.example.com", "my-store.myshopify.com.evil.io", "127.0.0.1", "-x.myshopify.com", ""]
)
def test_a_shop_that_is_not_myshopify_is_refused_before_any_request(world, apps, shop):
    response = world["A"].client("admin").post("/api/v1/integrations/shopify/connect", {"shop": shop}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_shop"
    assert not OAuthState.unscoped.exists() and not apps["all"].requests


def test_a_bad_shopify_hmac_or_another_shop_stores_nothing(world, apps):
    a = world["A"]
    admin = browser(a.users["admin"])
    _, params = start(a, "shopify", shop=SHOP)
    forged = apps["shopify"].callback_query(state=params["state"], secret="not-the-app-secret")
    response = callback(admin, "shopify", forged)
    assert response.status_code == 400 and "signature" in response.content.decode()
    _, params = start(a, "shopify", shop=SHOP)
    other = apps["shopify"].callback_query(state=params["state"], shop="other-store.myshopify.com")
    response = callback(admin, "shopify", other)
    assert response.status_code == 400 and "not the shop" in response.content.decode()
    assert not Connection.unscoped.exists() and not apps["shopify"].calls("/admin/oauth/access_token")


def test_tiktok_connects_the_authorized_advertisers(world, apps):
    a = world["A"]
    authorize, params = start(a, "tiktok")
    assert authorize == "https://business-api.tiktok.com/portal/auth" and params["app_id"] == "tt-app-1"
    response = callback(
        browser(a.users["admin"]), "tiktok", {"auth_code": apps["tiktok"].issue_code(), "state": params["state"]}
    )
    assert response.status_code == 302
    connection = Connection.unscoped.get(workspace=a.workspace, provider="tiktok")
    assert [x["id"] for x in connection.assets["advertisers"]] == ["7000000000001", "7000000000002"]
    advertiser = apps["tiktok"].calls("/open_api/v1.3/oauth2/advertiser/get/")[0]
    assert advertiser.headers["access-token"] == connection.access_token


def test_a_provider_without_app_credentials_is_not_configured(world, apps, settings):
    settings.META_APP_SECRET = ""
    response = world["A"].client("admin").post("/api/v1/integrations/meta/connect", {}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "provider_not_configured"
    listing = {row["provider"]: row for row in world["A"].client("admin").get("/api/v1/integrations/").json()}
    assert listing["meta"]["configured"] is False and listing["tiktok"]["configured"] is True


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_only_admins_and_owners_start_a_connection(world, apps, role):
    response = world["A"].client(role).post("/api/v1/integrations/meta/connect", {}, format="json")
    assert response.status_code == 403 and not OAuthState.unscoped.exists()


def test_an_admin_demoted_before_the_callback_cannot_finish(world, apps):
    from accounts.models import Membership

    a = world["A"]
    _, params = start(a, "meta")
    Membership.objects.filter(workspace=a.workspace, user=a.users["admin"]).update(role="member")
    response = callback(
        browser(a.users["admin"]), "meta", {"code": apps["meta"].issue_code(), "state": params["state"]}
    )
    assert response.status_code == 400 and not Connection.unscoped.exists()
