"""POST /api/v1/analytics/events — the client usage tracker."""

from __future__ import annotations

import pytest

from analytics.models import MetricRollup, UsageEvent
from billing.tests.factories import account


def _event(**fields) -> dict:
    return {"module": "content", "action": "generate", "success": True, "processing_time": 830, **fields}


def test_client_events_are_stored_marked_and_never_carry_credits(world):
    a = world["A"]
    before = account(a.workspace, plan_credits=40).balance
    response = a.client("viewer").post(
        "/api/v1/analytics/events",
        {"events": [_event(credits_consumed=500, credits=500, user_id=a.users["owner"].pk, workspace=999),
                    _event(module="dashboard", action="page_view", success=False, metadata={"path": "/x"})]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201 and response.json() == {"accepted": 2, "source": "client"}
    stored = list(UsageEvent.unscoped.filter(workspace=a.workspace).order_by("id"))
    assert [(e.module, e.action, e.credits, e.source, e.user_id) for e in stored] == [
        ("content", "generate", 0, "client", a.users["viewer"].pk),
        ("dashboard", "page_view", 0, "client", a.users["viewer"].pk),
    ]
    assert stored[0].processing_ms == 830 and stored[1].success is False
    assert account(a.workspace).balance == before  # nothing spent, nothing granted

    listed = a.client("viewer").get("/api/v1/analytics/usage?source=client").json()
    assert {e["source"] for e in listed["events"]} == {"client"} and len(listed["events"]) == 2
    assert listed["by_module"] == []  # the usage figures count what the server charged
    # …and they never reach the dashboard's rollups
    a.client("viewer").get("/api/v1/analytics/dashboard")
    assert not MetricRollup.unscoped.filter(workspace=a.workspace).exists()


@pytest.mark.parametrize(
    ("events", "field"),
    [
        ([_event(module="bitcoin_miner")], "events"),
        ([_event(action="transfer_credits")], "events"),
        ([_event(metadata={"blob": "x" * 3000})], "events"),
        ([_event(metadata={"path": "a\x00b"})], "events"),  # jsonb cannot hold NUL: 400, not 500 (the fuzz)
        ([_event(metadata={"\x00": 1})], "events"),
        ([_event(processing_time=-5)], "events"),
        ([_event()] * 101, "events"),
        ([], "events"),
    ],
)
def test_invalid_batches_are_refused_whole(world, events, field):
    response = world["A"].client("member").post("/api/v1/analytics/events", {"events": events}, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["details"]
    assert not UsageEvent.unscoped.exists()


def test_the_tracker_is_rate_limited(world, settings):
    settings.ANALYTICS_CLIENT_BATCHES_PER_MINUTE = 2
    client = world["A"].client("member")
    statuses = [client.post("/api/v1/analytics/events", {"events": [_event()]}, format="json") for _ in range(3)]
    assert [r.status_code for r in statuses] == [201, 201, 429]
    assert statuses[2]["Retry-After"] and statuses[2].json()["error"]["code"] == "rate_limited"
