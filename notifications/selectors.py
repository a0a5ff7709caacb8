"""Notification reads (inside the workspace scope: a member sees only their
own notifications of the workspace they are in)."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.kinds import KINDS
from notifications.models import EmailPreference, Notification, SlackPreference


def notification_list(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preferences(*, user) -> list[dict]:
    """Every kind with the user's e-mail choice and the workspace's Slack choice."""
    email = dict(EmailPreference.objects.filter(user=user).values_list("kind", "email"))
    slack = dict(SlackPreference.objects.values_list("kind", "enabled"))
    return [
        {"kind": key, "label": kind.label, "email": email.get(key, kind.email), "slack": slack.get(key, kind.slack)}
        for key, kind in KINDS.items()
    ]
