"""WhatsApp Celery tasks: ids in, one service call, safe to run twice.

Enqueue with `enqueue(task, workspace_id=…, …)`: after the surrounding
transaction commits, and *robustly* — if the broker is unreachable the error
is logged and the work is not lost, because the rows it would act on are the
outbox: the beat task `whatsapp_tick` (every minute, CELERY_BEAT_SCHEDULE)
re-dispatches queued/stalled broadcasts, re-enqueues unprocessed webhook
events, starts scheduled broadcasts, fails (and refunds) sends stuck in
`sending`, and settles batch charges.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from nexusone.jobs import shared_task
from nexusone.tasks import workspace_task

logger = logging.getLogger(__name__)


def enqueue(task, **kwargs) -> None:
    """Publish `task` with `kwargs` after commit; a broker failure is logged
    (the beat relay picks the work up), never raised into the caller."""

    def publish():
        try:
            task.apply_async(kwargs=kwargs, retry=False)
        except Exception:  # the broker is down: the outbox relay will find the work
            logger.exception("whatsapp: could not enqueue %s; the beat relay will retry", task.name)

    transaction.on_commit(publish, robust=True)


@workspace_task(name="whatsapp.tasks.broadcast_dispatch")
def broadcast_dispatch_task(*, workspace_id: int, broadcast_id: int) -> int:
    from whatsapp.services.broadcasts import broadcast_dispatch

    return broadcast_dispatch(broadcast_id=broadcast_id)


@workspace_task(name="whatsapp.tasks.batch_send")
def batch_send_task(*, workspace_id: int, batch_id: int) -> dict:
    from whatsapp.services.sending import batch_send

    outcome = batch_send(batch_id=batch_id)
    return outcome.__dict__


# Inbound messages and opt-outs are recorded even while suspended (the bot stays silent).
@workspace_task(name="whatsapp.tasks.webhook_events_process", runs_when_suspended=True)
def webhook_events_process_task(*, workspace_id: int, event_ids: list[int]) -> dict:
    from nexusone.tenancy import require_active_workspace
    from whatsapp.webhooks import events_process

    return events_process(workspace=require_active_workspace(), event_ids=event_ids)


@workspace_task(name="whatsapp.tasks.templates_sync")
def templates_sync_task(*, workspace_id: int, account_id: int) -> dict | None:
    from nexusone.errors import ProviderError
    from whatsapp.models import WhatsAppAccount
    from whatsapp.services.accounts import templates_sync

    account = WhatsAppAccount.objects.filter(pk=account_id).first()
    if account is None:
        return None
    try:
        return templates_sync(account=account)
    except ProviderError:
        logger.warning("whatsapp: template sync failed for account %s", account_id)
        return None


@workspace_task(name="whatsapp.tasks.workspace_maintenance", runs_when_suspended=True)
def workspace_maintenance_task(*, workspace_id: int) -> dict:
    """Reap stuck sends and settle finished batches of one workspace."""
    from whatsapp import credits
    from whatsapp.models import SendBatch
    from whatsapp.services.sending import messages_reap_stale

    reaped = messages_reap_stale()
    settled = 0
    candidates = SendBatch.objects.filter(
        charge_state=SendBatch.ChargeState.RESERVED, finished_at__isnull=False
    ).order_by("finished_at")
    for batch_id in list(candidates.values_list("pk", flat=True)[:500]):
        settled += credits.batch_settle(batch_id=batch_id) == SendBatch.ChargeState.COMMITTED
    return {"reaped": reaped, "committed": settled}


@shared_task(name="whatsapp.tasks.whatsapp_tick")
def whatsapp_tick() -> dict:
    """The beat entry (every minute): start due scheduled broadcasts, relay
    lost work, and run the per-workspace maintenance where needed."""
    from django.conf import settings

    from whatsapp.models import Message, SendBatch
    from whatsapp.services.broadcasts import broadcasts_relay, broadcasts_start_due
    from whatsapp.webhooks import events_relay

    now = timezone.now()
    started = broadcasts_start_due(now=now)
    relayed = broadcasts_relay(now=now)
    events = events_relay(now=now)
    stale_cutoff = now - timedelta(seconds=int(settings.WHATSAPP_SENDING_STALE_SECONDS))
    workspaces = set(
        Message.unscoped.filter(status=Message.Status.SENDING, claimed_at__lt=stale_cutoff)
        .values_list("workspace_id", flat=True)
        .distinct()[:1000]
    )
    workspaces |= set(
        SendBatch.unscoped.filter(charge_state=SendBatch.ChargeState.RESERVED, finished_at__isnull=False)
        .values_list("workspace_id", flat=True)
        .distinct()[:1000]
    )
    for workspace_id in workspaces:
        enqueue(workspace_maintenance_task, workspace_id=workspace_id)
    return {"started": started, "relayed": relayed, "events": events, "maintenance": len(workspaces)}
