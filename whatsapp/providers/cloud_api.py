"""The WhatsApp Cloud API client (Meta Graph API) on httpx.

Wire protocol (`WHATSAPP_GRAPH_URL`, default `https://graph.facebook.com/v21.0`,
`Authorization: Bearer <account token>`):
- `POST /{phone_number_id}/messages` with `{"messaging_product": "whatsapp",
  "recipient_type": "individual", "to": "<digits>", "type": …, "<type>": {…}}`
  → `{"messaging_product", "contacts": [{"input", "wa_id"}], "messages":
  [{"id": "wamid…", "message_status": "accepted"}]}`.
- `GET /{waba_id}/message_templates?fields=…&limit=…` → `{"data": [{"id",
  "name", "language", "category", "status", "components", …}], "paging":
  {"cursors": {…}, "next": "<url>"}}` (followed through `paging.next`).
- `GET /{phone_number_id}?fields=display_phone_number,verified_name,quality_rating`.
- Errors: `{"error": {"message", "type", "code", "error_subcode",
  "error_data": {"messaging_product", "details"}, "fbtrace_id"}}` — mapped by
  `code` (never by title, which Meta is deprecating) to a `ProviderFailure`
  reason; see `providers.base`.

One process-wide `httpx.Client` per base URL keeps connections alive across
batches (it is thread-safe and recreated after a fork). The token travels
only in the Authorization header; nothing here logs it.
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from whatsapp.phones import wire_number
from whatsapp.providers.base import OutboundMessage, PhoneNumberInfo, ProviderFailure, SendResult, TemplateInfo

# Graph error code → our reason. Codes are Meta's documented Cloud API / Graph codes.
REASON_BY_CODE: dict[int, str] = {
    # this recipient only
    131026: "invalid_recipient",  # message undeliverable (not on WhatsApp, blocked, old client)
    131030: "invalid_recipient",  # recipient not in the allowed list (test numbers)
    131021: "invalid_recipient",  # recipient cannot be the sender
    131047: "outside_window",  # re-engagement: more than 24 h since the customer last wrote
    131050: "recipient_unavailable",  # the user stopped marketing messages
    130497: "recipient_unavailable",  # business may not message users in this country
    131049: "not_delivered",  # Meta chose not to deliver (ecosystem engagement)
    # nothing sent: retry later
    130429: "rate_limited",  # Cloud API throughput reached
    131056: "rate_limited",  # pair rate limit (same recipient too fast)
    80007: "rate_limited",  # WABA rate limit
    4: "rate_limited",  # application request limit
    613: "rate_limited",
    1: "provider_unavailable",  # API unknown
    2: "provider_unavailable",  # API service: temporary downtime or overload
    131000: "provider_unavailable",  # something went wrong
    131016: "provider_unavailable",  # service unavailable
    # every message would fail the same way
    0: "token_expired",  # AuthException
    190: "token_expired",  # access token expired or invalid
    3: "permission_denied",
    10: "permission_denied",
    131005: "permission_denied",
    132001: "template_not_approved",  # template does not exist or is not approved (in this language)
    132015: "template_not_approved",  # paused for low quality
    132016: "template_not_approved",  # disabled
    132000: "template_invalid",  # parameter count mismatch
    132005: "template_invalid",  # hydrated text too long
    132007: "template_invalid",  # format character policy violated
    132012: "template_invalid",  # parameter format mismatch
    100: "invalid_request",
    131008: "invalid_request",  # required parameter missing
    131009: "invalid_request",  # parameter value invalid
    131051: "invalid_request",  # unsupported message type
    131052: "invalid_request",  # media download error
    131053: "invalid_request",  # media upload error
    33: "account_restricted",  # the business phone number was deleted
    368: "account_restricted",  # temporarily blocked for policy violations
    131031: "account_restricted",  # account locked
    131042: "account_restricted",  # payment issue
    131048: "account_restricted",  # spam rate limit
    133010: "account_restricted",  # phone number not registered
}
REASON_BY_HTTP_STATUS = {
    401: "token_expired",
    403: "permission_denied",
    429: "rate_limited",
    500: "provider_unavailable",
    502: "provider_unavailable",
    503: "provider_unavailable",
    504: "unknown_outcome",
}

_clients: dict[tuple[str, int], httpx.Client] = {}
_clients_lock = threading.Lock()


def shared_client(base_url: str) -> httpx.Client:
    """The process's keep-alive client for `base_url` (recreated after fork)."""
    key = (base_url, os.getpid())
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                timeout = float(settings.WHATSAPP_HTTP_TIMEOUT_SECONDS)
                client = httpx.Client(
                    base_url=base_url,
                    timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                    limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
                    headers={"User-Agent": "NexusOne/1.0"},
                )
                _clients[key] = client
    return client


