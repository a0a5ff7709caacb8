"""Commerce Celery tasks (ids in, scope entered by `workspace_task`; safe to run twice)."""

from __future__ import annotations

import logging

from django.core.cache import cache

from nexusone.tasks import workspace_task

logger = logging.getLogger(__name__)
LOCK_SECONDS = 15 * 60


@workspace_task(name="commerce.tasks.import_run")
def commerce_import_run(*, workspace_id: int, import_id: int) -> None:
    """Import a job's pending URLs; one run per job at a time."""
    from commerce.services.imports import import_run

    lock = f"commerce:import:{import_id}"
    if not cache.add(lock, 1, LOCK_SECONDS):
        return
    try:
        import_run(import_id=import_id)
    finally:
        cache.delete(lock)
