"""The provider interface: typed requests and results, and the one error type
with a reason the rest of the app acts on.

Reasons (`ProviderFailure.reason`) and what the sender does with them:
- `invalid_recipient`, `outside_window`, `recipient_unavailable`,
  `not_delivered` — this message failed for good (refunded); go on.
- `rate_limited`, `provider_unavailable` — nothing was sent; retry the same
  message after a backoff (`retryable`), up to WHATSAPP_SEND_MAX_ATTEMPTS.
- `token_expired`, `permission_denied`, `template_not_approved`,
  `template_invalid`, `invalid_request`, `account_restricted` — every message
  of the send would fail the same way (`fatal`): stop, fail the rest, refund.
- `unknown_outcome` — the request may or may not have reached Meta (a read
  timeout, a dropped connection after sending): never retried, so a message
  is never sent twice; the stale-send reaper settles it later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

RETRYABLE = frozenset({"rate_limited", "provider_unavailable"})
FATAL = frozenset(
    {
        "token_expired",
        "permission_denied",
        "template_not_approved",
        "template_invalid",
        "invalid_request",
        "account_restricted",
    }
)

# What each reason means to a user (the pages show these; the API returns the code).
REASON_LABELS = {
    "invalid_recipient": _("The number cannot receive WhatsApp messages."),
    "outside_window": _("More than 24 hours since the customer last wrote: only a template can be sent."),
    "recipient_unavailable": _("The recipient does not accept these messages."),
    "not_delivered": _("WhatsApp did not deliver the message."),
    "rate_limited": _("Sending too fast: WhatsApp asked to slow down."),
    "provider_unavailable": _("WhatsApp was not reachable."),
    "token_expired": _("The access token expired or was revoked: reconnect the number."),
    "permission_denied": _("The access token lacks the WhatsApp permissions."),
    "template_not_approved": _("The template is not approved (or is paused) in this language."),
    "template_invalid": _("The template parameters do not match the template."),
    "invalid_request": _("WhatsApp refused the message content."),
    "account_restricted": _("The WhatsApp account or number is restricted."),
    "unknown_outcome": _("The send did not finish; it was not retried, to avoid a duplicate."),
    "cancelled": _("Cancelled before it was sent."),
}


@dataclass(frozen=True)
class OutboundMessage:
    """One message to one recipient. `to` is E.164; `content` is the message
    object of the API (`{"type": "text", "text": {"body": …}}`, a template, or a
    media type such as `{"type": "image", "image": {"link": …}}`)."""

    to: str
    content: dict[str, Any]
    callback_data: str = ""  # echoed back by Meta in status webhooks (biz_opaque_callback_data)
    reply_to: str = ""  # wamid of the message this one answers


@dataclass(frozen=True)
class SendResult:
    wamid: str
    wa_id: str = ""
    status: str = "accepted"


@dataclass(frozen=True)
class TemplateInfo:
    external_id: str
    name: str
    language: str
    category: str
    status: str
    components: list = field(default_factory=list)
    rejected_reason: str = ""


@dataclass(frozen=True)
class PhoneNumberInfo:
    display_phone_number: str = ""
    verified_name: str = ""
    quality_rating: str = ""


class ProviderFailure(Exception):
    """A provider call failed; `reason` is one of the keys above."""

    def __init__(
        self,
        reason: str,
        message: str = "",
        *,
        code: str = "",
        http_status: int | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason
        self.message = message[:255]
        self.code = str(code)[:16]
        self.http_status = http_status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.reason in RETRYABLE

    @property
    def fatal(self) -> bool:
        return self.reason in FATAL


class WhatsAppProvider(Protocol):
    name: str

    def send_message(self, message: OutboundMessage) -> SendResult: ...

    def list_templates(self) -> list[TemplateInfo]: ...

    def phone_number_info(self) -> PhoneNumberInfo: ...

    def close(self) -> None: ...
