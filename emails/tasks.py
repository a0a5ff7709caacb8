"""E-mail Celery tasks: ids in, one service call, safe to run twice.

`enqueue()` publishes after commit and never raises into the caller: if the
broker is down the rows are the outbox, and the beat task `emails_tick`
(every minute) re-dispatches campaigns whose queued messages nobody sends,
starts scheduled campaigns, picks A/B winners and reaps stuck sends.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from nexusone.jobs import shared_task
from nexusone.tasks import workspace_task

logger = logging.getLogger(__name__)


def enqueue(task, **kwargs) -> None:
    def publish():
        try:
            task.apply_async(kwargs=kwargs, retry=False)
        except Exception:  # the broker is down: the beat relay finds the work
            logger.exception("emails: could not enqueue %s; the beat relay will retry", task.name)

    transaction.on_commit(publish, robust=True)


@workspace_task(name="emails.tasks.campaign_dispatch")
def campaign_dispatch_task(*, workspace_id: int, campaign_id: int) -> int:
    from emails.services.dispatch import campaign_dispatch

    return campaign_dispatch(campaign_id=campaign_id)


@workspace_task(name="emails.tasks.chunk_send")
def chunk_send_task(*, workspace_id: int, campaign_id: int, first_id: int, last_id: int) -> dict:
    from emails.sending import chunk_send

    return chunk_send(campaign_id=campaign_id, first_id=first_id, last_id=last_id).__dict__


@workspace_task(name="emails.tasks.activity_record")
def activity_record_task(*, workspace_id: int, event_id: int) -> bool:
    from emails.events import activity_record

    return activity_record(event_id=event_id)


@workspace_task(name="emails.tasks.ab_decide")
def ab_decide_task(*, workspace_id: int, campaign_id: int):
    from emails.services.dispatch import ab_decide

    return ab_decide(campaign_id=campaign_id)


@workspace_task(name="emails.tasks.workspace_maintenance")
def workspace_maintenance_task(*, workspace_id: int) -> int:
    from emails.sending import messages_reap_stale

    return messages_reap_stale()


@shared_task(name="emails.tasks.emails_tick")
def emails_tick() -> dict:
    """The beat entry (every minute)."""
    from datetime import timedelta

    from django.conf import settings

    from emails.models import Campaign, EmailMessage
    from emails.services.dispatch import campaigns_relay, campaigns_start_due

    now = timezone.now()
    started = campaigns_start_due(now=now)
    decided = 0
    for campaign_id, workspace_id in Campaign.unscoped.filter(
        status=Campaign.Status.TESTING, ab_decide_at__lte=now
    ).values_list("pk", "workspace_id")[:100]:
        enqueue(ab_decide_task, workspace_id=workspace_id, campaign_id=campaign_id)
        decided += 1
    relayed = campaigns_relay(now=now)
    for workspace_id, campaign_id in relayed:
        enqueue(campaign_dispatch_task, workspace_id=workspace_id, campaign_id=campaign_id)
    cutoff = now - timedelta(seconds=int(settings.EMAIL_SENDING_STALE_SECONDS))
    stale = set(
        EmailMessage.unscoped.filter(status=EmailMessage.Status.SENDING, claimed_at__lt=cutoff)
        .values_list("workspace_id", flat=True)
        .distinct()[:500]
    )
    for workspace_id in stale:
        enqueue(workspace_maintenance_task, workspace_id=workspace_id)
    return {"started": started, "decided": decided, "relayed": len(relayed), "maintenance": len(stale)}
