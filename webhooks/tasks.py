"""Webhook tasks: send an event's deliveries; the beat dispatcher (outbox relay)."""

from __future__ import annotations

from celery import shared_task

from nexusone.tasks import workspace_task


@workspace_task(bind=False)
def deliver_event(*, workspace_id: int, event_id: int) -> int:
    from webhooks.services import deliver_event as run

    return run(event_id)


@workspace_task(bind=False)
def deliver_events(*, workspace_id: int, event_ids: list[int]) -> int:
    """Many events recorded together (`emit_many`: a page of a sync), one task."""
    from webhooks.services import deliver_events as run

    return run(event_ids)


@shared_task(acks_late=True)
def webhooks_dispatch_due() -> int:
    from webhooks.services import dispatch_due

    return dispatch_due()
