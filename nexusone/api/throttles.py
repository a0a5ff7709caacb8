"""Per-plan API rate limits.

A fixed one-minute window per workspace (or per user / client address before
a workspace is known), counted in the shared cache so the limit holds across
workers. On Redis one window hit is ONE round trip: `INCR` and `EXPIRE` sent
together in a pipeline (the guard rail is
`nexusone/tests/test_request_overhead.py`). The limit comes from the
workspace's plan (billing's `plan_requests_per_minute`, cached in process),
falling back to API_DEFAULT_REQUESTS_PER_MINUTE.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

from nexusone.audit import client_ip

WINDOW_SECONDS = 60


def workspace_rate_limit(workspace) -> int:
    from billing.selectors import plan_requests_per_minute

    return plan_requests_per_minute(workspace=workspace)


def count_hit(cache_key: str, ttl: int) -> int:
    """Add one to the counter `cache_key` (created with `ttl` seconds to live)
    and return its new value. Redis: one pipelined INCR + EXPIRE round trip;
    other backends: `add`, then `incr`."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(cache_key)
        pipe = backend._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, ttl)
        count, _expire = pipe.execute()
        return int(count)
    if cache.add(cache_key, 1, ttl):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, ttl)
        return 1


def consume_window(key: str, limit: int, window: int = WINDOW_SECONDS) -> tuple[bool, float]:
    """Count one hit against `key`; return (allowed, seconds until the window ends)."""
    now = time.time()
    window_start = int(now // window) * window
    count = count_hit(f"throttle:{key}:{window_start}", window + 5)
    return count <= limit, window_start + window - now


class WorkspacePlanThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        workspace = getattr(request, "workspace", None)
        if workspace is not None:
            key, limit = f"ws:{workspace.pk}", workspace_rate_limit(workspace)
        elif request.user and request.user.is_authenticated:
            key, limit = f"user:{request.user.pk}", settings.API_DEFAULT_REQUESTS_PER_MINUTE
        else:
            key, limit = f"ip:{client_ip(request)}", settings.API_DEFAULT_REQUESTS_PER_MINUTE
        allowed, self._wait = consume_window(key, limit)
        return allowed

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
