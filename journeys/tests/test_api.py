"""The journeys API: definitions validated with field paths, ids kept across
edits, activation checks the message steps, pause, stats, roles."""

from __future__ import annotations

import pytest

from emails.tests.factories import BLOCKS, make_sender
from journeys.models import Journey

pytestmark = pytest.mark.django_db

URL = "/api/v1/journeys/"


def _payload(shop, **extra):
    return {
        "name": "Bienvenida",
        "trigger": {"type": "form_submitted"},
        "steps": [
            {"type": "wait", "minutes": 1},
            {"type": "send_email", "subject": "Hola", "sender_id": shop.sender.pk, "language": "es", "body": BLOCKS},
            {"type": "branch", "on": "clicked", "then": [{"type": "add_tag", "tag": "clicked"}], "else": []},
        ],
        **extra,
    }


def test_bad_definitions_are_400_with_the_field_path(shop):
    client = shop.tenant.client("member")
    cases = [
        ({"trigger": {"type": "moon_phase"}}, "trigger.type"),
        ({"trigger": {"type": "segment_entered", "segment_id": 999999}}, "trigger.segment_id"),
        ({"trigger": {"type": "whatsapp_keyword", "keyword": "two words"}}, "trigger.keyword"),
        ({"steps": [], "status": "active"}, "steps"),
        ({"steps": [{"type": "wait", "minutes": 0}]}, "steps[0]"),
        ({"steps": [{"type": "wait_until", "hour": 24}]}, "steps[0].hour"),
        ({"steps": [{"type": "branch", "on": "opened", "then": [], "else": []}]}, "steps[0].on"),
        (
            {"steps": [{"type": "send_email", "subject": "x", "sender_id": 999999, "body": BLOCKS}]},
            "steps[0].sender_id",
        ),
        ({"steps": [{"type": "wait", "minutes": 1}, {"type": "set_stage", "stage": "astronaut"}]}, "steps[1].stage"),
        ({"goal": {"colour": "red"}}, "goal"),
    ]
    for extra, path in cases:
        response = client.post(URL, _payload(shop, **extra), format="json")
        assert response.status_code == 400, (extra, response.content)
        assert path in response.json()["error"]["details"], (path, response.json())


def test_create_activate_edit_pause_and_stats(shop):
    client = shop.tenant.client("member")
    created = client.post(URL, _payload(shop, status="active"), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "active"
    ids = [step["id"] for step in body["steps"]]
    assert ids == ["s1", "s2", "s3"] and body["steps"][2]["then"][0]["id"] == "s4"
    assert body["steps"][1]["campaign_id"]  # the step's message template, frozen at activation

    campaign_id = body["steps"][1]["campaign_id"]
    steps = list(body["steps"])
    steps.insert(0, {"type": "add_tag", "tag": "entered"})
    steps[2]["campaign_id"] = 123456  # server-set: ignored from input
    edited = client.patch(f"{URL}{body['id']}/", {"steps": steps}, format="json").json()
    assert [step["id"] for step in edited["steps"]] == ["s5", "s1", "s2", "s3"]
    assert edited["steps"][2]["campaign_id"] == campaign_id

    paused = client.post(f"{URL}{body['id']}/pause")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    stats = client.get(f"{URL}{body['id']}/stats").json()
    assert [step["id"] for step in stats["steps"]] == ["s5", "s1", "s2", "s3", "s4"]
    assert stats["entered"] == 0
    assert client.get(f"{URL}{body['id']}/enrollments/").status_code == 200
    assert client.delete(f"{URL}{body['id']}/").status_code == 204
    assert not Journey.unscoped.filter(pk=body["id"]).exists()


def test_activation_needs_a_verified_sender(shop):
    unverified = make_sender(shop.workspace, email="x@unverified.example", domain="unverified.example")
    client = shop.tenant.client("member")
    steps = [{"type": "send_email", "subject": "Hola", "sender_id": unverified.pk, "body": BLOCKS}]
    draft = client.post(URL, _payload(shop, steps=steps), format="json")
    assert draft.status_code == 201 and draft.json()["status"] == "paused"
    response = client.post(f"{URL}{draft.json()['id']}/activate")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "sender_not_verified"
    assert Journey.unscoped.get(pk=draft.json()["id"]).status == "paused"


def test_viewers_read_but_do_not_build(shop):
    viewer = shop.tenant.client("viewer")
    assert viewer.post(URL, _payload(shop), format="json").status_code == 403
    assert viewer.get(URL).status_code == 200


def test_another_workspaces_journey_is_404(shop, world):
    client = shop.tenant.client("member")
    mine = client.post(URL, _payload(shop), format="json").json()
    other = world["B"].client("owner")
    for method, path in (("get", ""), ("get", "stats"), ("post", "activate"), ("post", "pause"), ("delete", "")):
        response = getattr(other, method)(f"{URL}{mine['id']}/{path}")
        assert response.status_code == 404, (method, path)
