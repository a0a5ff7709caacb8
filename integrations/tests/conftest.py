"""The OAuth providers' doubles (Meta's Graph, a Shopify shop, TikTok's
Business API) installed on the outbound door, with the platform's app
credentials set."""

from __future__ import annotations

import pytest

from integrations.tests.oauth_doubles import SHOP, SITE, Combined, MetaDouble, ShopifyDouble, TikTokDouble


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