def graph_failure(response: httpx.Response) -> ProviderFailure:
    """Turn a Graph error response into a ProviderFailure."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code = error.get("code")
    details = ((error.get("error_data") or {}).get("details") or error.get("message") or "").strip()
    reason = REASON_BY_CODE.get(code) if isinstance(code, int) else None
    if reason is None and isinstance(code, int) and 200 <= code <= 299:
        reason = "permission_denied"
    if reason is None:
        reason = REASON_BY_HTTP_STATUS.get(response.status_code)
    if reason is None:
        reason = "invalid_request" if 400 <= response.status_code < 500 else "provider_unavailable"
    retry_after = None
    if response.headers.get("Retry-After", "").isdigit():
        retry_after = float(response.headers["Retry-After"])
    return ProviderFailure(
        reason,
        details or f"HTTP {response.status_code}",
        code=str(code) if code is not None else str(response.status_code),
        http_status=response.status_code,
        retry_after=retry_after,
    )


class CloudApiProvider:
    """The real client for one connected number."""

    name = "cloud_api"

    def __init__(self, *, phone_number_id: str, waba_id: str, access_token: str, base_url: str | None = None):
        self.phone_number_id = phone_number_id
        self.waba_id = waba_id
        self._token = access_token
        self.base_url = (base_url or settings.WHATSAPP_GRAPH_URL).rstrip("/")
        self._client = shared_client(self.base_url)

    def __repr__(self) -> str:  # never the token
        return f"<CloudApiProvider {self.phone_number_id}>"

    # --- transport -------------------------------------------------------------------

    def _request(self, method: str, path: str, *, json: Any = None, params: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            response = self._client.request(method, path, json=json, params=params, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never left: safe to retry.
            raise ProviderFailure("provider_unavailable", type(exc).__name__) from exc
        except httpx.TransportError as exc:
            # Sent (or partly sent) and no answer: Meta may have accepted it.
            raise ProviderFailure("unknown_outcome", type(exc).__name__) from exc
        if response.status_code >= 400:
            raise graph_failure(response)
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderFailure("unknown_outcome", "The provider answered with invalid JSON.") from exc

    def _get_url(self, url: str) -> dict:
        """Follow an absolute `paging.next` URL, but only on our Graph host."""
        base, target = urlsplit(self.base_url), urlsplit(url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise ProviderFailure("invalid_request", "Refusing a paging URL on another host.")
        path = target.path
        if base.path and path.startswith(base.path):
            path = path[len(base.path) :]
        params = dict(httpx.QueryParams(target.query))
        return self._request("GET", path, params=params)

    # --- API -------------------------------------------------------------------------

    def send_message(self, message: OutboundMessage) -> SendResult:
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": wire_number(message.to),
            **message.content,
        }
        if message.callback_data:
            body["biz_opaque_callback_data"] = message.callback_data[:512]
        if message.reply_to:
            body["context"] = {"message_id": message.reply_to}
        data = self._request("POST", f"/{self.phone_number_id}/messages", json=body)
        messages = data.get("messages") or []
        if not messages or not messages[0].get("id"):
            raise ProviderFailure("unknown_outcome", "The provider did not return a message id.")
        contacts = data.get("contacts") or [{}]
        return SendResult(
            wamid=str(messages[0]["id"]),
            wa_id=str(contacts[0].get("wa_id", "")),
            status=str(messages[0].get("message_status", "accepted")),
        )

    def list_templates(self) -> list[TemplateInfo]:
        params = {"fields": "id,name,language,category,status,components,rejected_reason", "limit": "100"}
        data = self._request("GET", f"/{self.waba_id}/message_templates", params=params)
        templates: list[TemplateInfo] = []
        for _page in range(50):  # 5,000 templates at most; Meta allows far fewer per WABA
            for row in data.get("data") or []:
                templates.append(
                    TemplateInfo(
                        external_id=str(row.get("id", "")),
                        name=str(row.get("name", "")),
                        language=str(row.get("language", "")),
                        category=str(row.get("category", "")),
                        status=str(row.get("status", "UNKNOWN")).upper(),
                        components=row.get("components") or [],
                        rejected_reason=str(row.get("rejected_reason") or "")[:255],
                    )
                )
            next_url = (data.get("paging") or {}).get("next")
            if not next_url:
                break
            data = self._get_url(next_url)
        return templates

    def phone_number_info(self) -> PhoneNumberInfo:
        data = self._request(
            "GET", f"/{self.phone_number_id}", params={"fields": "display_phone_number,verified_name,quality_rating"}
        )
        return PhoneNumberInfo(
            display_phone_number=str(data.get("display_phone_number", "")),
            verified_name=str(data.get("verified_name", "")),
            quality_rating=str(data.get("quality_rating", "")),
        )

    def waba_phone_number_ids(self) -> set[str]:
        """The ids of the numbers in this WhatsApp Business Account
        (`GET /{waba_id}/phone_numbers`, following pages)."""
        data = self._request("GET", f"/{self.waba_id}/phone_numbers", params={"fields": "id", "limit": "100"})
        ids: set[str] = set()
        for _page in range(20):
            ids.update(str(row.get("id", "")) for row in data.get("data") or [])
            next_url = (data.get("paging") or {}).get("next")
            if not next_url:
                break
            data = self._get_url(next_url)
        return ids

    def close(self) -> None:
        """The shared client stays open for the next batch."""
