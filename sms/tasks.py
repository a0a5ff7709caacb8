"""SMS Celery tasks: ids in, one service call, safe to run twice. The beat
task `sms_tick` (every minute) starts scheduled campaigns, re-dispatches work
a lost task left behind and reaps sends stuck in `sending`."""

from __future__ import annotations

import logging
from datetime import timedelta

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
            logger.exception("sms: could not enqueue %s; the beat relay will retry", task.name)

    transaction.on_commit(publish, robust=True)


@workspace_task(name="sms.tasks.campaign_dispatch")
def campaign_dispatch_task(*, workspace_id: int, campaign_id: int) -> int:
    from sms.services import campaign_dispatch

    return campaign_dispatch(campaign_id=campaign_id)


@workspace_task(name="sms.tasks.chunk_send")
def chunk_send_task(*, workspace_id: int, campaign_id: int, first_id: int, last_id: int) -> dict:
    from sms.sending import chunk_send

    return chunk_send(campaign_id=campaign_id, first_id=first_id, last_id=last_id).__dict__


@workspace_task(name="sms.tasks.workspace_maintenance")
def workspace_maintenance_task(*, workspace_id: int) -> int:
    from sms.sending import messages_reap_stale

    return messages_reap_stale()


@shared_task(name="sms.tasks.sms_tick")
def sms_tick() -> dict:
    from sms.models import SmsMessage
    from sms.sending import STALE_SECONDS
    from sms.services import campaigns_relay, campaigns_start_due

    now = timezone.now()
    started = campaigns_start_due(now=now)
    relayed = campaigns_relay(now=now)
    for workspace_id, campaign_id in relayed:
        enqueue(campaign_dispatch_task, workspace_id=workspace_id, campaign_id=campaign_id)
    stale = set(
        SmsMessage.unscoped.filter(
            status=SmsMessage.Status.SENDING, claimed_at__lt=now - timedelta(seconds=STALE_SECONDS)
        )
        .values_list("workspace_id", flat=True)
        .distinct()[:500]
    )
    for workspace_id in stale:
        enqueue(workspace_maintenance_task, workspace_id=workspace_id)
    return {"started": started, "relayed": len(relayed), "maintenance": len(stale)}
