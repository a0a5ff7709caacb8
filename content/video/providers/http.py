"""The HTTP door for the video providers.

Interim until `nexusone.outbound` lands on main: the same surface
(`ProviderClient(service=…, base_url=…)`, `.get/.post(...)` returning an
answer for every status, retries of 429/5xx honouring `Retry-After`,
`use_transport()` for tests) on plain httpx. Switching is this file only.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import httpx
from django.conf import settings

from nexusone.errors import ProviderError, ProviderTimeout

logger = logging.getLogger(__name__)
_override: list[httpx.BaseTransport] = []
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@contextlib.contextmanager
def use_transport(transport: httpx.BaseTransport) -> Iterator[httpx.BaseTransport]:
    _override.append(transport)
    try:
        yield transport
    finally:
        _override.pop()


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff_base: float = 0.5
    max_wait: float = 30.0


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class ProviderClient:
    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.retry = retry or RetryPolicy(backoff_base=settings.VIDEO_RETRY_BASE_SECONDS)

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, *, sink: IO[bytes] | None = None, secrets=(), **options: Any):
        headers = {
            "User-Agent": f"NexusOne/1.0 (+{settings.SITE_URL})",
            **self.headers,
            **dict(options.pop("headers", None) or {}),
        }
        transport = _override[-1] if _override else httpx.HTTPTransport()
        with httpx.Client(transport=transport, timeout=self.timeout, follow_redirects=True) as client:
            for attempt in range(1, self.retry.attempts + 1):
                try:
                    if sink is None:
                        answer = client.request(method, self.url(path), headers=headers, **options)
                    else:
                        with client.stream(method, self.url(path), headers=headers, **options) as stream:
                            if stream.status_code < 400:
                                for chunk in stream.iter_bytes():
                                    sink.write(chunk)
                            else:
                                stream.read()
                            answer = stream
                except httpx.TimeoutException as exc:
                    if attempt == self.retry.attempts:
                        raise ProviderTimeout(details={"provider": self.service}) from exc
                    continue
                except httpx.TransportError as exc:
                    if attempt == self.retry.attempts:
                        raise ProviderError(details={"provider": self.service, "reason": "unreachable"}) from exc
                    continue
                logger.info(
                    "outbound %s %s %s → %s (attempt %d)",
                    self.service,
                    method,
                    httpx.URL(self.url(path)).path,
                    answer.status_code,
                    attempt,
                )
                if answer.status_code not in RETRY_STATUSES or attempt == self.retry.attempts:
                    return answer
                wait = _retry_after(answer.headers)
                if wait is None:
                    wait = self.retry.backoff_base * (2 ** (attempt - 1)) * (0.5 + random.random() / 2)
                if wait > self.retry.max_wait:
                    return answer
                time.sleep(wait)
        return answer  # pragma: no cover

    def get(self, path: str, **options: Any):
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any):
        return self.request("POST", path, **options)

    def delete(self, path: str, **options: Any):
        return self.request("DELETE", path, **options)
