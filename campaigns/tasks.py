"""Campaign Celery tasks.

- `campaign_launch_task`: the launch (see `campaigns.launching`), resumable.
- `campaigns_sync_recent` (beat, hourly): insights of the last 3 days for
  every launched, not archived campaign; also resumes launches whose enqueue
  was lost (still `launching` after 10 minutes).
- `campaigns_sync_nightly` (beat, daily): the last 28 days (Meta restates
  them as conversions are attributed).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from nexusone.tasks import workspace_task

logger = logging.getLogger(__name__)
STALE_LAUNCH = timedelta(minutes=10)


def enqueue(task, **kwargs) -> None:
    def publish():
        try:
            task.apply_async(kwargs=kwargs, retry=False)
        except Exception:  # the broker is down: the next tick tries again
            logger.exception("campaigns: could not enqueue %s", task.name)

    transaction.on_commit(publish, robust=True)


@workspace_task(name="campaigns.tasks.campaign_launch")
def campaign_launch_task(*, workspace_id: int, campaign_id: int) -> str:
    from campaigns.launching import launch_run

    return launch_run(campaign_id=campaign_id)


@workspace_task(name="campaigns.tasks.campaign_sync")
def campaign_sync_task(*, workspace_id: int, campaign_id: int, days: int = 3) -> int:
    from campaigns.insights import insights_sync
    from campaigns.models import Campaign
    from campaigns.providers import AdsError, IntegrationRequired

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return 0
    today = timezone.now().date()
    try:
        return insights_sync(campaign=campaign, since=today - timedelta(days=days - 1), until=today)
    except (AdsError, IntegrationRequired) as exc:
        logger.info("campaigns: sync of %s skipped: %s", campaign_id, exc)
        return 0


def _launched():
    from campaigns.models import Campaign

    return Campaign.unscoped.filter(
        status__in=[Campaign.Status.ACTIVE, Campaign.Status.PAUSED], workspace__is_suspended=False
    ).values_list("pk", "workspace_id")


@shared_task(name="campaigns.tasks.campaigns_sync_recent")
def campaigns_sync_recent(limit: int = 5000) -> int:
    from campaigns.models import Campaign

    rows = list(_launched()[:limit])
    for campaign_id, workspace_id in rows:
        enqueue(campaign_sync_task, workspace_id=workspace_id, campaign_id=campaign_id, days=3)
    stale = Campaign.unscoped.filter(status=Campaign.Status.LAUNCHING, updated_at__lt=timezone.now() - STALE_LAUNCH)
    for campaign_id, workspace_id in stale.values_list("pk", "workspace_id")[:limit]:
        enqueue(campaign_launch_task, workspace_id=workspace_id, campaign_id=campaign_id)
    return len(rows)


@shared_task(name="campaigns.tasks.campaigns_sync_nightly")
def campaigns_sync_nightly(limit: int = 5000) -> int:
    rows = list(_launched()[:limit])
    for campaign_id, workspace_id in rows:
        enqueue(campaign_sync_task, workspace_id=workspace_id, campaign_id=campaign_id, days=28)
    return len(rows)
