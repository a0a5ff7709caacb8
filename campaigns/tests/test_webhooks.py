"""/webhooks/facebook/: handshake, signatures over the raw body, duplicates,
a lead becoming a CRM contact once, ad-status changes and rejections."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from campaigns.models import AdVariant, GraphEvent
from campaigns.tests import graph_double as g
from campaigns.tests.factories import make_campaign, make_variant
from campaigns.tests.test_launch import connect_meta
from crm.models import Activity, Contact

pytestmark = pytest.mark.django_db

URL = "/webhooks/facebook/"
SECRET = "app-secret-for-tests"


@pytest.fixture
def meta(settings):
    settings.META_APP_ID = "1234567890"
    settings.META_APP_SECRET = SECRET
    settings.META_VERIFY_TOKEN = "verify-me"
    settings.META_GRAPH_URL = "https://graph.facebook.com/v21.0"
    return settings


@pytest.fixture
def graph():
    double = g.Graph()
    with double.installed():
        yield double


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def leadgen(leadgen_id="444555666", ad_id="120210000000000009", page_id=g.PAGE) -> bytes:
    payload = {
        "object": "page",
        "entry": [{"id": page_id, "time": 1733560000, "changes": [{"field": "leadgen", "value": {
            "ad_id": ad_id, "form_id": "777888999", "leadgen_id": leadgen_id, "created_time": 1733559990,
            "page_id": page_id, "adgroup_id": ad_id}}]}],
    }  # fmt: skip
    return json.dumps(payload, ensure_ascii=False).encode()


def post(client, body: bytes, signature: str | None = None, **extra):
    return client.post(URL, data=body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=sign(body) if signature is None else signature, **extra)  # fmt: skip


def test_handshake(client, meta):
    ok = client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.content == b"1158201444"
    assert (
        client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}).status_code == 403
    )
    assert (
        client.get(URL, {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"}).status_code
        == 403
    )
    meta.META_VERIFY_TOKEN = ""
    assert client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}).status_code == 403


def test_bad_signatures_store_nothing(client, meta, world):
    connect_meta(world["A"].workspace)
    body = leadgen()
    assert post(client, body, signature="").status_code == 403
    assert post(client, body, signature=sign(body, "other-secret")).status_code == 403
    assert post(client, body + b" ", signature=sign(body)).status_code == 403  # the raw bytes are signed
    meta.META_APP_SECRET = ""
    assert post(client, body).status_code == 403
    assert not GraphEvent.unscoped.exists()


def test_a_lead_becomes_a_contact_once(client, meta, world, graph, django_capture_on_commit_callbacks):
    workspace = world["A"].workspace
    connect_meta(workspace)
    campaign = make_campaign(workspace, status="active", provider="meta", objective="LEAD_GENERATION")
    make_variant(workspace, campaign=campaign, status="active", external_ad_id="120210000000000009")
    graph.leads["444555666"] = {
        "id": "444555666", "created_time": "2026-12-07T10:00:00+0000", "ad_id": "120210000000000009",
        "form_id": "777888999",
        "field_data": [{"name": "full_name", "values": ["Lucía Pérez"]},
                       {"name": "email", "values": ["lucia@example.es"]},
                       {"name": "phone_number", "values": ["+34612345678"]},
                       {"name": "¿qué te interesa?", "values": ["esterillas"]}],
    }  # fmt: skip
    body = leadgen()
    for _ in range(2):  # Meta retries deliveries: the second one changes nothing
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, body).status_code == 200
    contact = Contact.unscoped.get(workspace=workspace, email="lucia@example.es")
    assert (contact.first_name, contact.last_name, contact.source) == ("Lucía", "Pérez", "facebook_lead_ad")
    assert contact.phone == "+34612345678"
    activities = Activity.unscoped.filter(contact=contact)
    assert activities.count() == 1
    origin = activities.get().payload["page"]
    assert origin["form_id"] == "777888999" and origin["ad_id"] == "120210000000000009"
    assert origin["campaign"] == campaign.name
    event = GraphEvent.unscoped.get(workspace=workspace)
    assert event.status == "done" and event.contact_id == contact.pk
    lead_call = graph.calls("/444555666")[0]
    assert lead_call.url.params["access_token"] == g.PAGE_TOKEN  # read with the Page's token
    assert not Contact.unscoped.filter(workspace=world["B"].workspace).exists()


def test_a_lead_is_free_even_without_credits(client, meta, world, graph, django_capture_on_commit_callbacks):
    from agents.tests.conftest import set_credits

    workspace = world["A"].workspace
    set_credits(workspace, 0)
    connect_meta(workspace)
    graph.leads["1"] = {"id": "1", "field_data": [{"name": "email", "values": ["free@example.com"]}]}
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, leadgen(leadgen_id="1", ad_id="")).status_code == 200  # routed by its Page
    assert Contact.unscoped.filter(workspace=workspace, email="free@example.com").exists()


def test_ad_account_change_updates_statuses_and_notifies_rejections(client, meta, world, graph,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    from notifications.models import Notification

    workspace = world["A"].workspace
    connect_meta(workspace)
    campaign = make_campaign(workspace, status="active", provider="meta", external_campaign_id="120210000000000001")
    ok = make_variant(workspace, campaign=campaign, status="active", external_ad_id="111")
    bad = make_variant(workspace, campaign=campaign, status="active", external_ad_id="222")
    graph.ad_rows = [
        {"id": "111", "effective_status": "ACTIVE"},
        {"id": "222", "effective_status": "DISAPPROVED",
         "ad_review_feedback": {"global": {"Misleading claims": "Ads can't make misleading claims."}}},
    ]  # fmt: skip
    body = json.dumps({"object": "ad_account", "entry": [{"id": g.ACCOUNT[4:], "time": 1733560001, "changes": [
        {"field": "with_issues_ad_objects",
         "value": {"id": "222", "level": "AD", "error_code": 1487080}}]}]}).encode()  # fmt: skip
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, body).status_code == 200
    assert AdVariant.unscoped.get(pk=ok.pk).external_status == "ACTIVE"
    rejected = AdVariant.unscoped.get(pk=bad.pk)
    assert rejected.status == "rejected" and "misleading" in rejected.review_feedback
    notes = Notification.unscoped.filter(workspace=workspace, kind="campaigns.ad_rejected")
    assert notes.exists() and notes.values("recipient").distinct().count() == notes.count()


def test_garbage_is_refused_cleanly(client, meta):
    for body in (b"not json", b"[]"):
        assert post(client, body).status_code == 400
    assert (
        post(client, json.dumps({"object": "page", "entry": [{"changes": [{"field": "feed"}]}]}).encode()).status_code
        == 200
    )
    assert client.put(URL).status_code == 405
