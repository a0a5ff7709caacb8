"""Per-plan API rate limits.

A fixed one-minute window per workspace (or per user / client address before
a workspace is known), counted with an atomic `incr` in the shared cache so
the limit holds across workers. The limit comes from the workspace's plan
(billing's `plan_requests_per_minute`), falling back to
API_DEFAULT_REQUESTS_PER_MINUTE.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from nexusone.audit import client_ip

WINDOW_SECONDS = 60


def workspace_rate_limit(workspace) -> int:
    from billing.selectors import plan_requests_per_minute

    return plan_requests_per_minute(workspace=workspace)


def consume_window(key: str, limit: int, window: int = WINDOW_SECONDS) -> tuple[bool, float]:
    """Count one hit against `key`; return (allowed, seconds until the window ends)."""
    now = time.time()
    window_start = int(now // window) * window
    cache_key = f"throttle:{key}:{window_start}"
    if cache.add(cache_key, 1, window + 5):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, window + 5)
            count = 1
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
