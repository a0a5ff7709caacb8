"""Journey Celery tasks. `journeys_tick` (beat, every minute) hands each
active journey to `journey_run_task`, which enrols and advances it in bounded
batches, and each workspace with unsettled journey sends to
`send_charges_settle_task` (what was not sent is refunded); a per-journey
lock keeps two runs of the same journey apart (the row locks would keep them
correct anyway, this keeps them cheap)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import transaction

from nexusone.tasks import workspace_task

logger = logging.getLogger(__name__)
LOCK_SECONDS = 120


def enqueue(task, **kwargs) -> None:
    def publish():
        try:
            task.apply_async(kwargs=kwargs, retry=False)
        except Exception:  # the broker is down: the next tick tries again
            logger.exception("journeys: could not enqueue %s", task.name)

    transaction.on_commit(publish, robust=True)


@workspace_task(name="journeys.tasks.journey_run")
def journey_run_task(*, workspace_id: int, journey_id: int) -> dict:
    from journeys.engine import journey_run

    lock = f"journeys:run:{journey_id}"
    if not cache.add(lock, 1, LOCK_SECONDS):
        return {"skipped": "running"}
    try:
        return journey_run(journey_id=journey_id)
    finally:
        cache.delete(lock)


@workspace_task(name="journeys.tasks.send_charges_settle", runs_when_suspended=True)
def send_charges_settle_task(*, workspace_id: int) -> dict:
    from journeys.charges import settle_open

    return settle_open()


@shared_task(name="journeys.tasks.journeys_tick")
def journeys_tick(limit: int = 1000) -> int:
    from journeys.charges import workspaces_with_open_charges
    from journeys.models import Journey

    for workspace_id in workspaces_with_open_charges():
        enqueue(send_charges_settle_task, workspace_id=workspace_id)

    active = list(
        Journey.unscoped.filter(status=Journey.Status.ACTIVE, workspace__is_suspended=False)
        .order_by("updated_at")
        .values_list("pk", "workspace_id")[:limit]
    )
    for journey_id, workspace_id in active:
        enqueue(journey_run_task, workspace_id=workspace_id, journey_id=journey_id)
    return len(active)
