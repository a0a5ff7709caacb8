"""Twilio's webhooks: `/webhooks/twilio/status/` (status callbacks) and
`/webhooks/twilio/` (incoming messages).

- Both answer 403 unless `X-Twilio-Signature` is the base64 HMAC-SHA1, keyed
  by TWILIO_AUTH_TOKEN, of the full URL Twilio called followed by the POST
  parameters sorted by name (each name then its values, sorted). The URL is
  taken from the request (behind a proxy, SECURE_PROXY_SSL_HEADER gives the
  scheme) and also tried with and without the default port, as Twilio's
  own validator does. No token configured → 403.
- Status callbacks (`MessageSid`, `MessageStatus`, `ErrorCode`) move the
  message forward: delivered, or undelivered/failed with the error code.
  The message (`SmsMessage.unscoped` by sid) defines the workspace.
- An incoming message is stored once per workspace that has texted the
  sender's number (the Twilio number is shared by the platform, and a STOP
  to it blocks every workspace's messages through it), written to that
  contact's timeline, and STOP / STOPALL / UNSUBSCRIBE / CANCEL / END / QUIT
  withdraw SMS consent (START / YES / UNSTOP give it back). The answer is an
  empty TwiML document: Twilio's own opt-out handling sends the confirmation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sms.models import SmsCampaign, SmsMessage

logger = logging.getLogger(__name__)

S = SmsMessage.Status
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_WORKSPACES = 100


def compute_signature(url: str, params, token: str) -> str:
    """Twilio's request signature of `url` and the POST `params` (a QueryDict or a dict)."""
    data = url
    getlist = getattr(params, "getlist", None)
    for name in sorted(set(params)):
        values = getlist(name) if getlist else [params[name]]
        for value in sorted(set(values)):
            data += f"{name}{value}"
    digest = hmac.new(token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    without = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    with_port = urlunsplit((parts.scheme, f"{host}:{parts.port or default}", parts.path, parts.query, parts.fragment))
    return list(dict.fromkeys([url, without, with_port]))


def signature_valid(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    for url in _url_variants(request.build_absolute_uri()):
        expected = compute_signature(url, request.POST, token)
        if hmac.compare_digest(expected.encode(), signature.encode()):
            return True
    return False


def _checked(request: HttpRequest) -> HttpResponse | None:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not signature_valid(request):
        logger.warning("twilio webhook: refused a request with a missing or wrong signature")
        return HttpResponse(status=403)
    return None


@csrf_exempt
def twilio_status(request: HttpRequest) -> HttpResponse:
    refused = _checked(request)
    if refused is not None:
        return refused
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid") or ""
    status = (request.POST.get("MessageStatus") or request.POST.get("SmsStatus") or "").lower()
    if sid:
        status_record(sid=sid, status=status, error_code=request.POST.get("ErrorCode", ""))
    return HttpResponse(status=204)


def status_record(*, sid: str, status: str, error_code: str = "") -> bool:
    """Apply a status callback once (statuses only move forward)."""
    message = SmsMessage.unscoped.filter(sid=sid[:64], direction=SmsMessage.Direction.OUTBOUND).first()
    if message is None:
        return False
    now = timezone.now()
    with transaction.atomic():
        if status == "delivered":
            moved = SmsMessage.unscoped.filter(pk=message.pk, status=S.SENT).update(
                status=S.DELIVERED, delivered_at=now, updated_at=now
            )
            field = "count_delivered"
        elif status in ("undelivered", "failed"):
            new = S.UNDELIVERED if status == "undelivered" else S.FAILED
            moved = SmsMessage.unscoped.filter(pk=message.pk, status__in=(S.SENT, S.SENDING)).update(
                status=new, error_code=str(error_code)[:16], updated_at=now
            )
            field = "count_failed"
        else:
            return False  # queued, accepted, sending, sent: nothing new
        if moved and message.campaign_id:
            SmsCampaign.unscoped.filter(pk=message.campaign_id).update(**{field: F(field) + 1})
    return bool(moved)


@csrf_exempt
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    refused = _checked(request)
    if refused is not None:
        return refused
    post = request.POST
    inbound_receive(
        sid=post.get("MessageSid", ""),
        from_number=post.get("From", ""),
        to_number=post.get("To", ""),
        body=post.get("Body", ""),
        segments=post.get("NumSegments", "1"),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")


def inbound_receive(*, sid: str, from_number: str, to_number: str, body: str, segments: str = "1") -> int:
    """Store the message and act on keywords in every workspace that texted this number."""
    from accounts.models import Workspace
    from nexusone.tenancy import workspace_scope
    from sms.services import OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, consent_set, keyword_of

    if not sid or not from_number.startswith("+"):
        return 0
    workspace_ids = list(
        SmsMessage.unscoped.filter(to=from_number[:20], direction=SmsMessage.Direction.OUTBOUND)
        .values_list("workspace_id", flat=True)
        .distinct()[:MAX_WORKSPACES]
    )
    keyword = keyword_of(body)
    handled = 0
    for workspace in Workspace.objects.filter(pk__in=workspace_ids, is_suspended=False):
        with workspace_scope(workspace):
            from crm.models import Contact

            contact = Contact.objects.filter(phone=from_number).first()
            try:
                with transaction.atomic():
                    SmsMessage.objects.create(
                        direction=SmsMessage.Direction.INBOUND,
                        contact=contact,
                        to=to_number[:20],
                        from_number=from_number[:40],
                        body=body[:1600],
                        status=S.RECEIVED,
                        sid=sid[:64],
                        segments=int(segments) if str(segments).isdigit() else 1,
                    )
            except IntegrityError:
                continue  # the same message, delivered twice
            handled += 1
            if contact is not None:
                _activity(contact, body)
            if keyword in OPT_OUT_KEYWORDS:
                consent_set(phone=from_number, opted_in=False, via=f"keyword:{keyword}")
            elif keyword in OPT_IN_KEYWORDS:
                consent_set(phone=from_number, opted_in=True, via=f"keyword:{keyword}")
    return handled


def _activity(contact, body: str) -> None:
    from crm import services as crm_services
    from nexusone.errors import ValidationFailed

    try:
        crm_services.activity_add(
            contact=contact,
            type="sms_message",
            payload={"event": "received", "direction": "inbound", "text": body[:500]},
        )
    except ValidationFailed:
        logger.warning("sms: could not add the inbound message to contact %s", contact.pk)
