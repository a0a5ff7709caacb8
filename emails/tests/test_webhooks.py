"""The sending service through anymail: messages sent through Mailgun's API
(an HTTP double answering its documented payload) and its signed tracking
webhooks — valid, forged, replayed."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time

import pytest
import responses
from django.test import Client

from crm.models import Contact
from emails.models import Campaign, EmailEvent, EmailMessage, Suppression

pytestmark = pytest.mark.django_db

SIGNING_KEY = "key-mailgun-webhook-signing"
API_URL = "https://mailgun.test/v3"


@pytest.fixture
def mailgun(settings):
    settings.ANYMAIL_PROVIDER = "mailgun"
    settings.ANYMAIL = {
        "MAILGUN_API_KEY": "key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
        "MAILGUN_API_URL": API_URL,
        "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY,
    }
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        counter = iter(range(1, 10_000))

        def accept(request):
            n = next(counter)
            body = {"id": f"<20261207.{n}.5817@shop.example>", "message": "Queued. Thank you."}
            return 200, {"Content-Type": "application/json"}, json.dumps(body)

        mock.add_callback(responses.POST, f"{API_URL}/shop.example/messages.mime", callback=accept)
        mock.add_callback(responses.POST, f"{API_URL}/shop.example/messages", callback=accept)
        yield mock


def _event_data(message: EmailMessage, event: str, **extra) -> dict:
    """Mailgun's documented `event-data` for a delivered message (every field)."""
    data = {
        "event": event,
        "id": f"CPgfbmQMTCKtHW6uIWtuVe-{event}-{message.pk}",
        "timestamp": 1765108262.908181,
        "log-level": "info",
        "message": {
            "headers": {
                "to": f"<{message.to_email}>",
                "message-id": message.provider_message_id.strip("<>"),
                "from": "Tienda Ejemplo <hola@shop.example>",
                "subject": "Hola",
            },
            "attachments": [],
            "size": 2481,
        },
        "recipient": message.to_email,
        "recipient-domain": message.to_email.split("@")[1],
        "storage": {
            "url": "https://se.api.mailgun.net/v3/domains/shop.example/messages/message_key",
            "key": "message_key",
        },
        "envelope": {
            "transport": "smtp",
            "sender": "bounce+176d5a.2e7@shop.example",
            "sending-ip": "209.61.154.250",
            "targets": message.to_email,
        },
        "delivery-status": {
            "tls": True,
            "mx-host": "smtp-in.clientes.example",
            "code": 250,
            "description": "",
            "session-seconds": 0.433,
            "utf8": True,
            "attempt-no": 1,
            "message": "OK",
            "certificate-verified": True,
        },
        "flags": {"is-routed": False, "is-authenticated": True, "is-system-test": False, "is-test-mode": False},
        "tags": [],
        "campaigns": [],
        "user-variables": {"nx_message": str(message.pk)},
    }
    data.update(extra)
    return data


def _signed(event_data: dict, *, key: str = SIGNING_KEY) -> bytes:
    timestamp, token = str(int(time.time())), "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return json.dumps(
        {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": event_data}
    ).encode()


def _post(body: bytes, provider: str = "mailgun"):
    return Client().post(f"/webhooks/email/{provider}/tracking/", data=body, content_type="application/json")


def _sent(shop, send_campaign, mailgun):
    campaign = send_campaign(shop)
    assert campaign.status == "sent" and campaign.count_sent == 3
    return campaign, EmailMessage.unscoped.get(campaign=campaign, to_email="lucia@clientes.example")


