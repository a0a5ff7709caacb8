"""The outbound request loop: one function, `request()`, that every external
HTTP call goes through (see the package docstring for the contract)."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import IO, Any

import httpx
from django.conf import settings

from nexusone.outbound import ssrf
from nexusone.outbound.errors import OutboundError, OutboundTimeout, ResponseTooLarge, UnsafeURL
from nexusone.outbound.retry import DEFAULT_RETRY, Hint, RetryPolicy, retry_after_seconds

logger = logging.getLogger("nexusone.outbound")

# Provider calls (operator-configured base URLs) vs user-supplied URLs.
PROVIDER_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
USER_URL_TIMEOUT = httpx.Timeout(connect=3.0, read=10.0, write=10.0, pool=3.0)
PROVIDER_MAX_BYTES = 50 * 1024 * 1024
USER_URL_MAX_BYTES = 5 * 1024 * 1024
USER_URL_TOTAL_SECONDS = 10.0
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

sleep = time.sleep  # module attribute so tests can replace the clock's waits


def user_agent() -> str:
    return getattr(settings, "OUTBOUND_USER_AGENT", "") or f"NexusOne/1.0 (+{settings.SITE_URL})"


@dataclass
class Response:
    """A fully read answer (or, with `sink`, one whose body went to the sink)."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    url: httpx.URL
    method: str
    service: str
    attempts: int = 1
    redirects: int = 0
    elapsed: float = 0.0
    # A wait (seconds) the provider asked for that the door did not sleep
    # (longer than the policy's max_wait, past the deadline, or out of attempts).
    retry_after: float | None = None
    extensions: dict = field(default_factory=dict)

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        encoding = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                encoding = value.strip('"')
        try:
            return self.content.decode(encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        import json

        return json.loads(self.content)


# --- transports -----------------------------------------------------------------------------
# The door drives transports directly (no httpx.Client): no cookie jar shared
# between workspaces, no client-side redirect machinery (redirects are
# followed here, after checking), and no httpx log line carrying the full URL.

_override: ContextVar[httpx.BaseTransport | None] = ContextVar("nexusone_outbound_transport", default=None)
_transports: dict[tuple[int, bool], httpx.BaseTransport] = {}
_transports_lock = threading.Lock()


def _transport(user_url: bool) -> httpx.BaseTransport:
    override = _override.get()
    if override is not None:
        return override
    key = (os.getpid(), user_url)  # a forked worker builds its own pool
    transport = _transports.get(key)
    if transport is None:
        with _transports_lock:
            transport = _transports.get(key)
            if transport is None:
                transport = ssrf.guarded_transport() if user_url else httpx.HTTPTransport()
                _transports[key] = transport
    return transport


@contextlib.contextmanager
def use_transport(transport: httpx.BaseTransport) -> Iterator[httpx.BaseTransport]:
    """Send every door call in this block (this thread/context) through
    `transport` — an `httpx.MockTransport` or a `WSGITransport` of a local
    double. The pre-flight URL rules still apply to user URLs."""
    token = _override.set(transport)
    try:
        yield transport
    finally:
        _override.reset(token)


# --- logging without secrets ------------------------------------------------------------------


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _log(level: int, outcome: str, *, service: str, method: str, url: httpx.URL, secrets: Sequence[str], **fields):
    # Host, path and the *names* of query parameters only: query values,
    # headers and bodies carry tokens (Meta sends access_token in the query).
    path = _scrub(url.path, secrets)
    query_keys = ",".join(sorted({key for key, _value in url.params.multi_items()}))
    logger.log(
        level,
        "outbound %s %s %s%s -> %s",
        service,
        method,
        url.host,
        path,
        fields.get("status", outcome),
        extra={
            "event": "outbound.request",
            "service": service,
            "method": method,
            "host": url.host,
            "path": path,
            "query_keys": query_keys,
            "outcome": outcome,
            **fields,
        },
    )


# --- the loop ---------------------------------------------------------------------------------


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


def _bounded_timeout(timeout: httpx.Timeout, deadline: float | None, service: str) -> httpx.Timeout:
    remaining = _remaining(deadline)
    if remaining is None:
        return timeout
    if remaining <= 0:
        raise OutboundTimeout(service=service, reason="deadline")

    def cap(value: float | None) -> float:
        return remaining if value is None else min(value, remaining)

    return httpx.Timeout(
        connect=cap(timeout.connect), read=cap(timeout.read), write=cap(timeout.write), pool=cap(timeout.pool)
    )


def _read_body(
    response: httpx.Response, *, service: str, max_bytes: int | None, deadline: float | None, sink: IO[bytes] | None
) -> tuple[bytes, int]:
    declared = response.headers.get("content-length")
    if max_bytes is not None and declared and declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(service=service, limit=max_bytes)
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes(_CHUNK):
        total += len(chunk)
        if max_bytes is not None and total > max_bytes:
            raise ResponseTooLarge(service=service, limit=max_bytes)
        remaining = _remaining(deadline)
        if remaining is not None and remaining <= 0:
            raise OutboundTimeout(service=service, reason="deadline")
        if sink is not None:
            sink.write(chunk)
        else:
            chunks.append(chunk)
    return b"".join(chunks), total


def _wait_for(answer: Response, policy: RetryPolicy, hints: Sequence[Hint], retry_number: int) -> float | None:
    """Seconds to wait before trying again, or None when the answer is final."""
    for hint in hints:
        wait = hint(answer)
        if wait is not None:
            return wait if wait > 0 else policy.backoff(retry_number)
    if answer.status_code not in policy.statuses:
        return None
    if answer.status_code != 429 and not policy.may_repeat(answer.method):
        return None
    retry_after = retry_after_seconds(answer.headers)
    return retry_after if retry_after is not None else policy.backoff(retry_number)


@dataclass
class _Call:
    method: str
    url: httpx.URL
    service: str
    user_url: bool
    timeout: httpx.Timeout
    retry: RetryPolicy
    hints: Sequence[Hint]
    secrets: Sequence[str]
    max_bytes: int | None
    deadline: float | None
    sink: IO[bytes] | None
    headers: dict[str, str]
    params: Any = None
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def full_url(self) -> httpx.URL:
        return self.url.copy_merge_params(self.params) if self.params else self.url


def _attempt(transport: httpx.BaseTransport, call: _Call) -> Response:
    timeout = _bounded_timeout(call.timeout, call.deadline, call.service)
    request = httpx.Request(
        call.method,
        call.url,
        params=call.params,
        headers=call.headers,
        extensions={"timeout": timeout.as_dict()},
        **call.body,
    )
    started = time.monotonic()
    response = transport.handle_request(request)
    response.request = request
    # Only a successful body goes to the sink: an error page must not end up in a download.
    sink = call.sink if 200 <= response.status_code < 300 else None
    try:
        content, size = _read_body(
            response, service=call.service, max_bytes=call.max_bytes, deadline=call.deadline, sink=sink
        )
    finally:
        response.close()
    return Response(
        status_code=response.status_code,
        headers=response.headers,
        content=content,
        url=request.url,
        method=call.method,
        service=call.service,
        elapsed=time.monotonic() - started,
        extensions={"bytes": size},
    )


def _send_with_retries(transport: httpx.BaseTransport, call: _Call) -> Response:
    attempt = 0
    while True:
        attempt += 1
        retryable_error: Exception | None = None
        try:
            answer = _attempt(transport, call)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            retryable_error = exc  # nothing was sent: safe for every method
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            if not call.retry.may_repeat(call.method):
                raise _transport_failure(exc, call, attempt) from exc
            retryable_error = exc
        if retryable_error is not None:
            wait = call.retry.backoff(attempt - 1)
            remaining = _remaining(call.deadline)
            if attempt >= call.retry.attempts or (remaining is not None and wait >= remaining):
                raise _transport_failure(retryable_error, call, attempt) from retryable_error
            _log(
                logging.INFO,
                "retry",
                service=call.service,
                method=call.method,
                url=call.full_url,
                secrets=call.secrets,
                attempt=attempt,
                error=type(retryable_error).__name__,
                wait_s=round(wait, 3),
            )
            sleep(wait)
            continue

        answer.attempts = attempt
        wait = _wait_for(answer, call.retry, call.hints, attempt - 1)
        fields = {
            "status": answer.status_code,
            "attempt": attempt,
            "elapsed_ms": round(answer.elapsed * 1000),
            "bytes": answer.extensions.get("bytes", 0),
        }
        if wait is None:
            _log(
                logging.INFO,
                "ok" if answer.status_code < 400 else "error",
                service=call.service,
                method=call.method,
                url=call.full_url,
                secrets=call.secrets,
                **fields,
            )
            return answer
        remaining = _remaining(call.deadline)
        out_of_time = remaining is not None and wait >= remaining
        if attempt >= call.retry.attempts or wait > call.retry.max_wait or out_of_time:
            answer.retry_after = wait
            _log(
                logging.WARNING,
                "gave_up",
                service=call.service,
                method=call.method,
                url=call.full_url,
                secrets=call.secrets,
                wait_s=round(wait, 3),
                **fields,
            )
            return answer
        _log(
            logging.INFO,
            "retry",
            service=call.service,
            method=call.method,
            url=call.full_url,
            secrets=call.secrets,
            wait_s=round(wait, 3),
            **fields,
        )
        sleep(wait)


def _transport_failure(exc: Exception, call: _Call, attempt: int) -> Exception:
    if isinstance(exc, UnsafeURL):
        return exc
    _log(
        logging.WARNING,
        "failed",
        service=call.service,
        method=call.method,
        url=call.full_url,
        secrets=call.secrets,
        attempt=attempt,
        error=type(exc).__name__,
    )
    if isinstance(exc, httpx.TimeoutException):
        return OutboundTimeout(service=call.service)
    reason = "unreachable" if isinstance(exc, httpx.ConnectError) else "connection_failed"
    return OutboundError(service=call.service, reason=reason)


def _next_hop(call: _Call, answer: Response) -> _Call | None:
    location = answer.headers.get("location")
    if answer.status_code not in REDIRECT_STATUSES or not location:
        return None
    try:
        target = answer.url.join(location)
    except httpx.InvalidURL as exc:
        if call.user_url:
            raise UnsafeURL("invalid") from exc
        raise OutboundError(service=call.service, reason="bad_redirect") from exc
    if call.user_url:
        target = ssrf.check_url(target)
    method, body = call.method, call.body
    if (answer.status_code == 303 and method != "HEAD") or (answer.status_code in (301, 302) and method == "POST"):
        method, body = "GET", {}
    headers = dict(call.headers)
    same_origin = (target.scheme, target.host, target.port) == (answer.url.scheme, answer.url.host, answer.url.port)
    if not same_origin:  # credentials never follow a redirect to another origin
        headers = {"User-Agent": headers.get("User-Agent", user_agent())}
    return _Call(**{**call.__dict__, "method": method, "url": target, "headers": headers, "params": None, "body": body})


def request(
    method: str,
    url: str | httpx.URL,
    *,
    service: str,
    user_url: bool = False,
    params: Any = None,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    data: Any = None,
    content: bytes | str | None = None,
    files: Any = None,
    timeout: float | httpx.Timeout | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    hints: Sequence[Hint] = (),
    secrets: Sequence[str] = (),
    follow_redirects: bool | None = None,
    max_redirects: int = MAX_REDIRECTS,
    max_bytes: int | None = None,
    total_timeout: float | None = None,
    sink: IO[bytes] | None = None,
) -> Response:
    """Send one logical request through the door (see the package docstring)."""
    method = method.upper()
    if user_url:
        try:
            parsed = ssrf.check_url(url)
        except UnsafeURL as exc:
            logger.warning(
                "outbound %s blocked (%s)",
                service,
                exc.reason,
                extra={"event": "outbound.blocked", "service": service, "reason": exc.reason},
            )
            raise
    else:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    if timeout is None:
        timeout = USER_URL_TIMEOUT if user_url else PROVIDER_TIMEOUT
    elif not isinstance(timeout, httpx.Timeout):
        timeout = httpx.Timeout(timeout)
    if total_timeout is None and user_url:
        total_timeout = USER_URL_TOTAL_SECONDS
    if max_bytes is None:
        max_bytes = USER_URL_MAX_BYTES if user_url else PROVIDER_MAX_BYTES
    merged_headers = {"User-Agent": user_agent(), **dict(headers or {})}
    body = {
        key: value
        for key, value in (("json", json), ("data", data), ("content", content), ("files", files))
        if value is not None
    }
    deadline = None if total_timeout is None else time.monotonic() + total_timeout
    call = _Call(
        method=method,
        url=parsed,
        service=service,
        user_url=user_url,
        timeout=timeout,
        retry=retry,
        hints=hints,
        secrets=secrets,
        max_bytes=max_bytes,
        deadline=deadline,
        sink=sink,
        headers=merged_headers,
        params=params,
        body=body,
    )
    follow = user_url if follow_redirects is None else follow_redirects
    transport = _transport(user_url)
    redirects = 0
    while True:
        try:
            answer = _send_with_retries(transport, call)
        except UnsafeURL as exc:
            logger.warning(
                "outbound %s blocked (%s)",
                service,
                exc.reason,
                extra={"event": "outbound.blocked", "service": service, "reason": exc.reason},
            )
            raise
        answer.redirects = redirects
        next_call = _next_hop(call, answer) if follow else None
        if next_call is None:
            return answer
        redirects += 1
        if redirects > max_redirects:
            if user_url:
                raise UnsafeURL("too_many_redirects")
            raise OutboundError(service=service, reason="too_many_redirects")
        call = next_call


def fetch(url: str, *, service: str, **options: Any) -> Response:
    """GET a user-supplied URL under the SSRF rules (redirects re-checked, max 3;
    5 MB; 10 s in total unless the caller says otherwise)."""
    return request("GET", url, service=service, user_url=True, **options)


class ProviderClient:
    """Defaults for one provider: its service name, base URL from settings,
    headers, timeouts, retry policy and wait hints.

        graph = ProviderClient(service="meta", base_url=settings.META_GRAPH_URL, hints=(meta_usage_wait,))
        answer = graph.get("/me/adaccounts", params={"access_token": token}, secrets=[token])
    """

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        hints: Sequence[Hint] = (),
        user_url: bool = False,
    ):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.retry = retry
        self.hints = tuple(hints)
        self.user_url = user_url

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **options: Any) -> Response:
        options.setdefault("timeout", self.timeout)
        options.setdefault("retry", self.retry)
        options.setdefault("hints", self.hints)
        options.setdefault("user_url", self.user_url)
        options["headers"] = {**self.headers, **dict(options.get("headers") or {})}
        return request(method, self.url(path), service=self.service, **options)

    def get(self, path: str, **options: Any) -> Response:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> Response:
        return self.request("POST", path, **options)

    def put(self, path: str, **options: Any) -> Response:
        return self.request("PUT", path, **options)

    def patch(self, path: str, **options: Any) -> Response:
        return self.request("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> Response:
        return self.request("DELETE", path, **options)
