"""SMS campaigns through the API and Twilio's Messages API (an HTTP double
answering its documented resource): consent, segments, credits, errors."""

from __future__ import annotations

import pytest

from crm.models import Activity, Contact
from emails.tests.conftest import balance
from sms.models import SmsCampaign, SmsMessage
from sms.tests.conftest import ACCOUNT_SID, FROM, campaign_payload, twilio_error

pytestmark = pytest.mark.django_db


def _create(client, texting, **extra):
    response = client.post("/api/v1/sms/campaigns/", campaign_payload(texting, **extra), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_answer_counts_segments_and_the_cost_before_sending(texting):
    client = texting["tenant"].client("member")
    created = _create(client, texting)
    assert (created["segments"], created["encoding"], created["recipients"], created["credits"]) == (1, "GSM-7", 3, 6)
    arabic = client.patch(f"/api/v1/sms/campaigns/{created['id']}", {"body": "تخفيضات اليوم " * 6}, format="json")
    assert (arabic.json()["encoding"], arabic.json()["segments"], arabic.json()["credits"]) == ("UCS-2", 2, 12)
    counted = client.get("/api/v1/sms/segments", {"body": "Promoção de verão"}).json()
    assert counted == {"encoding": "UCS-2", "segments": 1, "characters": 17, "units": 17, "per_segment": 70}
    assert client.post("/api/v1/sms/campaigns/", {"name": "x", "body": "a" * 1601}, format="json").status_code == 400


def test_a_campaign_goes_through_twilio_to_consenting_numbers_once(texting, twilio, django_capture_on_commit_callbacks):
    client = texting["tenant"].client("member")
    created = _create(client, texting)
    before = balance(texting["tenant"].workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/sms/campaigns/{created['id']}/send")
    assert response.status_code == 202, response.content
    assert sorted(r["To"] for r in twilio.requests) == ["+14155550101", "+14155550102", "+14155550103"]
    first = twilio.requests[0]
    assert first["From"] == FROM and first["Body"] == "Flash sale today: 20% off everything!"
    assert first["StatusCallback"] == "https://app.nexusone.test/webhooks/twilio/status/"
    campaign = SmsCampaign.unscoped.get(pk=created["id"])
    assert campaign.status == "sent" and campaign.provider == "twilio" and campaign.count_sent == 3
    assert balance(texting["tenant"].workspace) == before - 6  # 3 recipients × 1 segment × 2 credits
    sids = list(SmsMessage.unscoped.filter(campaign=campaign).values_list("sid", flat=True))
    assert len(set(sids)) == 3 and all(sid.startswith("SM") for sid in sids)
    messages = client.get(f"/api/v1/sms/campaigns/{created['id']}/messages").json()
    assert messages["count"] == 3 and {m["status"] for m in messages["results"]} == {"sent"}
    again = client.post(f"/api/v1/sms/campaigns/{created['id']}/send")
    assert again.status_code == 409 and len(twilio.requests) == 3


def test_without_credentials_the_offline_sandbox_answers(texting, django_capture_on_commit_callbacks):
    client = texting["tenant"].client("member")
    created = _create(client, texting)
    assert created["provider"] == "offline"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/sms/campaigns/{created['id']}/send")
    campaign = SmsCampaign.unscoped.get(pk=created["id"])
    assert campaign.status == "sent" and campaign.provider == "offline" and campaign.count_sent == 3


def test_short_of_credits_is_402_and_nothing_is_sent(texting, twilio):
    from billing.tests.factories import account

    account(texting["tenant"].workspace, plan_credits=0, purchased_credits=5)
    client = texting["tenant"].client("member")
    created = _create(client, texting)
    response = client.post(f"/api/v1/sms/campaigns/{created['id']}/send")
    assert response.status_code == 402 and response.json()["error"]["details"] == {"needed": 6, "available": 5}
    assert not SmsMessage.unscoped.exists() and not twilio.requests


def test_refusals_fail_messages_withdraw_consent_on_21610_and_are_refunded(
    texting, twilio, django_capture_on_commit_callbacks
):
    twilio.errors["+14155550102"] = twilio_error(21610, "Attempt to send to unsubscribed recipient")
    twilio.errors["+14155550103"] = twilio_error(21211, "The 'To' number +14155550103 is not a valid phone number.")
    client = texting["tenant"].client("member")
    created = _create(client, texting)
    before = balance(texting["tenant"].workspace)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/sms/campaigns/{created['id']}/send")
    messages = {m.to: m for m in SmsMessage.unscoped.filter(campaign_id=created["id"])}
    assert messages["+14155550101"].status == "sent"
    assert (messages["+14155550102"].status, messages["+14155550102"].error_code) == ("failed", "21610")
    assert (messages["+14155550103"].status, messages["+14155550103"].error_code) == ("failed", "21211")
    omar = Contact.unscoped.get(phone="+14155550102")
    assert omar.sms_opt_in is False
    assert Activity.unscoped.filter(contact=omar, payload__event="opted_out").exists()
    campaign = SmsCampaign.unscoped.get(pk=created["id"])
    assert campaign.status == "sent" and campaign.credits_refunded == 4
    assert balance(texting["tenant"].workspace) == before - 2  # only the accepted message is paid


def test_a_rate_limited_message_is_retried_later_not_lost(texting, twilio, django_capture_on_commit_callbacks):
    twilio.errors["+14155550101"] = twilio_error(20429, "Too Many Requests", status=429)
    client = texting["tenant"].client("member")
    created = _create(client, texting)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/sms/campaigns/{created['id']}/send")
    ana = SmsMessage.unscoped.get(campaign_id=created["id"], to="+14155550101")
    assert ana.status == "queued" and ana.next_attempt_at is not None
    del twilio.errors["+14155550101"]
    SmsMessage.unscoped.filter(pk=ana.pk).update(next_attempt_at=None)
    SmsCampaign.unscoped.filter(pk=created["id"]).update(last_progress_at="2000-01-01T00:00:00Z")
    from sms.tasks import sms_tick

    with django_capture_on_commit_callbacks(execute=True):
        sms_tick.apply()
    ana.refresh_from_db()
    assert ana.status == "sent"
    assert twilio.accepted.count("+14155550101") == 1  # refused (429) until the retry, then taken once
    assert SmsCampaign.unscoped.get(pk=created["id"]).status == "sent"


def test_bad_credentials_stop_the_campaign_and_refund_it(texting, twilio, settings, django_capture_on_commit_callbacks):
    settings.TWILIO_AUTH_TOKEN = "wrong-token"
    client = texting["tenant"].client("member")
    created = _create(client, texting)
    before = balance(texting["tenant"].workspace)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/sms/campaigns/{created['id']}/send")
    campaign = SmsCampaign.unscoped.get(pk=created["id"])
    assert campaign.status == "failed" and "20003" in campaign.last_error
    assert balance(texting["tenant"].workspace) == before
    assert ACCOUNT_SID not in campaign.last_error