def test_messages_go_through_the_service_api_with_its_message_id(shop, send_campaign, mailgun):
    _campaign, lucia = _sent(shop, send_campaign, mailgun)
    assert len(mailgun.calls) == 3
    assert lucia.provider_message_id.startswith("<20261207.") and lucia.message_id.endswith("@shop.example>")
    from urllib.parse import parse_qs

    raw = mailgun.calls[0].request.body
    form = parse_qs(raw if isinstance(raw, str) else raw.decode())
    assert form["h:List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]
    assert form["v:nx_message"] == [str(lucia.pk)]  # our id travels as a Mailgun user-variable
    assert form["o:tracking-clicks"] == ["no"]  # our own links are tracked already


def test_a_signed_delivery_counts_once_and_a_replay_changes_nothing(shop, send_campaign, mailgun):
    campaign, lucia = _sent(shop, send_campaign, mailgun)
    body = _signed(_event_data(lucia, "delivered"))
    assert _post(body).status_code == 200
    assert _post(body).status_code == 200  # the same delivery again (a retry, or an attacker replaying it)
    lucia.refresh_from_db()
    assert lucia.delivered_at is not None
    assert Campaign.unscoped.get(pk=campaign.pk).count_delivered == 1
    assert EmailEvent.unscoped.filter(message=lucia, type="delivered").count() == 1


def test_a_forged_or_unsigned_webhook_is_refused(shop, send_campaign, mailgun):
    _campaign, lucia = _sent(shop, send_campaign, mailgun)
    forged = _signed(_event_data(lucia, "complained"), key="not-the-key")
    assert _post(forged).status_code == 403
    tampered = json.loads(_signed(_event_data(lucia, "delivered")))
    tampered["signature"]["timestamp"] = "1"  # the signature no longer matches
    assert _post(json.dumps(tampered).encode()).status_code == 403
    unsigned = json.dumps({"event-data": _event_data(lucia, "complained")}).encode()
    assert _post(unsigned).status_code == 403
    assert not EmailEvent.unscoped.exists() and not Suppression.unscoped.exists()
    assert _post(_signed(_event_data(lucia, "delivered")), provider="sendgrid").status_code == 404


def test_permanent_failures_and_complaints_suppress_the_address(
    shop, send_campaign, mailgun, django_capture_on_commit_callbacks
):
    campaign, lucia = _sent(shop, send_campaign, mailgun)
    mateo = EmailMessage.unscoped.get(campaign=campaign, to_email="mateo@clientes.example")
    sofia = EmailMessage.unscoped.get(campaign=campaign, to_email="sofia@clientes.example")
    status = {
        "code": 550,
        "message": "5.1.1 The email account that you tried to reach does not exist",
        "description": "",
    }
    failed = _event_data(lucia, "failed", severity="permanent", reason="bounce", **{"delivery-status": status})
    temporary = _event_data(sofia, "failed", severity="temporary", reason="generic")
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(_signed(failed)).status_code == 200
        assert _post(_signed(temporary)).status_code == 200
        assert _post(_signed(_event_data(mateo, "complained"))).status_code == 200
    suppressed = dict(Suppression.unscoped.values_list("email", "reason"))
    assert suppressed == {"lucia@clientes.example": "bounced", "mateo@clientes.example": "complained"}
    assert Contact.unscoped.get(email="mateo@clientes.example").email_opt_in is False
    assert Contact.unscoped.get(email="lucia@clientes.example").email_opt_in is True  # a bounce is not a withdrawal
    campaign.refresh_from_db()
    assert (campaign.count_bounced, campaign.count_complained) == (1, 1)
    assert EmailEvent.unscoped.filter(message=sofia, type="deferred").exists()


def test_an_event_for_another_workspaces_message_cannot_be_aimed_elsewhere(shop, world, send_campaign, mailgun):
    """The message (found by our id) defines the workspace: an event names a message, never a workspace."""
    _campaign, lucia = _sent(shop, send_campaign, mailgun)
    data = copy.deepcopy(_event_data(lucia, "delivered"))
    data["user-variables"] = {"nx_message": "987654321"}
    data["message"]["headers"]["message-id"] = "unknown@elsewhere"
    assert _post(_signed(data)).status_code == 200
    assert not EmailEvent.unscoped.exists()
