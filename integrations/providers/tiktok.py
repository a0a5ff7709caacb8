"""TikTok for Business (Marketing API): advertiser authorization.

Wire (PROVIDERS.md §6a [C3], TikTok's Business API SDK `Oauth2AccessTokenBody`):
- consent: `TIKTOK_BUSINESS_AUTH_URL?app_id&state&redirect_uri` → the browser comes back with
  `?auth_code&state` (no `auth_code`: the advertiser did not authorize);
- `POST {api}/oauth2/access_token/` JSON `{app_id, secret, auth_code}` → envelope
  `{code: 0, message: "OK", request_id, data: {access_token, advertiser_ids, scope}}`;
- `GET {api}/oauth2/advertiser/get/?app_id&secret` with the `Access-Token` header →
  `data.list[] = {advertiser_id, advertiser_name}`: the advertisers the token reaches;
- the envelope's `code` is non-zero on errors (HTTP 200); 40100–40105 (and HTTP 401) mean the
  token is invalid, expired or revoked.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from integrations.providers.base import TokenRejected, Verified, json_body, provider_failure
from nexusone import outbound

PROVIDER = "tiktok"
TOKEN_CODES = {40100, 40101, 40102, 40103, 40104, 40105}


class ExchangeRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _api() -> outbound.ProviderClient:
    return outbound.ProviderClient(service=PROVIDER, base_url=settings.TIKTOK_BUSINESS_API_URL)


def authorize_url(*, state: str, redirect_uri: str, shop: str = "") -> str:
    query = {"app_id": settings.TIKTOK_BUSINESS_APP_ID, "state": state, "redirect_uri": redirect_uri}
    return f"{settings.TIKTOK_BUSINESS_AUTH_URL}?{urlencode(query)}"


def denied(query) -> str | None:
    if query.get("error") or not (query.get("auth_code") or query.get("code")):
        return str(query.get("error_description") or query.get("error") or "The advertiser did not authorize the app.")[
            :300
        ]
    return None


def _envelope(answer) -> dict:
    body = json_body(answer)
    if answer.status_code >= 500 or not isinstance(body, dict):
        raise provider_failure(
            PROVIDER, "server_error" if answer.status_code >= 500 else "malformed_response", status=answer.status_code
        )
    return body


def exchange(*, query, redirect_uri: str, shop: str = "") -> Verified:
    auth_code = str(query.get("auth_code") or query.get("code") or "")
    answer = _api().post(
        "/oauth2/access_token/",
        json={
            "app_id": settings.TIKTOK_BUSINESS_APP_ID,
            "secret": settings.TIKTOK_BUSINESS_SECRET,
            "auth_code": auth_code,
        },
        secrets=[auth_code, settings.TIKTOK_BUSINESS_SECRET],
    )
    body = _envelope(answer)
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    if body.get("code") != 0 or not data.get("access_token"):
        raise ExchangeRefused(str(body.get("message") or f"code {body.get('code')}")[:300])
    token = str(data["access_token"])
    try:
        advertisers = _advertisers(token)
    except TokenRejected as exc:
        raise ExchangeRefused(exc.reason) from exc
    scopes = data.get("scope") or []
    return Verified(
        account_id=",".join(str(a) for a in data.get("advertiser_ids") or [])[:255],
        account_name=advertisers[0]["name"] if len(advertisers) == 1 else f"{len(advertisers)} advertisers",
        scopes=[str(s) for s in scopes] if isinstance(scopes, list) else [],
        access_token=token,
        assets={"advertisers": advertisers},
    )


def _advertisers(token: str) -> list[dict]:
    answer = _api().get(
        "/oauth2/advertiser/get/",
        params={"app_id": settings.TIKTOK_BUSINESS_APP_ID, "secret": settings.TIKTOK_BUSINESS_SECRET},
        headers={"Access-Token": token},
        secrets=[token, settings.TIKTOK_BUSINESS_SECRET],
    )
    if answer.status_code == 401:
        raise TokenRejected(provider=PROVIDER, reason="HTTP 401")
    body = _envelope(answer)
    if body.get("code") in TOKEN_CODES:
        raise TokenRejected(provider=PROVIDER, reason=str(body.get("message") or body.get("code")))
    if body.get("code") != 0:
        raise provider_failure(PROVIDER, str(body.get("message") or body.get("code"))[:200], status=answer.status_code)
    rows = ((body.get("data") or {}).get("list")) or []
    return [
        {"id": str(row.get("advertiser_id")), "name": str(row.get("advertiser_name") or "")}
        for row in rows
        if isinstance(row, dict) and row.get("advertiser_id")
    ]


def check(connection) -> Verified:
    return Verified(assets={"advertisers": _advertisers(connection.access_token)})


HOOKS = {"authorize": authorize_url, "denied": denied, "exchange": exchange, "check": check}
