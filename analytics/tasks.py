"""Rollup jobs: the minute tick and the nightly settle (see analytics.rollups)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from analytics import rollups
from analytics.models import RollupCursor
from nexusone.jobs import shared_task


@shared_task(name="analytics.tasks.analytics_rollups_tick")
def analytics_rollups_tick() -> dict:
    """Beat, every minute: refresh the workspaces active since the last tick."""
    return rollups.tick()


@shared_task(name="analytics.tasks.analytics_rollups_settle")
def analytics_rollups_settle(days: int = 2) -> int:
    """Beat, nightly: recompute the last `days` days of every workspace with
    rollups, catching rows changed or deleted after their hour was counted."""
    now = timezone.now()
    workspace_ids = list(RollupCursor.objects.values_list("workspace_id", flat=True))
    return rollups.rebuild(start=now - timedelta(days=days), end=now + timedelta(hours=1), workspace_ids=workspace_ids,
                           counted=False)  # fmt: skip
