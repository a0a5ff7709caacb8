"""Slack incoming webhooks: post a message to the workspace's channel.

Wire protocol (Slack "Sending messages using incoming webhooks"): `POST` the
webhook URL with a JSON body `{"text": ..., "blocks": [...]}`; Slack answers
`200 ok`, or an error status with a short plain-text reason (`400
invalid_payload`, `403 action_prohibited`, `404 no_service`,
`404 channel_not_found`, `410 channel_is_archived`, `429` with
`Retry-After`, `500 rollup_error`).

Webhook URLs must start with `SLACK_WEBHOOK_URL_PREFIX`
(`https://hooks.slack.com/` by default): the URL is user-supplied, and the
prefix keeps it pointed at Slack (the test suite points it at a local double).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from nexusone import outbound
from nexusone.errors import ProviderError, ValidationFailed

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0


class SlackRefused(ValidationFailed):
    """Slack answered the webhook with an error: the URL is wrong or revoked."""

    code = "slack_refused"
    default_message = _("Slack refused the webhook URL.")


def validate_webhook_url(url: str) -> str:
    url = (url or "").strip()
    prefix = settings.SLACK_WEBHOOK_URL_PREFIX
    if not url.startswith(prefix) or len(url) > 500 or len(url) <= len(prefix):
        raise ValidationFailed(
            details={"webhook_url": [_("Enter a Slack incoming-webhook URL (it starts with %(prefix)s).")
                                     % {"prefix": prefix}]}
        )  # fmt: skip
    return url


def slack_post(webhook_url: str, *, text: str, link: str = "") -> None:
    """Post one message. Raises `SlackRefused` when Slack rejects the URL or
    payload (4xx), the door's `UnsafeURL` when the address is not allowed,
    `ProviderError` (the door's `OutboundError` / `OutboundTimeout` too) when
    Slack or the network fails — retryable."""
    body: dict = {"text": text}
    if link:
        body["blocks"] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{link}|{link}>"}]},
        ]
    # Through the outbound door, as a user-supplied URL (SSRF rules); the
    # URL's path is the webhook's secret, so it never reaches a log line.
    response = outbound.request(
        "POST", webhook_url, service="slack", user_url=True, json=body, timeout=TIMEOUT_SECONDS,
        follow_redirects=False, secrets=[urlsplit(webhook_url).path], total_timeout=TIMEOUT_SECONDS * 2,
    )  # fmt: skip
    if response.status_code == 200:
        return
    reason = response.text[:100]
    if response.status_code == 429 or response.status_code >= 500:
        logger.warning("slack: webhook answered %s %s", response.status_code, reason)
        raise ProviderError()
    raise SlackRefused(details={"webhook_url": [_("Slack answered %(status)s: %(reason)s")
                                                % {"status": response.status_code, "reason": reason}]})  # fmt: skip
