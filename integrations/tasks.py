"""Beat tasks keeping connections honest (CELERY_BEAT_SCHEDULE):

- `integrations_refresh_tokens` (every 5 minutes): tokens that expire soon are
  refreshed before they do — Shopify's hour-long token 15 minutes ahead, CJ's
  15-day token 2 days ahead — the provider's rotated refresh token replacing
  the old one; a token that has lapsed and cannot be refreshed (Meta's
  60-day token) becomes `expired`.
- `integrations_check_connections` (hourly): each connection not checked for
  a day is checked with a cheap live call. A rejected token becomes
  `expired` (Meta: error 190 on HTTP 400; others: HTTP 401) and the
  workspace's admins are told once (e-mail and a banner) — see
  `services.connection_mark_problem`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from integrations import services
from integrations.models import Connection, Status
from nexusone.errors import ApplicationError
from nexusone.tenancy import workspace_scope

logger = logging.getLogger(__name__)

REFRESH_AHEAD = {"shopify": timedelta(minutes=15), "cj_dropshipping": timedelta(days=2)}
DEFAULT_REFRESH_AHEAD = timedelta(hours=1)
CHECK_EVERY = timedelta(days=1)
BATCH = 500


def _due_for_refresh(now) -> Q:
    due = Q()
    for provider, ahead in REFRESH_AHEAD.items():
        due |= Q(provider=provider, expires_at__lte=now + ahead)
    return due | (~Q(provider__in=list(REFRESH_AHEAD)) & Q(expires_at__lte=now + DEFAULT_REFRESH_AHEAD))


@shared_task(ignore_result=True)
def integrations_refresh_tokens() -> dict[str, int]:
    now = timezone.now()
    counts = {"refreshed": 0, "expired": 0, "failed": 0}
    rows = (
        Connection.unscoped.select_related("workspace")
        .filter(status=Status.CONNECTED, expires_at__isnull=False)
        .filter(_due_for_refresh(now))
        .order_by("expires_at")[:BATCH]
    )
    for connection in rows:
        with workspace_scope(connection.workspace):
            if not connection.refresh_token:
                if connection.expires_at <= now:
                    services.connection_mark_problem(
                        connection=connection, status=Status.EXPIRED, reason="The access token has expired."
                    )
                    counts["expired"] += 1
                continue
            try:
                refreshed = services.connection_refresh(connection=connection, quiet=True)
            except ApplicationError as exc:  # e.g. CJ's refresh guard: the next tick tries again
                logger.info("integrations: refresh of %s postponed: %s", connection.provider, exc.code)
                counts["failed"] += 1
                continue
            if refreshed.status != Status.CONNECTED:
                counts["expired"] += 1
            elif refreshed.last_refreshed_at and refreshed.last_refreshed_at >= now:
                counts["refreshed"] += 1
            else:
                counts["failed"] += 1  # the provider was unreachable: the next tick tries again
    return counts


@shared_task(ignore_result=True)
def integrations_check_connections() -> dict[str, int]:
    now = timezone.now()
    counts = {"checked": 0, "problems": 0}
    rows = (
        Connection.unscoped.select_related("workspace")
        .filter(status=Status.CONNECTED)
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=now - CHECK_EVERY))
        .order_by("last_checked_at")[:BATCH]
    )
    for connection in rows:
        with workspace_scope(connection.workspace):
            try:
                checked = services.connection_check(connection=connection)
            except ApplicationError as exc:
                logger.info("integrations: check of %s postponed: %s", connection.provider, exc.code)
                continue
        counts["checked"] += 1
        if checked.status != Status.CONNECTED:
            counts["problems"] += 1
    return counts
