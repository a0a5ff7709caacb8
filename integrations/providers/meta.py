"""Meta (Facebook Login, manual flow) → a long-lived user token that reaches
the ad accounts, Pages and Instagram accounts the person granted.

Wire (PROVIDERS.md §1, developers.facebook.com "Manually Build a Login Flow"
and "Long-Lived Access Tokens"):
- consent: `META_OAUTH_DIALOG_URL?client_id&redirect_uri&state&scope&response_type=code`;
  the browser comes back with `?code&state`, or `?error=access_denied&error_reason=user_denied
  &error_description=…&state` when the person cancels;
- `GET {graph}/oauth/access_token?client_id&redirect_uri&client_secret&code` → short-lived token;
- `GET {graph}/oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret
  &fb_exchange_token` → `{access_token, token_type, expires_in≈60 days}` (no refresh token:
  when it lapses an admin reconnects);
- errors: HTTP 400 `{"error": {message, type, code, error_subcode, fbtrace_id}}`; code 190 is an
  invalid or expired token; `DELETE /me/permissions` revokes the app's grant.
Every Graph call carries `appsecret_proof` (HMAC-SHA256 of the token with the app secret).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from integrations.providers.base import TokenRejected, Verified, json_body, provider_failure
from nexusone import outbound

PROVIDER = "meta"
TOKEN_INVALID = 190
MAX_PAGES = 10  # of 100 items each, per asset list


class ExchangeRefused(Exception):
    """Meta refused the code or the exchange: the page says `reason`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _graph() -> outbound.ProviderClient:
    return outbound.ProviderClient(
        service=PROVIDER, base_url=settings.META_GRAPH_URL, hints=(outbound.meta_usage_wait,)
    )


