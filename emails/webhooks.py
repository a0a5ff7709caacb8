"""`/webhooks/email/<provider>/tracking/` — the sending service's signed
tracking webhooks, through django-anymail.

- Only the configured ANYMAIL_PROVIDER's route answers (others are 404).
  Anymail's own view for that provider checks the request: HTTP basic auth
  (ANYMAIL_WEBHOOK_SECRET) and, where the service signs its webhooks, the
  signature (Mailgun's HMAC of timestamp + token, Resend's and MailerSend's
  signing secrets, SES's SNS signature…). A request that fails → 403 and
  nothing is stored.
- Anymail normalises each event and sends its `tracking` signal; the
  receiver here finds our message — by the `nx_message` metadata we attach
  to every message, else by the provider's message id (`EmailMessage.unscoped`:
  the webhook defines the tenant) — and hands the event to
  `emails.events.event_record` inside that workspace's scope. Each event is
  stored once per key (the provider's event id, else a digest of the event),
  so a replayed delivery changes nothing. The work is a few indexed writes;
  the CRM part goes to a task.
"""

from __future__ import annotations

import hashlib
import json
import logging

from anymail.exceptions import AnymailConfigurationError, AnymailWebhookValidationFailure
from anymail.signals import EventType, RejectReason, tracking
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

from emails.backends import anymail_esp
from emails.models import EmailEvent, EmailMessage

logger = logging.getLogger(__name__)

TRACKING_VIEWS = {
    "amazon_ses": "anymail.webhooks.amazon_ses.AmazonSESTrackingWebhookView",
    "brevo": "anymail.webhooks.brevo.BrevoTrackingWebhookView",
    "mailgun": "anymail.webhooks.mailgun.MailgunTrackingWebhookView",
    "postmark": "anymail.webhooks.postmark.PostmarkTrackingWebhookView",
    "sendgrid": "anymail.webhooks.sendgrid.SendGridTrackingWebhookView",
    "resend": "anymail.webhooks.resend.ResendTrackingWebhookView",
    "sparkpost": "anymail.webhooks.sparkpost.SparkPostTrackingWebhookView",
    "mailersend": "anymail.webhooks.mailersend.MailerSendTrackingWebhookView",
}
T = EmailEvent.Type
_SUPPRESSING_REJECTS = {RejectReason.BOUNCED, RejectReason.INVALID}


@csrf_exempt
def tracking_webhook(request, provider: str):
    if provider != anymail_esp() or provider not in TRACKING_VIEWS:
        raise Http404
    try:
        view = import_string(TRACKING_VIEWS[provider]).as_view()
        return view(request)
    except AnymailWebhookValidationFailure:
        logger.warning("emails webhook: refused a %s delivery with a wrong signature or credentials", provider)
        return HttpResponse(status=403)
    except AnymailConfigurationError:
        logger.error("emails webhook: %s tracking is not configured (signing key missing)", provider)
        return HttpResponse(status=403)


def _our_type(event) -> str | None:
    kind = event.event_type
    if kind == EventType.DELIVERED:
        return T.DELIVERED
    if kind == EventType.OPENED:
        return T.OPENED
    if kind == EventType.CLICKED:
        return T.CLICKED
    if kind == EventType.BOUNCED:
        return T.BOUNCED
    if kind == EventType.DEFERRED:
        return T.DEFERRED
    if kind == EventType.COMPLAINED:
        return T.COMPLAINED
    if kind == EventType.UNSUBSCRIBED:
        return T.UNSUBSCRIBED
    if kind == EventType.REJECTED:
        return T.BOUNCED if event.reject_reason in _SUPPRESSING_REJECTS else T.FAILED
    if kind == EventType.FAILED:
        return T.FAILED
    return None  # queued, sent, autoresponded, subscribed, unknown: nothing to do


def _message_for(event) -> EmailMessage | None:
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    ours = str(metadata.get("nx_message") or "")
    queryset = EmailMessage.unscoped.select_related("campaign")
    if ours.isdigit():
        message = queryset.filter(pk=int(ours)).first()
        if message is not None:
            return message
    if event.message_id:
        return queryset.filter(provider_message_id=str(event.message_id)[:255]).first()
    return None


def _key(esp_name: str, event, our_type: str) -> str:
    if event.event_id:
        return f"{esp_name.lower()}:{event.event_id}:{our_type}"[:255]
    raw = json.dumps(
        [event.event_type, str(event.message_id), str(event.recipient), str(event.timestamp), event.click_url],
        default=str,
    )
    return f"{esp_name.lower()}:sha256:{hashlib.sha256(raw.encode()).hexdigest()}"


@receiver(tracking, dispatch_uid="emails.tracking")
def on_tracking(sender, event, esp_name, **kwargs) -> None:
    from accounts.models import Workspace
    from emails.events import event_record
    from nexusone.tenancy import workspace_scope

    our_type = _our_type(event)
    if our_type is None:
        return
    message = _message_for(event)
    if message is None:
        logger.info("emails webhook: %s event for an unknown message %s", esp_name, event.message_id)
        return
    workspace = Workspace.objects.filter(pk=message.workspace_id).first()
    if workspace is None:
        return
    data = {"response": (event.mta_response or event.description or "")[:500]}
    if event.click_url:
        data["url"] = str(event.click_url)[:2000]
    if event.reject_reason:
        data["reject_reason"] = event.reject_reason
    with workspace_scope(workspace):
        event_record(
            message=message,
            type=our_type,
            key=_key(esp_name, event, our_type),
            source=f"anymail:{esp_name.lower()}"[:32],
            occurred_at=event.timestamp,
            data=data,
        )
