"""Local doubles of Meta's Graph (token exchange, /me, ad accounts, Pages,
permissions), a Shopify shop (token endpoint with expiring offline tokens and
rotation, Admin GraphQL) and TikTok's Business API (token, advertisers),
answering with the providers' documented payloads. Installed on the outbound
door with `double.installed()`."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from integrations.tests.doubles import ProviderDouble, body

SITE = "https://app.nexusone.test"
SHOP = "my-store.myshopify.com"
GRAPH = "/v21.0"
REDIRECT_MISMATCH = (
    "Error validating verification code. Please make sure your redirect_uri is identical "
    "to the one you used in the OAuth dialog request"
)
REDIRECT_MISMATCH = (
    "Error validating verification code. Please make sure your redirect_uri is identical "
    "to the one you used in the OAuth dialog request"
)
META_TOKEN_INVALID = {
    "error": {
        "message": "Error validating access token: The user has not authorized application 1234567890.",
        "type": "OAuthException",
        "code": 190,
        "error_subcode": 458,
        "fbtrace_id": "AbCdEfGh123",
    }
}


def query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}


def meta_error(message: str, code: int = 100, kind: str = "OAuthException") -> dict:
    return {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "A1b2C3d4E5f"}}


class MetaDouble(ProviderDouble):
    """Graph at https://graph.facebook.com/v21.0: codes → short-lived → long-lived tokens."""

    def __init__(self, *, app_id: str, app_secret: str, redirect_uri: str):
        super().__init__()
        self.app_id, self.app_secret, self.redirect_uri = app_id, app_secret, redirect_uri
        self.codes: set[str] = set()
        self.short: set[str] = set()
        self.valid: set[str] = set()
        self.revoked: list[str] = []
        self._n = itertools.count(1)
        self.on("GET", f"{GRAPH}/oauth/access_token", self._token)
        self.on("GET", f"{GRAPH}/me", self._me)
        self.on("GET", f"{GRAPH}/me/permissions", self._permissions)
        self.on("DELETE", f"{GRAPH}/me/permissions", self._revoke)
        self.on("GET", f"{GRAPH}/me/adaccounts", self._adaccounts)
        self.on("GET", f"{GRAPH}/me/accounts", self._pages)

    def issue_code(self) -> str:
        code = f"AQD-meta-code-{next(self._n)}-x9"
        self.codes.add(code)
        return code

    def _token(self, request):
        q = query(request)
        if q.get("client_id") != self.app_id or q.get("client_secret") != self.app_secret:
            return httpx.Response(400, json=meta_error("Error validating client secret.", 1))
        if q.get("grant_type") == "fb_exchange_token":
            if q.get("fb_exchange_token") not in self.short:
                return httpx.Response(400, json=META_TOKEN_INVALID)
            token = f"EAAlong-{next(self._n)}-lived-token-ZZ"
            self.valid.add(token)
            return httpx.Response(200, json={"access_token": token, "token_type": "bearer", "expires_in": 5183944})
        if q.get("redirect_uri") != self.redirect_uri:
            return httpx.Response(
                400,
                json=meta_error(REDIRECT_MISMATCH, 100),
            )
        if q.get("code") not in self.codes:
            return httpx.Response(400, json=meta_error("This authorization code has been used.", 100))
        self.codes.discard(q["code"])  # a code works once
        token = f"EAAshort-{next(self._n)}-token-YY"
        self.short.add(token)
        return httpx.Response(200, json={"access_token": token, "token_type": "bearer", "expires_in": 5400})

    def _authorized(self, request) -> str | None:
        q = query(request)
        token = q.get("access_token", "")
        proof = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if token in self.valid and q.get("appsecret_proof") == proof:
            return token
        return None

    def _me(self, request):
        if not self._authorized(request):
            return httpx.Response(400, json=META_TOKEN_INVALID)
        return httpx.Response(200, json={"id": "10158000000000001", "name": "Dana Cohen"})

    def _permissions(self, request):
        if not self._authorized(request):
            return httpx.Response(400, json=META_TOKEN_INVALID)
        granted = ["ads_management", "ads_read", "business_management", "pages_show_list", "public_profile"]
        data = [{"permission": p, "status": "granted"} for p in granted] + [
            {"permission": "instagram_basic", "status": "declined"}
        ]
        return httpx.Response(200, json={"data": data})

    def _revoke(self, request):
        token = self._authorized(request)
        if not token:
            return httpx.Response(400, json=META_TOKEN_INVALID)
        self.valid.discard(token)
        self.revoked.append(token)
        return httpx.Response(200, json={"success": True})

    def _adaccounts(self, request):
        if not self._authorized(request):
            return httpx.Response(400, json=META_TOKEN_INVALID)
        q = query(request)
        first = [
            {
                "id": "act_1111",
                "account_id": "1111",
                "name": "Shop EUR",
                "currency": "EUR",
                "account_status": 1,
                "timezone_name": "Europe/Madrid",
            },
        ]
        second = [
            {
                "id": "act_2222",
                "account_id": "2222",
                "name": "Shop ILS",
                "currency": "ILS",
                "account_status": 1,
                "timezone_name": "Asia/Jerusalem",
            },
        ]
        if q.get("after") == "cursor-2":
            return httpx.Response(
                200, json={"data": second, "paging": {"cursors": {"before": "cursor-2b", "after": "cursor-2e"}}}
            )
        base = f"https://graph.facebook.com{GRAPH}/me/adaccounts"
        return httpx.Response(
            200,
            json={
                "data": first,
                "paging": {"cursors": {"before": "cursor-1", "after": "cursor-2"}, "next": base + "?after=cursor-2"},
            },
        )

    def _pages(self, request):
        if not self._authorized(request):
            return httpx.Response(400, json=META_TOKEN_INVALID)
        pages = [
            {
                "id": "200001",
                "name": "Dana's Shop",
                "category": "Shopping & retail",
                "access_token": "EAApage-token-1",
                "instagram_business_account": {"id": "17841400000000001", "username": "danas.shop"},
            },
            {"id": "200002", "name": "Dana Blog", "category": "Blogger", "access_token": "EAApage-token-2"},
        ]
        return httpx.Response(200, json={"data": pages, "paging": {"cursors": {"before": "p1", "after": "p2"}}})


