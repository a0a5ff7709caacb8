"""The door for SDK-based clients: an httpx transport (and its httpx2 twin,
for SDKs such as `openai` 3.x that run on httpx2) that logs every exchange
without secrets, adds the NexusOne User-Agent (after the SDK's own), and applies the
door's retry policy and provider wait hints.

    client = openai.OpenAI(api_key=key, max_retries=0,
                           http_client=httpx2.Client(transport=sdk_transport(service="openai", lib="httpx2")))

SDKs keep their own retries unless switched off; the default policy here is
`NO_RETRY` so a call is never retried twice over. Provider base URLs are
operator-configured (trusted): SDK transports do not apply the SSRF rules.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nexusone.outbound import client as door
from nexusone.outbound.retry import NO_RETRY, Hint, RetryPolicy


@dataclass
class _Answer:
    status_code: int
    headers: Any
    content: bytes
    method: str


def _transport_class(lib_name: str) -> type:
    lib = importlib.import_module(lib_name)

    class DoorTransport(lib.BaseTransport):
        def __init__(
            self,
            *,
            service: str,
            retry: RetryPolicy = NO_RETRY,
            hints: Sequence[Hint] = (),
            secrets: Sequence[str] = (),
            inner: Any = None,
        ):
            self.service = service
            self.retry = retry
            self.hints = tuple(hints)
            self.secrets = tuple(secrets)
            self._inner = inner if inner is not None else lib.HTTPTransport()

        def handle_request(self, request):
            # Ours replaces the HTTP library's generic default and follows an SDK's own.
            current = request.headers.get("user-agent", "")
            if not current or current.startswith(("python-httpx", "python-requests")):
                request.headers["User-Agent"] = door.user_agent()
            elif "NexusOne/" not in current:
                request.headers["User-Agent"] = f"{current} {door.user_agent()}"
            request.read()  # the body must be replayable for a retry
            url = door.httpx.URL(str(request.url))
            attempt = 0
            while True:
                attempt += 1
                started = time.monotonic()
                try:
                    response = self._inner.handle_request(request)
                except (lib.ConnectError, lib.ConnectTimeout, lib.PoolTimeout) as exc:
                    if attempt >= self.retry.attempts:
                        door._log(
                            logging.WARNING,
                            "failed",
                            service=self.service,
                            method=request.method,
                            url=url,
                            secrets=self.secrets,
                            attempt=attempt,
                            error=type(exc).__name__,
                        )
                        raise
                    door.sleep(self.retry.backoff(attempt - 1))
                    continue
                except lib.TransportError as exc:
                    door._log(
                        logging.WARNING,
                        "failed",
                        service=self.service,
                        method=request.method,
                        url=url,
                        secrets=self.secrets,
                        attempt=attempt,
                        error=type(exc).__name__,
                    )
                    raise
                wait = None
                if self.hints or response.status_code in self.retry.statuses:
                    response.read()
                    answer = _Answer(response.status_code, response.headers, response.content, request.method)
                    wait = door._wait_for(answer, self.retry, self.hints, attempt - 1)
                fields = {
                    "status": response.status_code,
                    "attempt": attempt,
                    "elapsed_ms": round((time.monotonic() - started) * 1000),
                }
                last = attempt >= self.retry.attempts or wait is None or wait > self.retry.max_wait
                if last:
                    outcome = "ok" if response.status_code < 400 else "error"
                    door._log(
                        logging.INFO,
                        outcome,
                        service=self.service,
                        method=request.method,
                        url=url,
                        secrets=self.secrets,
                        **fields,
                    )
                    return response
                door._log(
                    logging.INFO,
                    "retry",
                    service=self.service,
                    method=request.method,
                    url=url,
                    secrets=self.secrets,
                    wait_s=round(wait, 3),
                    **fields,
                )
                response.close()
                door.sleep(wait)

        def close(self) -> None:
            self._inner.close()

    DoorTransport.__name__ = DoorTransport.__qualname__ = f"DoorTransport[{lib_name}]"
    return DoorTransport


_classes: dict[str, type] = {}


def sdk_transport(*, service: str, lib: str = "httpx", **options: Any):
    """A transport for `httpx.Client(transport=…)` (lib="httpx") or
    `httpx2.Client(transport=…)` (lib="httpx2"). Options: retry, hints,
    secrets (values scrubbed from logged paths), inner (the transport to wrap,
    e.g. a MockTransport in tests)."""
    if lib not in _classes:
        _classes[lib] = _transport_class(lib)
    return _classes[lib](service=service, **options)
