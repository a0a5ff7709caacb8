"""When the outbound door tries again, and how long it waits.

`RetryPolicy` decides per answer:
- 429 and 500/502/503/504 are retried, waiting `Retry-After` (seconds or an
  HTTP date; also `retry-after-ms`) when the server sends one, else
  exponential backoff with jitter (`backoff_base · 2^attempt`, at most
  `backoff_max`).
- A 5xx, a broken read or a read timeout is retried only for idempotent
  methods (GET, HEAD, OPTIONS, PUT, DELETE) unless the caller says the call is
  safe to repeat (`retry_unsafe=True`, e.g. a provider idempotency key): the
  server may have done the work. A 429, a throttle hint and a failed *connect*
  are retried for every method — nothing was processed.
- A wait longer than `max_wait` is not slept: the door returns the answer with
  `retry_after` set, so a task can reschedule itself instead of holding a web
  request or a worker.

Hints read a provider's own statement of how long to wait, and make an answer
retryable even when its status is not (Meta throttles with HTTP 400, Shopify's
GraphQL with HTTP 200). A hint takes the response (`status_code`, `headers`,
`content`) and returns None (no opinion), 0 (retry after the normal backoff)
or the seconds to wait.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


class _Answer(Protocol):
    status_code: int
    headers: Mapping[str, str]
    content: bytes


Hint = Callable[[Any], float | None]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # total tries, the first included
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_wait: float = 30.0  # longest single wait the door sleeps; longer → hand back
    statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    retry_unsafe: bool = False

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter for retry number `attempt` (0-based)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return ceiling * (0.5 + random.random() / 2)

    def may_repeat(self, method: str) -> bool:
        return self.retry_unsafe or method.upper() in IDEMPOTENT_METHODS


NO_RETRY = RetryPolicy(attempts=1)
DEFAULT_RETRY = RetryPolicy()


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from `retry-after-ms` / `Retry-After` (delta-seconds or HTTP date), or None."""
    if not headers:
        return None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return max(0.0, email.utils.mktime_tz(parsed) - time.time())


def _json(answer: _Answer, limit: int = 1_000_000) -> Any:
    content = answer.content or b""
    if not content or len(content) > limit:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None


# --- Meta (Graph / Marketing API) ---------------------------------------------------------
# Throttling error codes: 4 app limit, 17 user limit, 32 Pages limit, 613 custom limit,
# 80000–80014 business-use-case limits (ads insights, ads management, custom audiences…).
META_THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
META_TRANSIENT_CODES = frozenset({1, 2})


def meta_usage_wait(answer: _Answer) -> float | None:
    """Meta: a throttling error waits `estimated_time_to_regain_access` (minutes)
    from `X-Business-Use-Case-Usage`, else backs off; a transient error (1, 2 or
    `is_transient`) backs off."""
    if answer.status_code < 400:
        return None
    body = _json(answer)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    code = error.get("code")
    if code in META_THROTTLE_CODES:
        minutes = 0.0
        usage = answer.headers.get("x-business-use-case-usage")
        if usage:
            try:
                parsed = json.loads(usage)
                for entries in parsed.values() if isinstance(parsed, dict) else ():
                    for entry in entries if isinstance(entries, list) else ():
                        minutes = max(minutes, float(entry.get("estimated_time_to_regain_access") or 0))
            except (ValueError, TypeError, AttributeError):
                minutes = 0.0
        return minutes * 60.0
    if code in META_TRANSIENT_CODES or error.get("is_transient") is True:
        return 0.0
    return None


# --- Shopify (Admin GraphQL) ---------------------------------------------------------------


def shopify_throttle_wait(answer: _Answer) -> float | None:
    """Shopify GraphQL: a THROTTLED error (HTTP 200 or 429) waits until the
    leaky bucket holds the query's cost: (requested − available) / restoreRate."""
    body = _json(answer)
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    throttled = isinstance(errors, list) and any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors
    )
    if not throttled:
        return None
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        requested = float(cost.get("requestedQueryCost") or 0)
        available = float(status.get("currentlyAvailable") or 0)
        restore = float(status.get("restoreRate") or 0)
    except (TypeError, ValueError):
        return 0.0
    if restore <= 0:
        return 0.0
    return max(0.0, (requested - available) / restore)
