"""Twilio's signed webhooks: signature validation (Twilio's published test
vectors), status callbacks, inbound messages and STOP."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import Client

from crm.models import Activity, Contact
from sms.models import SmsCampaign, SmsMessage
from sms.tests.conftest import campaign_payload, signed_post
from sms.webhooks import compute_signature

pytestmark = pytest.mark.django_db


def test_the_signature_matches_twilios_published_examples():
    params = {"CallSid": "CA1234567890ABCDE", "Digits": "1234", "From": "+14158675309", "To": "+18005551212",
              "Caller": "+14158675309"}  # fmt: skip
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert compute_signature(url, params, "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = QueryDict("Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234")
    assert compute_signature(url, repeated, "12345") == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.fixture
def sent(texting, twilio, django_capture_on_commit_callbacks):
    client = texting["tenant"].client("member")
    created = client.post("/api/v1/sms/campaigns/", campaign_payload(texting), format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/sms/campaigns/{created['id']}/send")
    return SmsCampaign.unscoped.get(pk=created["id"])


def _status(message, status, **extra):
    return {"MessageSid": message.sid, "SmsSid": message.sid, "MessageStatus": status, "SmsStatus": status,
            "AccountSid": "AC" + "a1" * 16, "From": "+15005550006", "To": message.to, "ApiVersion": "2010-04-01",
            **extra}  # fmt: skip


def test_status_callbacks_need_a_valid_signature(sent):
    message = SmsMessage.unscoped.filter(campaign=sent).first()
    client = Client()
    path = "/webhooks/twilio/status/"
    assert client.post(path, data=_status(message, "delivered")).status_code == 403  # unsigned
    assert signed_post(client, path, _status(message, "delivered"), token="not-the-token").status_code == 403
    tampered = _status(message, "delivered")
    signature = compute_signature(f"http://testserver{path}", tampered, "f" * 32)
    tampered["MessageStatus"] = "failed"
    assert signed_post(client, path, tampered, signature=signature).status_code == 403
    message.refresh_from_db()
    assert message.status == "sent"

    assert signed_post(client, path, _status(message, "delivered")).status_code == 204
    assert signed_post(client, path, _status(message, "delivered")).status_code == 204  # again: counted once
    message.refresh_from_db()
    sent.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at and sent.count_delivered == 1
    other = SmsMessage.unscoped.filter(campaign=sent).exclude(pk=message.pk).first()
    signed_post(client, path, _status(other, "undelivered", ErrorCode="30003"))
    other.refresh_from_db()
    assert (other.status, other.error_code) == ("undelivered", "30003")


def test_stop_withdraws_consent_and_start_gives_it_back(sent, texting):
    client = Client()
    inbound = {"MessageSid": "SM" + "9" * 32, "SmsSid": "SM" + "9" * 32, "AccountSid": "AC" + "a1" * 16,
               "From": "+14155550101", "To": "+15005550006", "Body": " stop ", "NumSegments": "1", "NumMedia": "0",
               "FromCountry": "US", "ToCountry": "US", "ApiVersion": "2010-04-01"}  # fmt: skip
    assert client.post("/webhooks/twilio/", data=inbound).status_code == 403
    response = signed_post(client, "/webhooks/twilio/", inbound)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert b"<Response></Response>" in response.content
    ana = Contact.unscoped.get(phone="+14155550101")
    assert ana.sms_opt_in is False
    assert Activity.unscoped.filter(contact=ana, type="sms_message", payload__event="received").count() == 1
    assert Activity.unscoped.filter(contact=ana, payload__event="opted_out").count() == 1
    signed_post(client, "/webhooks/twilio/", inbound)  # delivered twice: stored once
    assert SmsMessage.unscoped.filter(direction="inbound").count() == 1

    # the next campaign leaves her out
    tenant = texting["tenant"]
    from nexusone.tenancy import workspace_scope
    from sms.services import audience_contacts

    with workspace_scope(tenant.workspace):
        assert ana.pk not in set(
            audience_contacts(audience={"segment_id": texting["segment"].pk}).values_list("pk", flat=True)
        )
    start = {**inbound, "MessageSid": "SM" + "8" * 32, "SmsSid": "SM" + "8" * 32, "Body": "START"}
    signed_post(client, "/webhooks/twilio/", start)
    assert Contact.unscoped.get(pk=ana.pk).sms_opt_in is True


def test_a_number_never_texted_changes_nothing(texting, twilio):
    inbound = {"MessageSid": "SM" + "7" * 32, "From": "+14155550104", "To": "+15005550006", "Body": "STOP"}
    assert signed_post(Client(), "/webhooks/twilio/", inbound).status_code == 200
    assert not SmsMessage.unscoped.exists()
