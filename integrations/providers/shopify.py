"""Shopify: the authorization-code grant for one shop, with expiring offline
tokens (an hour) and refresh-token rotation.

Wire (PROVIDERS.md §2; shopify.dev "Authorization code grant", "Offline access
tokens", "Use expiring offline access tokens"):
- consent: `{shop admin}/admin/oauth/authorize?client_id&scope&redirect_uri&state`
  (no `grant_options[]`: an offline token);
- callback `?code&hmac&host&shop&state&timestamp`: the HMAC (hex SHA-256 with the app
  secret over the other parameters, sorted, `k=v` joined with `&`) and the shop name are
  checked before anything is sent;
- `POST {shop admin}/admin/oauth/access_token` JSON `{client_id, client_secret, code,
  expiring: "1"}` → `{access_token, scope, expires_in: 3600, refresh_token,
  refresh_token_expires_in}`; the same endpoint with `grant_type=refresh_token` rotates
  both tokens (the new refresh token replaces the old one); a dead refresh token answers
  400 `{"error": "invalid_grant"}`;
- the Admin GraphQL API `POST /admin/api/{version}/graphql.json` with
  `X-Shopify-Access-Token`; a token Shopify no longer accepts answers 401.

`SHOPIFY_URL_TEMPLATE` (default `https://{shop}`) says where a shop's admin lives, so a
local Shopify-compatible server can stand in. The shop name is what the user supplies:
only `<name>.myshopify.com` is accepted, before any request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations.providers.base import TokenRejected, Verified, json_body, provider_failure
from nexusone import outbound
from nexusone.errors import ValidationFailed

PROVIDER = "shopify"
SHOP_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}\.myshopify\.com$")
HMAC_MAX_AGE_SECONDS = 600  # the callback's timestamp: no older than the state's life
SHOP_QUERY = "{ shop { name myshopifyDomain currencyCode email primaryDomain { url host } } }"


class ExchangeRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class InvalidShop(ValidationFailed):
    code = "invalid_shop"
    default_message = _("Enter your shop's myshopify.com address, e.g. my-store.myshopify.com.")


def normalize_shop(value: str) -> str:
    """`My-Store`, `my-store.myshopify.com`, `https://my-store.myshopify.com/` → `my-store.myshopify.com`;
    anything else raises InvalidShop (400) before any request is made."""
    shop = (value or "").strip().lower()
    shop = shop.removeprefix("https://").removeprefix("http://").rstrip("/")
    if shop and "." not in shop:
        shop += ".myshopify.com"
    if not SHOP_RE.match(shop):
        raise InvalidShop(details={"shop": [InvalidShop.default_message]})
    return shop


def is_valid_shop(value: str) -> bool:
    return bool(SHOP_RE.match(value or ""))


def admin_url(shop: str) -> str:
    return settings.SHOPIFY_URL_TEMPLATE.format(shop=shop).rstrip("/")


def _client(shop: str) -> outbound.ProviderClient:
    return outbound.ProviderClient(service=PROVIDER, base_url=admin_url(shop), hints=(outbound.shopify_throttle_wait,))


def authorize_url(*, state: str, redirect_uri: str, shop: str = "") -> str:
    query = {
        "client_id": settings.SHOPIFY_API_KEY,
        "scope": settings.SHOPIFY_SCOPES,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    return f"{admin_url(shop)}/admin/oauth/authorize?{urlencode(query)}"


def _escape(text: str, *, key: bool) -> str:
    text = text.replace("%", "%25").replace("&", "%26")
    return text.replace("=", "%3D") if key else text


def callback_hmac(query_items: list[tuple[str, str]]) -> str:
    """The hex HMAC Shopify signs a callback with: every parameter but `hmac`
    and `signature`, sorted, `k=v` joined with `&`."""
    pairs = sorted(
        (_escape(k, key=True), _escape(v, key=False)) for k, v in query_items if k not in ("hmac", "signature")
    )
    message = "&".join(f"{k}={v}" for k, v in pairs)
    return hmac.new(settings.SHOPIFY_API_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_callback(query, *, expected_shop: str) -> str | None:
    """Why this callback cannot be trusted, or None. Checked before any request."""
    items = [(k, v) for k in query for v in query.getlist(k)] if hasattr(query, "getlist") else list(query.items())
    given = str(query.get("hmac") or "")
    if not given or not hmac.compare_digest(callback_hmac(items), given.lower()):
        return "bad_hmac"
    shop = str(query.get("shop") or "")
    if not is_valid_shop(shop) or shop != expected_shop:
        return "bad_shop"
    try:
        timestamp = int(query.get("timestamp") or 0)
    except ValueError:
        return "bad_hmac"
    if abs(timezone.now().timestamp() - timestamp) > HMAC_MAX_AGE_SECONDS:
        return "bad_hmac"
    return None


def denied(query) -> str | None:
    if query.get("error"):
        return str(query.get("error_description") or query.get("error"))[:300]
    return None


def _tokens(body: dict) -> Verified:
    now = timezone.now()
    expires_in, refresh_in = body.get("expires_in"), body.get("refresh_token_expires_in")
    return Verified(
        access_token=str(body["access_token"]),
        refresh_token=str(body.get("refresh_token") or ""),
        scopes=[scope for scope in str(body.get("scope") or "").split(",") if scope],
        expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
        refresh_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
    )


def _token_call(shop: str, payload: dict, secrets: list[str]):
    answer = _client(shop).post(
        "/admin/oauth/access_token",
        json={"client_id": settings.SHOPIFY_API_KEY, "client_secret": settings.SHOPIFY_API_SECRET, **payload},
        secrets=[settings.SHOPIFY_API_SECRET, *secrets],
    )
    body = json_body(answer)
    if answer.is_success and isinstance(body, dict) and body.get("access_token"):
        return _tokens(body), None
    if answer.status_code >= 500 or answer.status_code == 429:
        raise provider_failure(PROVIDER, "server_error", status=answer.status_code)
    reason = ""
    if isinstance(body, dict):
        reason = str(body.get("error_description") or body.get("error") or body.get("errors") or "")
    return None, (reason or f"HTTP {answer.status_code}")[:300]


def shop_info(shop: str, token: str) -> dict:
    answer = _client(shop).post(
        f"/admin/api/{settings.SHOPIFY_API_VERSION}/graphql.json",
        json={"query": SHOP_QUERY},
        headers={"X-Shopify-Access-Token": token},
        secrets=[token],
        retry=outbound.RetryPolicy(retry_unsafe=True),  # a read: safe to repeat
    )
    body = json_body(answer)
    if answer.status_code in (401, 403):
        reason = str(body.get("errors") if isinstance(body, dict) else "") or f"HTTP {answer.status_code}"
        raise TokenRejected(provider=PROVIDER, reason=reason[:300])
    data = (body or {}).get("data") if isinstance(body, dict) else None
    if not answer.is_success or not isinstance(data, dict) or not isinstance(data.get("shop"), dict):
        raise provider_failure(
            PROVIDER, "rejected" if answer.status_code < 500 else "server_error", status=answer.status_code
        )
    info = data["shop"]
    return {
        "domain": str(info.get("myshopifyDomain") or shop),
        "name": str(info.get("name") or ""),
        "currency": str(info.get("currencyCode") or ""),
        "primary_domain": str((info.get("primaryDomain") or {}).get("host") or ""),
    }


def exchange(*, query, redirect_uri: str, shop: str = "") -> Verified:
    code = str(query.get("code") or "")
    if not code:
        raise ExchangeRefused("The shop did not return an authorization code.")
    verified, reason = _token_call(shop, {"code": code, "expiring": "1"}, [code])
    if verified is None:
        raise ExchangeRefused(reason)
    try:
        info = shop_info(shop, verified.access_token)
    except TokenRejected as exc:
        raise ExchangeRefused(exc.reason) from exc
    verified.account_id = shop
    verified.account_name = info["name"] or shop
    verified.assets = {"shop": info}
    return verified


def refresh(connection) -> Verified:
    """Rotate: a new access token *and* a new refresh token, which replaces the old one."""
    verified, reason = _token_call(
        connection.account_id,
        {"grant_type": "refresh_token", "refresh_token": connection.refresh_token},
        [connection.refresh_token],
    )
    if verified is None:
        raise TokenRejected(provider=PROVIDER, reason=reason)
    return verified


def check(connection) -> Verified:
    info = shop_info(connection.account_id, connection.access_token)
    return Verified(account_name=info["name"] or connection.account_id, assets={"shop": info})


def revoke(connection) -> None:
    """Uninstall the app from the shop (`DELETE /admin/api_permissions/current.json`, documented
    at shopify.dev "Uninstall a Shopify app with an API request"): every token of the installation,
    access and refresh, stops working. A token the shop already refuses needs no revoking."""
    token = connection.access_token
    answer = _client(connection.account_id).delete(
        "/admin/api_permissions/current.json", headers={"X-Shopify-Access-Token": token}, secrets=[token]
    )
    if answer.is_success or answer.status_code in (401, 403, 404):
        return
    raise provider_failure(
        PROVIDER, "server_error" if answer.status_code >= 500 else "rejected", status=answer.status_code
    )


HOOKS = {
    "authorize": authorize_url,
    "denied": denied,
    "exchange": exchange,
    "check": check,
    "refresh": refresh,
    "revoke": revoke,
}
