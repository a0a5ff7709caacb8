"""CJ Dropshipping (API 2.0): the API key is exchanged for an access token
(15 days) and a refresh token (180 days) by `getAccessToken`, which CJ allows
**once per 5 minutes** — so the exchange is guarded here per key across all
workers (the cache holds the guard) and the tokens are kept and refreshed
(`refreshAccessToken`, at most 5 a minute) rather than requested again.

Every answer is the envelope `{code, result, message, data, requestId}`;
success is `code == 200`. Requests authenticate with `CJ-Access-Token`.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from integrations.providers.base import InvalidCredentials, TokenRejected, Verified, json_body, provider_failure
from nexusone import outbound
from nexusone.errors import ApplicationError

PROVIDER = "cj_dropshipping"
GET_TOKEN_INTERVAL = 300  # seconds between getAccessToken calls for one key (CJ's limit)
REFRESH_INTERVAL = 60  # seconds between refreshes of one connection (CJ allows 5/min)
# Envelope codes: the key / token is bad (as opposed to CJ being busy).
CREDENTIAL_CODES = {1600001, 1600002, 1600003, 1600004, 1600005, 1600006, 1600007, 1600008}


class CJRateLimited(ApplicationError):
    status_code = 429
    code = "rate_limited"
    default_message = _("CJ allows one sign-in with an API key every 5 minutes. Please try again shortly.")

    def __init__(self, retry_after: float):
        super().__init__(details={"provider": PROVIDER, "retry_after": int(retry_after + 0.999)})
        self.retry_after = retry_after


def _client() -> outbound.ProviderClient:
    return outbound.ProviderClient(service=PROVIDER, base_url=settings.CJ_BASE_URL)


def _date(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _claim(key: str, interval: int) -> None:
    """Take the right to call now, or raise CJRateLimited with the wait left."""
    now = time.time()
    if cache.add(key, now, timeout=interval):
        return
    since = cache.get(key)
    raise CJRateLimited(retry_after=max(1.0, interval - (now - float(since or now))))


def _tokens(answer, *, secret: str) -> Verified:
    body = json_body(answer)
    if not isinstance(body, dict):
        raise provider_failure(PROVIDER, "malformed_response", status=answer.status_code)
    code = body.get("code")
    data = body.get("data")
    if code == 200 and body.get("result") is not False and isinstance(data, dict) and data.get("accessToken"):
        return Verified(
            account_id=str(data.get("openId") or ""),
            access_token=str(data["accessToken"]),
            refresh_token=str(data.get("refreshToken") or ""),
            expires_at=_date(data.get("accessTokenExpiryDate")),
            refresh_expires_at=_date(data.get("refreshTokenExpiryDate")),
        )
    if code in CREDENTIAL_CODES:
        raise InvalidCredentials(provider=PROVIDER, reason=str(body.get("message") or code), secrets=(secret,))
    raise provider_failure(
        PROVIDER, "rejected" if answer.status_code < 500 else "server_error", status=answer.status_code
    )


def cj_verify(api_key: str) -> Verified:
    """POST /authentication/getAccessToken {"apiKey"} — once per 5 minutes per key."""
    _claim("integrations:cj:get-token:" + hashlib.sha256(api_key.encode()).hexdigest()[:40], GET_TOKEN_INTERVAL)
    answer = _client().post("/authentication/getAccessToken", json={"apiKey": api_key}, secrets=[api_key])
    return _tokens(answer, secret=api_key)


def cj_refresh(*, connection_id: int, refresh_token: str) -> Verified:
    """POST /authentication/refreshAccessToken {"refreshToken"} → new tokens.
    A refused refresh token (expired after 180 days) is TokenRejected."""
    _claim(f"integrations:cj:refresh:{connection_id}", REFRESH_INTERVAL)
    answer = _client().post(
        "/authentication/refreshAccessToken", json={"refreshToken": refresh_token}, secrets=[refresh_token]
    )
    try:
        return _tokens(answer, secret=refresh_token)
    except InvalidCredentials as exc:
        raise TokenRejected(provider=PROVIDER, reason=exc.reason) from exc


def cj_check(access_token: str) -> Verified:
    """A cheap authenticated read (GET /product/getCategory) with the stored token."""
    answer = _client().get("/product/getCategory", headers={"CJ-Access-Token": access_token}, secrets=[access_token])
    body = json_body(answer)
    if isinstance(body, dict) and body.get("code") == 200:
        return Verified()
    if answer.status_code == 401 or (isinstance(body, dict) and body.get("code") in CREDENTIAL_CODES):
        reason = body.get("message", "") if isinstance(body, dict) else f"HTTP {answer.status_code}"
        raise TokenRejected(provider=PROVIDER, reason=str(reason))
    raise provider_failure(
        PROVIDER, "rejected" if answer.status_code < 500 else "server_error", status=answer.status_code
    )
