"""The campaign API: drafts, readiness errors, credits, previews, test sends,
AI variants, scheduling, A/B subject tests, cancelling and refunds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Charge
from crm.tests.factories import make_contact
from emails.models import Campaign, EmailMessage
from emails.tests.conftest import balance, give_credits, html_part
from emails.tests.factories import BLOCKS, make_sender

pytestmark = pytest.mark.django_db


def _draft(client, shop, **extra):
    payload = {
        "name": "Otoño",
        "subject": "Hola {{first_name}}",
        "sender_id": shop.sender.pk,
        "audience": {"segment_id": shop.segment.pk},
        "language": "es",
        "body": BLOCKS,
        **extra,
    }
    response = client.post("/api/v1/email/campaigns/", payload, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_bad_input_is_a_clear_400(shop):
    client = shop.tenant.client("member")
    cases = [
        ({"name": ""}, "name"),
        ({"name": "x", "body": [{"type": "script", "text": "x"}]}, "body[0].type"),
        ({"name": "x", "body": [{"type": "button", "text": "Go", "url": "javascript:alert(1)"}]}, "body[0].url"),
        ({"name": "x", "audience": {"segment_id": 1, "contact_ids": [1]}}, "audience"),
        ({"name": "x", "audience": {"segment_id": 987654}}, "audience.segment_id"),
        ({"name": "x", "sender_id": 987654}, "sender_id"),
        ({"name": "x", "schedule_at": "2001-01-01T00:00:00Z"}, "schedule_at"),
        ({"name": "x", "ab_test": {"subjects": ["only one"]}}, "ab_test"),
    ]
    for payload, field in cases:
        response = client.post("/api/v1/email/campaigns/", payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert field in response.json()["error"]["details"], (field, response.json())


def test_html_bodies_are_sanitised(shop):
    client = shop.tenant.client("member")
    html = '<p onclick="steal()">Hola</p><script>alert(1)</script><a href="javascript:x()">x</a><a href="https://ok.example">ok</a>'
    created = _draft(client, shop, body=html)
    assert (
        created["body"]
        == '<p>Hola</p><a rel="noopener noreferrer">x</a><a href="https://ok.example" rel="noopener noreferrer">ok</a>'
    )


def test_an_unverified_sender_or_a_missing_address_cannot_send(shop, world, monkeypatch):
    client = shop.tenant.client("member")
    unverified = make_sender(shop.workspace, email="news@elsewhere.example", domain="elsewhere.example")
    draft = _draft(client, shop, sender_id=unverified.pk)
    response = client.post(f"/api/v1/email/campaigns/{draft['id']}/send")
    assert response.status_code == 400 and response.json()["error"]["code"] == "sender_not_verified"

    monkeypatch.setattr("emails.branding.postal_address", lambda workspace: "")
    draft = _draft(client, shop)
    response = client.post(f"/api/v1/email/campaigns/{draft['id']}/send")
    assert response.status_code == 400 and response.json()["error"]["code"] == "postal_address_required"
    assert not EmailMessage.unscoped.exists()


def test_an_audience_without_consent_is_refused_and_nothing_charged(shop):
    client = shop.tenant.client("member")
    draft = _draft(client, shop, audience={"contact_ids": [shop.no_consent.pk]})
    before = balance(shop.workspace)
    response = client.post(f"/api/v1/email/campaigns/{draft['id']}/send")
    assert response.status_code == 400 and response.json()["error"]["code"] == "empty_audience"
    assert balance(shop.workspace) == before and not EmailMessage.unscoped.exists()


def test_short_of_credits_is_402_and_nothing_is_sent(shop, smtp):
    from billing.tests.factories import account

    for n in range(250):
        make_contact(shop.workspace, email=f"bulk{n}@clientes.example", email_opt_in=True, tags=["otono"])
    account(shop.workspace, plan_credits=0, purchased_credits=2)  # 253 recipients need 3
    client = shop.tenant.client("member")
    draft = _draft(client, shop)
    assert draft["estimate"] == {"recipients": 253, "credits": 3}
    response = client.post(f"/api/v1/email/campaigns/{draft['id']}/send")
    assert response.status_code == 402
    assert response.json()["error"]["details"] == {"needed": 3, "available": 2}
    assert Campaign.unscoped.get(pk=draft["id"]).status == "draft"
    assert not EmailMessage.unscoped.exists() and smtp.count == 0


def test_preview_and_a_test_send(shop, smtp):
    client = shop.tenant.client("member")
    draft = _draft(client, shop)
    preview = client.get(f"/api/v1/email/campaigns/{draft['id']}/preview").json()
    assert preview["subject"] == "Hola Lucia" and "Hola Lucia" in preview["html"]
    assert "https://shop.example/otono" in preview["html"]  # previews show the real links

    before = balance(shop.workspace)
    response = client.post(f"/api/v1/email/campaigns/{draft['id']}/test", {"to": ["me@shop.example"]}, format="json")
    assert response.status_code == 200 and response.json() == {"sent_to": ["me@shop.example"]}
    received = smtp.to("me@shop.example")[0]
    assert received.message["Subject"] == "[Test] Hola Lucia"
    assert "https://shop.example/otono" in html_part(received)  # not tracked
    assert received.message["List-Unsubscribe"] == "<https://app.nexusone.test/e/u/test>"
    assert balance(shop.workspace) == before - 1
    too_many = client.post(
        f"/api/v1/email/campaigns/{draft['id']}/test", {"to": [f"a{i}@x.example" for i in range(6)]}, format="json"
    )
    assert too_many.status_code == 400


def test_ai_variants_in_the_audience_language_cost_content_credits(shop):
    client = shop.tenant.client("member")
    draft = _draft(client, shop, subject="", body=[])
    before = balance(shop.workspace)
    response = client.post(
        f"/api/v1/email/campaigns/{draft['id']}/variants",
        {"brief": "Rebajas de otoño en abrigos, visita https://shop.example/rebajas", "count": 2},
        format="json",
        HTTP_IDEMPOTENCY_KEY="variants-1",
    )
    assert response.status_code == 200, response.content
    variants = response.json()["variants"]
    assert len(variants) == 2 and variants[0]["subject"] != variants[1]["subject"]
    assert all(v["language"] == "es" and v["subject"] and v["body"] for v in variants)
    assert any(b["type"] == "button" and b["url"] == "https://shop.example/rebajas" for b in variants[0]["body"])
    assert balance(shop.workspace) == before - 2 * 5
    replay = client.post(
        f"/api/v1/email/campaigns/{draft['id']}/variants",
        {"brief": "Rebajas de otoño en abrigos, visita https://shop.example/rebajas", "count": 2},
        format="json",
        HTTP_IDEMPOTENCY_KEY="variants-1",
    )
    assert replay.json() == response.json() and balance(shop.workspace) == before - 10
    # apply one with an ordinary edit
    chosen = variants[0]
    patched = client.patch(
        f"/api/v1/email/campaigns/{draft['id']}",
        {"subject": chosen["subject"], "preheader": chosen["preheader"], "body": chosen["body"]},
        format="json",
    )
    assert patched.status_code == 200 and patched.json()["subject"] == chosen["subject"]


def test_a_scheduled_campaign_starts_on_its_own(shop, smtp, django_capture_on_commit_callbacks):
    from emails.tasks import emails_tick

    client = shop.tenant.client("member")
    when = timezone.now() + timedelta(minutes=30)
    draft = _draft(client, shop, schedule_at=when.isoformat())
    assert draft["status"] == "scheduled"
    with django_capture_on_commit_callbacks(execute=True):
        emails_tick.apply()
    assert smtp.count == 0
    Campaign.unscoped.filter(pk=draft["id"]).update(schedule_at=timezone.now() - timedelta(seconds=5))
    with django_capture_on_commit_callbacks(execute=True):
        emails_tick.apply()
    assert smtp.count == 3 and Campaign.unscoped.get(pk=draft["id"]).status == "sent"


def test_ab_subject_test_sends_the_winner_to_the_rest(shop, smtp, django_capture_on_commit_callbacks, settings):
    from billing.models import BillingAccount, Plan
    from emails.events import event_record
    from emails.tasks import emails_tick
    from nexusone.tenancy import workspace_scope

    BillingAccount.unscoped.filter(workspace=shop.workspace).update(plan=Plan.objects.get(key="pro"))
    for n in range(17):
        make_contact(shop.workspace, email=f"ab{n}@clientes.example", email_opt_in=True, tags=["otono"])
    client = shop.tenant.client("member")
    draft = _draft(
        client, shop, ab_test={"subjects": ["Asunto A", "Asunto B"], "sample_percent": 20, "wait_minutes": 60}
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/email/campaigns/{draft['id']}/send").status_code == 202
    campaign = Campaign.unscoped.get(pk=draft["id"])
    assert campaign.status == "testing" and smtp.count == 4  # 20 % of 20
    sample = EmailMessage.unscoped.filter(campaign=campaign, status="sent")
    assert sorted(sample.values_list("variant", flat=True)) == [0, 0, 1, 1]
    for message in sample.filter(variant=1):  # B is opened
        with workspace_scope(shop.workspace):
            event_record(message=message, type="opened", key=f"t:{message.pk}", source="test")
    Campaign.unscoped.filter(pk=campaign.pk).update(ab_decide_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        emails_tick.apply()
    campaign.refresh_from_db()
    assert campaign.winner_variant == 1 and campaign.status == "sent" and smtp.count == 20
    subjects = [r.message["Subject"] for r in smtp.received]
    assert subjects.count("Asunto B") == 18 and subjects.count("Asunto A") == 2
    stats = client.get(f"/api/v1/email/campaigns/{campaign.pk}/stats").json()
    assert [v["subject"] for v in stats["variants"]] == ["Asunto A", "Asunto B"]


def test_ab_tests_need_a_plan_with_the_feature(shop):
    client = shop.tenant.client("member")
    draft = _draft(client, shop, ab_test={"subjects": ["A", "B"]})
    response = client.post(f"/api/v1/email/campaigns/{draft['id']}/send")
    assert response.status_code == 403 and response.json()["error"]["code"] == "plan_required"


def test_cancelling_refunds_what_was_not_sent_once(shop, smtp, django_capture_on_commit_callbacks):
    for n in range(150):
        make_contact(shop.workspace, email=f"many{n}@clientes.example", email_opt_in=True, tags=["otono"])
    give_credits(shop.workspace, 50)
    client = shop.tenant.client("member")
    draft = _draft(client, shop)
    before = balance(shop.workspace)
    # sent, but the tasks never ran (the broker lost them): nothing left yet
    response = client.post(f"/api/v1/email/campaigns/{draft['id']}/send")
    assert response.status_code == 202 and balance(shop.workspace) == before - 2  # 153 recipients
    campaign = Campaign.unscoped.get(pk=draft["id"])
    first = list(EmailMessage.unscoped.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True)[:99])
    EmailMessage.unscoped.filter(pk__in=first).update(status="sent")  # 99 went out before the cancel
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post(f"/api/v1/email/campaigns/{draft['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert EmailMessage.unscoped.filter(campaign=campaign, status="cancelled").count() == 54
    assert balance(shop.workspace) == before - 1  # 99 sent → 1 unit kept, 1 given back
    campaign.refresh_from_db()
    assert campaign.credits_refunded == 1
    charges = Charge.unscoped.filter(workspace=shop.workspace, module="email_send")
    assert sorted(charges.values_list("status", "credits")) == [("committed", 1), ("refunded", 2)]
    from emails.services.dispatch import campaign_settle
    from nexusone.tenancy import workspace_scope

    with workspace_scope(shop.workspace):
        assert campaign_settle(campaign_id=campaign.pk) == 0  # settled once
    assert balance(shop.workspace) == before - 1