class ShopifyDouble(ProviderDouble):
    """One shop's admin at https://<shop>/admin: expiring offline tokens, rotation."""

    def __init__(self, *, shop: str, api_key: str, api_secret: str, version: str = "2024-10"):
        super().__init__()
        self.shop, self.api_key, self.api_secret = shop, api_key, api_secret
        self.codes: set[str] = set()
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self._n = itertools.count(1)
        self.on("POST", "/admin/oauth/access_token", self._token)
        self.on("POST", f"/admin/api/{version}/graphql.json", self._graphql)
        self.on("DELETE", "/admin/api_permissions/current.json", self._uninstall)
        self.uninstalled = False

    def issue_code(self) -> str:
        code = f"shopify-code-{next(self._n)}-abc"
        self.codes.add(code)
        return code

    def callback_query(
        self, *, state: str, code: str | None = None, shop: str | None = None, secret: str | None = None
    ) -> dict[str, str]:
        params = {
            "code": code or self.issue_code(),
            "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvbXktc3RvcmU",
            "shop": shop or self.shop,
            "state": state,
            "timestamp": str(int(time.time())),
        }
        message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        params["hmac"] = hmac.new((secret or self.api_secret).encode(), message.encode(), hashlib.sha256).hexdigest()
        return params

    def _issue(self) -> httpx.Response:
        n = next(self._n)
        access, refresh = f"shpat_expiring_{n:04d}_aa", f"shprt_refresh_{n:04d}_bb"
        self.access.add(access)
        self.refresh.add(refresh)
        return httpx.Response(
            200,
            json={
                "access_token": access,
                "scope": "read_products,write_products,read_orders,read_inventory,write_inventory",
                "expires_in": 3600,
                "refresh_token": refresh,
                "refresh_token_expires_in": 7776000,
            },
        )

    def _token(self, request):
        if request.url.host != self.shop:
            return httpx.Response(404, text="Not Found")
        data = body(request)
        if data.get("client_id") != self.api_key or data.get("client_secret") != self.api_secret:
            return httpx.Response(
                400, json={"error": "invalid_client", "error_description": "Client authentication failed"}
            )
        if data.get("grant_type") == "refresh_token":
            if data.get("refresh_token") not in self.refresh:
                return httpx.Response(
                    400, json={"error": "invalid_grant", "error_description": "The refresh token is invalid or expired"}
                )
            self.refresh.discard(data["refresh_token"])  # rotated: the old one is spent
            return self._issue()
        if data.get("code") not in self.codes:
            return httpx.Response(
                400,
                json={
                    "error": "invalid_request",
                    "error_description": "The authorization code was not found or was already used",
                },
            )
        self.codes.discard(data["code"])
        return self._issue()

    def _uninstall(self, request):
        if request.headers.get("x-shopify-access-token") not in self.access:
            return httpx.Response(
                401, json={"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            )
        self.access.clear()  # the installation is gone: every token of it stops working
        self.refresh.clear()
        self.uninstalled = True
        return httpx.Response(200, json={})

    def _graphql(self, request):
        if request.headers.get("x-shopify-access-token") not in self.access:
            return httpx.Response(
                401, json={"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            )
        shop = {
            "name": "My Store",
            "myshopifyDomain": self.shop,
            "currencyCode": "EUR",
            "email": "owner@my-store.example",
            "primaryDomain": {"url": "https://shop.example", "host": "shop.example"},
        }
        cost = {
            "requestedQueryCost": 1,
            "actualQueryCost": 1,
            "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1999, "restoreRate": 100.0},
        }
        return httpx.Response(200, json={"data": {"shop": shop}, "extensions": {"cost": cost}})


def tiktok_envelope(data, code: int = 0, message: str = "OK") -> dict:
    return {"code": code, "message": message, "request_id": "2026120712000001", "data": data}


class TikTokDouble(ProviderDouble):
    def __init__(self, *, app_id: str, secret: str):
        super().__init__()
        self.app_id, self.secret = app_id, secret
        self.codes: set[str] = set()
        self.valid: set[str] = set()
        self._n = itertools.count(1)
        self.on("POST", "/open_api/v1.3/oauth2/access_token/", self._token)
        self.on("GET", "/open_api/v1.3/oauth2/advertiser/get/", self._advertisers)

    def issue_code(self) -> str:
        code = f"tt-auth-code-{next(self._n)}"
        self.codes.add(code)
        return code

    def _token(self, request):
        data = body(request)
        if (
            data.get("app_id") != self.app_id
            or data.get("secret") != self.secret
            or data.get("auth_code") not in self.codes
        ):
            return httpx.Response(200, json=tiktok_envelope({}, code=40001, message="auth_code is invalid or expired"))
        self.codes.discard(data["auth_code"])
        token = f"tt-access-{next(self._n)}-token"
        self.valid.add(token)
        return httpx.Response(
            200,
            json=tiktok_envelope(
                {"access_token": token, "advertiser_ids": ["7000000000001", "7000000000002"], "scope": [4, 5, 6]}
            ),
        )

    def _advertisers(self, request):
        if request.headers.get("access-token") not in self.valid:
            return httpx.Response(
                200, json=tiktok_envelope({}, code=40105, message="Access token is incorrect or has been revoked.")
            )
        rows = [
            {"advertiser_id": "7000000000001", "advertiser_name": "Brand ES"},
            {"advertiser_id": "7000000000002", "advertiser_name": "Brand IL"},
        ]
        return httpx.Response(200, json=tiktok_envelope({"list": rows}))


class Combined(ProviderDouble):
    """Several doubles behind one transport, chosen by host."""

    def __init__(self, by_host: dict[str, ProviderDouble]):
        super().__init__()
        self.by_host = by_host

    def __call__(self, request):
        self.requests.append(request)
        double = self.by_host.get(request.url.host)
        if double is None:
            return httpx.Response(404, json={"error": f"no double for host {request.url.host}"})
        return double(request)


def split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {k: v[0] for k, v in parse_qs(parts.query).items()}


def callback(client, provider: str, params: dict[str, str]):
    return client.get(f"/integrations/callback/{provider}/?{urlencode(params)}")
