"""Campaign Celery tasks.

- `campaign_launch_task`: the launch (see `campaigns.launching`), resumable.
- `campaigns_sync_recent` (beat, hourly): insights of the last 3 days for
  every launched, not archived campaign, each as an asynchronous report that
  `insight_run_poll_task` follows until it is done; also resumes launches
  and report polls whose enqueue was lost (untouched for 10 minutes).
- `campaigns_sync_nightly` (beat, daily): the last 28 days (Meta restates
  them as conversions are attributed).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app, shared_task
from django.db import transaction
from django.utils import timezone

from nexusone.tasks import workspace_task

logger = logging.getLogger(__name__)
STALE_LAUNCH = timedelta(minutes=10)


def eager() -> bool:
    """Tasks run in-process (no broker): countdowns are ignored there."""
    return bool(current_app.conf.task_always_eager)


def enqueue(task, countdown: float | None = None, **kwargs) -> None:
    def publish():
        try:
            task.apply_async(kwargs=kwargs, countdown=countdown or None, retry=False)
        except Exception:  # the broker is down: the next tick tries again
            logger.exception("campaigns: could not enqueue %s", task.name)

    transaction.on_commit(publish, robust=True)


@workspace_task(name="campaigns.tasks.campaign_launch")
def campaign_launch_task(*, workspace_id: int, campaign_id: int) -> str:
    from campaigns.launching import launch_run

    return launch_run(campaign_id=campaign_id)


@workspace_task(name="campaigns.tasks.campaign_sync")
def campaign_sync_task(*, workspace_id: int, campaign_id: int, days: int = 3) -> str:
    """Ask for the last `days` days as a report and follow it (see `insight_run_poll_task`)."""
    from campaigns.insights import insights_request
    from campaigns.models import Campaign
    from campaigns.providers import AdsError, AdsThrottled, IntegrationRequired

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return "missing"
    today = timezone.now().date()
    try:
        run = insights_request(campaign=campaign, since=today - timedelta(days=days - 1), until=today)
    except AdsThrottled as exc:  # the next tick asks again; Meta said when it lets us back
        logger.info("campaigns: sync of %s throttled for %ss", campaign_id, int(exc.retry_after))
        return "throttled"
    except (AdsError, IntegrationRequired) as exc:
        logger.info("campaigns: sync of %s skipped: %s", campaign_id, exc)
        return "skipped"
    if run is None:
        return "not_launched"
    return _poll(run.pk, workspace_id)


@workspace_task(name="campaigns.tasks.insight_run_poll")
def insight_run_poll_task(*, workspace_id: int, run_id: int) -> str:
    return _poll(run_id, workspace_id)


def _poll(run_id: int, workspace_id: int) -> str:
    """Poll once; while the report runs, come back after `poll_delay` (or Meta's wait when throttled)."""
    from campaigns.insights import insights_advance, poll_delay
    from campaigns.models import InsightRun
    from campaigns.providers import AdsError, AdsThrottled, IntegrationRequired

    run = InsightRun.objects.filter(pk=run_id).first()
    if run is None or run.status != InsightRun.Status.RUNNING:
        return "done"
    try:
        run = insights_advance(run=run)
        countdown = poll_delay(run.polls)
    except AdsThrottled as exc:
        countdown = max(60.0, exc.retry_after)
    except (AdsError, IntegrationRequired) as exc:
        # A refused poll (an expired token, a vanished report) ends the run with the reason.
        InsightRun.objects.filter(pk=run.pk, status=InsightRun.Status.RUNNING).update(
            status=InsightRun.Status.FAILED, error=str(exc.message)[:1000], finished_at=timezone.now()
        )
        return "failed"
    # Eager mode (no broker) ignores countdowns: polling again at once would hammer the
    # provider, so there the hourly sweep picks the report up again.
    if run.status == InsightRun.Status.RUNNING and not eager():
        enqueue(insight_run_poll_task, countdown=countdown, workspace_id=workspace_id, run_id=run.pk)
    return str(run.status)


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
    graph_events_sweep()
    insight_runs_sweep()
    return len(rows)


@shared_task(name="campaigns.tasks.insight_runs_sweep")
def insight_runs_sweep(limit: int = 1000) -> int:
    """Running reports nobody polled for 10 minutes (a lost enqueue, a restart): poll them again."""
    from campaigns.models import InsightRun

    rows = list(
        InsightRun.unscoped.filter(
            status=InsightRun.Status.RUNNING, updated_at__lt=timezone.now() - timedelta(minutes=10)
        ).values_list("pk", "workspace_id")[:limit]
    )
    for run_id, workspace_id in rows:
        enqueue(insight_run_poll_task, workspace_id=workspace_id, run_id=run_id)
    return len(rows)


@shared_task(name="campaigns.tasks.campaigns_sync_nightly")
def campaigns_sync_nightly(limit: int = 5000) -> int:
    rows = list(_launched()[:limit])
    for campaign_id, workspace_id in rows:
        enqueue(campaign_sync_task, workspace_id=workspace_id, campaign_id=campaign_id, days=28)
    return len(rows)


@workspace_task(name="campaigns.tasks.graph_events_process")
def graph_events_process(*, workspace_id: int) -> int:
    from campaigns.graph_webhooks import process_pending

    return process_pending()


@shared_task(name="campaigns.tasks.graph_events_sweep")
def graph_events_sweep(limit: int = 1000) -> int:
    """Pending webhook events whose enqueue was lost (run with the hourly sync)."""
    from campaigns.models import GraphEvent

    workspaces = set(
        GraphEvent.unscoped.filter(
            status=GraphEvent.Status.PENDING, created_at__lt=timezone.now() - timedelta(minutes=2)
        )
        .values_list("workspace_id", flat=True)
        .distinct()[:limit]
    )
    for workspace_id in workspaces:
        enqueue(graph_events_process, workspace_id=workspace_id)
    return len(workspaces)


@workspace_task(name="campaigns.tasks.social_post_publish")
def social_post_publish_task(*, workspace_id: int, post_id: int) -> str:
    from campaigns.posts import post_publish

    return post_publish(post_id=post_id)


@shared_task(name="campaigns.tasks.social_posts_due")
def social_posts_due(limit: int = 500) -> int:
    """Hand every post whose time has come to a publishing task (each publishes once: see `posts`)."""
    from campaigns.models import SocialPost

    due = list(
        SocialPost.unscoped.filter(
            status=SocialPost.Status.SCHEDULED, scheduled_at__lte=timezone.now(), workspace__is_suspended=False
        ).values_list("pk", "workspace_id")[:limit]
    )
    for post_id, workspace_id in due:
        enqueue(social_post_publish_task, workspace_id=workspace_id, post_id=post_id)
    return len(due)


@workspace_task(name="campaigns.tasks.campaign_refresh")
def campaign_refresh_task(*, workspace_id: int, campaign_id: int) -> str:
    from campaigns.models import Campaign
    from campaigns.refresh import campaign_refresh

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return campaign_refresh(campaign=campaign) if campaign else "missing"


@shared_task(name="campaigns.tasks.campaigns_weekly_refresh")
def campaigns_weekly_refresh(limit: int = 5000) -> int:
    """Daily run; each campaign with `auto_refresh` is refreshed at most once per ISO week (`RefreshReport`)."""
    from campaigns.models import Campaign

    rows = list(
        Campaign.unscoped.filter(
            status=Campaign.Status.ACTIVE, auto_refresh=True, workspace__is_suspended=False
        ).values_list("pk", "workspace_id")[:limit]
    )
    for campaign_id, workspace_id in rows:
        enqueue(campaign_refresh_task, workspace_id=workspace_id, campaign_id=campaign_id)
    return len(rows)
