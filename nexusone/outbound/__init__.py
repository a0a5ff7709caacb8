"""THE outbound HTTP door: every call to an external service or to a
user-supplied URL goes through here (ARCHITECTURE convention 15).

Two kinds of destination
------------------------
* **Provider calls** — base URLs the *operator* configured in the environment
  (`META_GRAPH_URL`, `OPENAI_BASE_URL`, `SHOPIFY_URL_TEMPLATE`…). Trusted: no
  address rules, so a local stand-in on 127.0.0.1 works.

      from nexusone import outbound
      graph = outbound.ProviderClient(service="meta", base_url=settings.META_GRAPH_URL,
                                      hints=(outbound.meta_usage_wait,))
      answer = graph.get("/me/adaccounts", params={"access_token": token}, secrets=[token])
      if not answer.is_success: ...  # parse the provider's error body yourself

* **User-supplied URLs and hosts** (a page to scrape, a webhook URL, a shop
  domain, a knowledge URL) — `user_url=True` or `outbound.fetch(url, …)`:
  the SSRF rules of RELIABILITY.md T10 apply (see `nexusone.outbound.ssrf`):
  http/https only, ports 80/443, no credentials in the URL, no numeric host
  tricks; the host is resolved once, every address must be global unicast,
  and the connection goes to exactly that checked address (Host header and
  TLS SNI keep the name); each redirect is checked again, at most 3 hops;
  the body is capped (5 MB) and the whole exchange limited in time (10 s).
  A refusal raises `UnsafeURL` (400 `url_not_allowed`, `details.reason`)
  before any connection. `OUTBOUND_ALLOW_CIDRS` exempts listed networks
  (any port) — for local test servers only. Non-HTTP clients (SMTP…) take
  their addresses from `resolve_checked(host, port)`.

What every call gets
--------------------
* Timeouts (provider: connect 5 s / read 30 s; user URLs: 3 s / 10 s) and an
  optional `total_timeout` for the whole call, retries and redirects included.
* Retries (`RetryPolicy`, default 3 tries): 429 and 502/503/504/500 with
  backoff and jitter, honouring `Retry-After`; 5xx and broken reads only for
  idempotent methods unless `retry=RetryPolicy(retry_unsafe=True)`; failed
  connects always. Provider hints (`meta_usage_wait` for Meta's
  `X-Business-Use-Case-Usage` / throttle codes, `shopify_throttle_wait` for
  GraphQL `throttleStatus`) say how long to wait. A wait longer than the
  policy's `max_wait` is not slept: the answer comes back with
  `retry_after` set so a Celery task can `retry(countdown=…)`.
* A `User-Agent` (`NexusOne/1.0 (+SITE_URL)`) unless the caller sets one.
* One structured log line per attempt (`event=outbound.request`, service,
  method, host, path, names of query parameters, status, attempt,
  elapsed_ms, bytes, outcome). Never headers, bodies or query values; pass
  `secrets=[…]` for values that may appear in a path.
* No cookies kept between calls (clients are shared by all workspaces).

Answers and errors
------------------
`request()` returns a `Response` (status_code, headers, content, text,
json(), url, attempts, redirects, retry_after) for *every* HTTP status —
interpreting a provider's error body is the caller's job. Transport failures
raise `OutboundTimeout` (504) or `OutboundError` (502, `reason` unreachable /
connection_failed / too_many_redirects), a body over `max_bytes` raises
`ResponseTooLarge`; all are `nexusone.errors.ProviderError`s.

SDK-based clients
-----------------
`sdk_transport(service=…, lib="httpx"|"httpx2")` is a transport for an
SDK's own HTTP client (logs, User-Agent, optional retries and hints).

Tests
-----
`use_transport(httpx.MockTransport(handler))` routes every door call in the
block to a double (respx works too: the provider client is plain httpx). The
SSRF tests replace `ssrf.resolve` (DNS) and `ssrf.dial` (the TCP connect).
"""

from typing import TYPE_CHECKING, Any

from nexusone.outbound.errors import OutboundError, OutboundTimeout, ResponseTooLarge, UnsafeURL
from nexusone.outbound.retry import (
    DEFAULT_RETRY,
    NO_RETRY,
    RetryPolicy,
    meta_usage_wait,
    retry_after_seconds,
    shopify_throttle_wait,
)

if TYPE_CHECKING:
    from nexusone.outbound.client import (
        MAX_REDIRECTS,
        ProviderClient,
        Response,
        fetch,
        request,
        use_transport,
        user_agent,
    )
    from nexusone.outbound.ssrf import check_url, is_public_address, resolve_checked
    from nexusone.outbound.transports import sdk_transport

# The rest runs on httpx (and httpcore), imported by the first call that needs it rather than by
# every module that names the door — a web worker's boot and first request (issue 19, "Cold
# start"; docs/architecture.md "A web worker's boot"). Errors and retry policies stay eager.
_LAZY = {
    "MAX_REDIRECTS": "client",
    "ProviderClient": "client",
    "Response": "client",
    "fetch": "client",
    "request": "client",
    "use_transport": "client",
    "user_agent": "client",
    "check_url": "ssrf",
    "is_public_address": "ssrf",
    "resolve_checked": "ssrf",
    "sdk_transport": "transports",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value  # once: later lookups are plain module attributes
        return value
    if name in ("client", "ssrf", "transports"):  # `outbound.ssrf.…` before anything imported it
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_RETRY",
    "MAX_REDIRECTS",
    "NO_RETRY",
    "OutboundError",
    "OutboundTimeout",
    "ProviderClient",
    "Response",
    "ResponseTooLarge",
    "RetryPolicy",
    "UnsafeURL",
    "check_url",
    "fetch",
    "is_public_address",
    "meta_usage_wait",
    "request",
    "resolve_checked",
    "retry_after_seconds",
    "sdk_transport",
    "shopify_throttle_wait",
    "use_transport",
    "user_agent",
]