def appsecret_proof(token: str) -> str:
    return hmac.new(settings.META_APP_SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()


def _error(answer) -> dict:
    body = json_body(answer)
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _raise_for(answer, token: str) -> None:
    """Interpret a Graph error: code 190 → the token is rejected; others → provider failure."""
    error = _error(answer)
    if error.get("code") == TOKEN_INVALID or answer.status_code == 401:
        raise TokenRejected(provider=PROVIDER, reason=str(error.get("message") or "Invalid OAuth access token."))
    raise provider_failure(PROVIDER, str(error.get("message") or "rejected")[:200], status=answer.status_code)


def authorize_url(*, state: str, redirect_uri: str, shop: str = "") -> str:
    query = {
        "client_id": settings.META_APP_ID,
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": settings.META_OAUTH_SCOPES,
        "response_type": "code",
    }
    return f"{settings.META_OAUTH_DIALOG_URL}?{urlencode(query)}"


def denied(query) -> str | None:
    if query.get("error") or query.get("error_reason"):
        return str(query.get("error_description") or query.get("error_reason") or query.get("error"))[:300]
    return None


def _token_call(params: dict[str, str], secrets: list[str]) -> dict:
    answer = _graph().get("/oauth/access_token", params=params, secrets=secrets)
    body = json_body(answer)
    if answer.is_success and isinstance(body, dict) and body.get("access_token"):
        return body
    if answer.status_code >= 500:
        raise provider_failure(PROVIDER, "server_error", status=answer.status_code)
    raise ExchangeRefused(str(_error(answer).get("message") or f"HTTP {answer.status_code}")[:300])


def exchange(*, query, redirect_uri: str, shop: str = "") -> Verified:
    """The code → a short-lived token → a long-lived token → who and what it reaches."""
    code = str(query.get("code") or "")
    if not code:
        raise ExchangeRefused("The sign-in did not return an authorization code.")
    app = {"client_id": settings.META_APP_ID, "client_secret": settings.META_APP_SECRET}
    short = _token_call({**app, "redirect_uri": redirect_uri, "code": code}, [code, settings.META_APP_SECRET])
    short_token = str(short["access_token"])
    long = _token_call(
        {**app, "grant_type": "fb_exchange_token", "fb_exchange_token": short_token},
        [short_token, settings.META_APP_SECRET],
    )
    token = str(long["access_token"])
    expires_in = long.get("expires_in")
    try:
        me = _me(token)
        scopes, reached = _granted_scopes(token), assets(token)
    except TokenRejected as exc:
        raise ExchangeRefused(exc.reason) from exc
    return Verified(
        account_id=str(me.get("id") or ""),
        account_name=str(me.get("name") or ""),
        scopes=scopes,
        access_token=token,
        expires_at=timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None,
        assets=reached,
    )


def _get(path: str, token: str, params: dict[str, Any] | None = None) -> dict:
    answer = _graph().get(
        path,
        params={**(params or {}), "access_token": token, "appsecret_proof": appsecret_proof(token)},
        secrets=[token],
    )
    if not answer.is_success:
        _raise_for(answer, token)
    body = json_body(answer)
    if not isinstance(body, dict):
        raise provider_failure(PROVIDER, "malformed_response", status=answer.status_code)
    return body


def _me(token: str) -> dict:
    return _get("/me", token, {"fields": "id,name"})


def _granted_scopes(token: str) -> list[str]:
    body = _get("/me/permissions", token)
    return [
        row["permission"] for row in body.get("data") or [] if row.get("status") == "granted" and row.get("permission")
    ]


def _all(path: str, token: str, fields: str) -> list[dict]:
    """Every item of a cursor-paged edge (stops when `paging.next` is absent)."""
    items: list[dict] = []
    body = _get(path, token, {"fields": fields, "limit": 100})
    for _page in range(MAX_PAGES):
        items.extend(row for row in body.get("data") or [] if isinstance(row, dict))
        after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
        if not (body.get("paging") or {}).get("next") or not after:
            break
        body = _get(path, token, {"fields": fields, "limit": 100, "after": after})
    return items


def assets(token: str) -> dict[str, list[dict]]:
    """Ad accounts (with currency), Pages and the Instagram accounts linked to them.
    Pages' own tokens are not kept: a module that posts as a Page reads its token
    from `/me/accounts` with the user token when it needs it."""
    accounts = _all("/me/adaccounts", token, "id,account_id,name,currency,account_status,timezone_name")
    pages = _all("/me/accounts", token, "id,name,category,instagram_business_account{id,username}")
    return {
        "ad_accounts": [
            {
                "id": str(row.get("id") or f"act_{row.get('account_id')}"),
                "account_id": str(row.get("account_id") or ""),
                "name": str(row.get("name") or ""),
                "currency": str(row.get("currency") or ""),
                "status": row.get("account_status"),
                "timezone": str(row.get("timezone_name") or ""),
            }
            for row in accounts
        ],
        "pages": [
            {"id": str(p["id"]), "name": str(p.get("name") or ""), "category": str(p.get("category") or "")}
            for p in pages
            if p.get("id")
        ],
        "instagram_accounts": [
            {"id": str(ig["id"]), "username": str(ig.get("username") or ""), "page_id": str(p["id"])}
            for p in pages
            if isinstance(ig := p.get("instagram_business_account"), dict) and ig.get("id")
        ],
    }


def check(connection) -> Verified:
    """A cheap authenticated read, then the assets again (they change in Business Manager)."""
    token = connection.access_token
    if connection.expires_at is not None and connection.expires_at <= timezone.now():
        raise TokenRejected(provider=PROVIDER, reason="The access token has expired.")
    me = _me(token)
    return Verified(account_id=str(me.get("id") or ""), account_name=str(me.get("name") or ""), assets=assets(token))


def revoke(connection) -> None:
    token = connection.access_token
    answer = _graph().delete(
        "/me/permissions", params={"access_token": token, "appsecret_proof": appsecret_proof(token)}, secrets=[token]
    )
    if not answer.is_success:
        _raise_for(answer, token)


HOOKS = {"authorize": authorize_url, "denied": denied, "exchange": exchange, "check": check, "revoke": revoke}
