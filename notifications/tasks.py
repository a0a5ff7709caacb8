"""Notification delivery jobs (e-mail, Slack), retried on failure."""

from __future__ import annotations

from nexusone.tasks import workspace_task
from notifications import delivery
from notifications.models import Notification


@workspace_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=6)
def notifications_deliver(*, workspace_id: int, notification_ids: list[int]) -> dict:
    """(Any failure — SMTP, an e-mail provider's API, Slack — is retried with
    backoff, at most six times.) E-mail each notification to its recipient (per preference) and post the
    event once to Slack. Safe to run twice: each channel is claimed per row."""
    notifications = list(
        Notification.objects.select_related("recipient", "workspace").filter(pk__in=notification_ids).order_by("pk")
    )
    emailed = sum(delivery.send_email(notification) for notification in notifications)
    slacked = delivery.send_slack(notifications[0]) if notifications else False
    return {"emailed": emailed, "slack": slacked}
