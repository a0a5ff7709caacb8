"""Delivering notifications beyond the bell: e-mail per recipient, Slack per event.

Called by the `notifications_deliver` task after `notify()` commits. Both
channels are claimed before they are sent (`emailed_at`, `slacked_at` set by
a conditional UPDATE), so a retried task never sends twice; a failed send
releases its claim and raises, and the task retries with backoff.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from nexusone.outbound import UnsafeURL
from notifications import slack
from notifications.kinds import get_kind
from notifications.models import EmailPreference, Notification, SlackPreference
from notifications.services import localized_link, unsubscribe_token

logger = logging.getLogger(__name__)


def email_wanted(*, user, kind: str) -> bool:
    choice = EmailPreference.objects.filter(user=user, kind=kind).values_list("email", flat=True).first()
    return get_kind(kind).email if choice is None else choice


def slack_wanted(*, kind: str) -> bool:
    """(needs the workspace scope)"""
    choice = SlackPreference.objects.filter(kind=kind).values_list("enabled", flat=True).first()
    return get_kind(kind).slack if choice is None else choice


def workspace_slack_webhook(workspace) -> str | None:
    """The workspace's Slack incoming-webhook URL from the integrations vault, or None."""
    try:
        from integrations.selectors import slack_webhook_url
    except ImportError:  # the vault (integrations app) is not installed
        return None
    return slack_webhook_url(workspace=workspace)


def unsubscribe_url(*, user, kind: str, language: str) -> str:
    with translation.override(language):
        path = reverse("notifications_unsubscribe", kwargs={"token": unsubscribe_token(user=user, kind=kind)})
    return settings.SITE_URL + path


def _absolute(link: str, language: str) -> str:
    link = localized_link(link, language)
    return settings.SITE_URL + link if link.startswith("/") else link


def send_email(notification: Notification) -> bool:
    """E-mail one notification to its recipient in their language (once)."""
    user = notification.recipient
    if not user.email or not email_wanted(user=user, kind=notification.kind):
        return False
    claimed = Notification.unscoped.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    language = notification.language
    unsubscribe = unsubscribe_url(user=user, kind=notification.kind, language=language)
    with translation.override(language):
        context = {
            "notification": notification,
            "link": _absolute(notification.link, language) if notification.link else "",
            "unsubscribe_url": unsubscribe,
            "kind_label": get_kind(notification.kind).label,
            "workspace": notification.workspace,
            "LANGUAGE_BIDI": translation.get_language_bidi(),
        }
        text = render_to_string("notifications/email.txt", context)
        html = render_to_string("notifications/email.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.title}",
        body=text,
        to=[user.email],
        headers={
            # RFC 8058 one-click unsubscribe (mail clients POST to this URL).
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        Notification.unscoped.filter(pk=notification.pk).update(emailed_at=None)
        raise
    return True


def send_slack(notification: Notification) -> bool:
    """Post the event to the workspace's Slack (once per notify() call: the
    task passes the call's first notification)."""
    if not slack_wanted(kind=notification.kind):
        return False
    webhook = workspace_slack_webhook(notification.workspace)
    if not webhook:
        return False
    claimed = Notification.unscoped.filter(pk=notification.pk, slacked_at__isnull=True).update(
        slacked_at=timezone.now()
    )
    if not claimed:
        return False
    text = f"*{notification.title}*\n{notification.body}" if notification.body else f"*{notification.title}*"
    link = _absolute(notification.link, notification.language) if notification.link else ""
    try:
        slack.slack_post(webhook, text=text, link=link)
    except (slack.SlackRefused, UnsafeURL):
        # The URL was revoked: retrying cannot help. The admin sees it when they next test the integration.
        logger.warning("slack: the workspace %s webhook was refused", notification.workspace_id)
        return False
    except Exception:
        Notification.unscoped.filter(pk=notification.pk).update(slacked_at=None)
        raise
    return True
