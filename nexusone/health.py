"""/healthz: per-dependency status — database, cache, broker. 503 if one is down.

Anyone may call it, so a failure says only "error"; what failed and why goes
to the log."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    key = "healthz:probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache round-trip failed")
    return "ok"


def _check_broker() -> str:
    if settings.CELERY_BROKER_URL.startswith("memory://"):
        return "ok (in-process jobs)"
    from nexusone.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
def healthz(request):
    results: dict[str, dict] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            status = check()
            ok = True
        except Exception:  # a health probe reports every failure, whatever its type
            logger.exception("health check %s failed", name)
            status, ok, healthy = "error", False, False
        results[name] = {"ok": ok, "status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": results}, status=200 if healthy else 503)
