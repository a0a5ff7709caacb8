"""Live events and GET /api/v1/events/stream: a member receives their
workspace's events (and their own targeted ones), never another's."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from django.test import AsyncClient
from rest_framework.test import APIClient

from nexusone import live


def _frames(chunks) -> list[tuple[str, dict]]:
    events = []
    for frame in "".join(c.decode() if isinstance(c, bytes) else c for c in chunks).split("\n\n"):
        lines = dict(line.split(": ", 1) for line in frame.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


def _publish_soon(*calls, delay: float = 0.3):
    def run():
        time.sleep(delay)
        for args, kwargs in calls:
            live.publish(*args, **kwargs)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def long_streams(settings):
    settings.LIVE_STREAM_MAX_SECONDS = 1.5
    settings.LIVE_STREAM_HEARTBEAT_SECONDS = 0.5


def test_the_stream_carries_only_the_members_workspace_events(world, long_streams):
    a, b = world["A"], world["B"]
    member, owner = a.users["member"], a.users["owner"]
    response = a.client("member").get("/api/v1/events/stream", HTTP_ACCEPT="text/event-stream")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
    publisher = _publish_soon(
        ((a.workspace.pk, "progress", {"job": "crm.import", "id": "1", "percent": 40}), {}),
        ((b.workspace.pk, "progress", {"job": "crm.import", "id": "2", "secret": "of B"}), {}),
        ((a.workspace.pk, "notification", {"title": "for the owner"}), {"user_id": owner.pk}),
        ((a.workspace.pk, "notification", {"title": "for me", "unread": 1}), {"user_id": member.pk}),
    )
    events = _frames(response.streaming_content)
    publisher.join()
    assert events[0] == ("ready", {"workspace": a.workspace.pk})
    received = [(name, {k: v for k, v in data.items() if k != "at"}) for name, data in events[1:]]
    assert received == [
        ("progress", {"job": "crm.import", "id": "1", "percent": 40}),
        ("notification", {"title": "for me", "unread": 1}),
    ]


def test_the_stream_refuses_other_workspaces_and_strangers(world, api_client):
    a, b = world["A"], world["B"]
    stranger = APIClient()  # no X-Workspace header: the query parameter picks the workspace
    stranger.force_authenticate(b.users["owner"])
    for query in (f"?workspace={a.workspace.pk}", f"?workspace={a.workspace.slug}"):
        response = stranger.get("/api/v1/events/stream" + query, HTTP_ACCEPT="text/event-stream")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert api_client.get("/api/v1/events/stream", HTTP_ACCEPT="text/event-stream").status_code == 401


def test_a_plain_json_client_is_told_how_to_connect(world):
    a = world["A"]
    body = a.client("viewer").get(f"/api/v1/events/stream?workspace={a.workspace.slug}").json()
    assert body["accept"] == "text/event-stream" and body["workspace"] == a.workspace.pk
    assert "progress" in body["events"]


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_stream_is_asynchronous(settings):
    """The production shape: the stream is an async iterator on the event loop."""
    from accounts.tests.factories import tenant_with_roles

    settings.LIVE_STREAM_MAX_SECONDS = 1.0
    settings.LIVE_STREAM_HEARTBEAT_SECONDS = 0.3
    a, b = tenant_with_roles("A"), tenant_with_roles("B")

    async def scenario():
        client = AsyncClient()
        await client.aforce_login(a.users["member"])
        response = await client.get(
            f"/api/v1/events/stream?workspace={a.workspace.slug}", headers={"accept": "text/event-stream"}
        )
        assert response.status_code == 200
        assert response.is_async  # an async iterator: no thread waits for events
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, live.publish, b.workspace.pk, "progress", {"id": "B"})
        loop.call_later(0.35, live.publish, a.workspace.pk, "progress", {"id": "A"})
        return [chunk async for chunk in response.streaming_content]

    events = _frames(asyncio.run(scenario()))
    assert [name for name, _ in events] == ["ready", "progress"]
    assert events[1][1]["id"] == "A"


def test_a_slow_stream_drops_the_oldest_events_and_is_told_to_resync(monkeypatch):
    monkeypatch.setattr(live, "QUEUE_SIZE", 3)
    frames = live.stream(workspace_id=987654, user_id=None, max_seconds=1.0, heartbeat=0.2)
    assert next(frames).startswith("retry:") and next(frames).startswith("event: ready")
    for n in range(10):
        live._dispatcher.dispatch(live.LiveEvent(workspace_id=987654, type="progress", data={"n": n}))
    received = _frames(list(frames))
    assert received[0][0] == "resync"
    assert [data["n"] for name, data in received[1:]] == [7, 8, 9]


def test_publish_progress_computes_the_percentage(monkeypatch):
    sent = []
    monkeypatch.setattr(live, "publish", lambda ws, kind, data, **kw: sent.append((ws, kind, data)))
    live.publish_progress(5, job="crm.import", object_id=9, done=250, total=1000, status="running")
    live.publish_progress(5, job="crm.import", object_id=9, done=0, total=0, status="done")
    assert sent[0] == (5, "progress", {"job": "crm.import", "id": "9", "done": 250, "total": 1000, "percent": 25,
                                       "status": "running"})  # fmt: skip
    assert sent[1][2]["percent"] == 100


def test_without_redis_events_stay_in_the_process(settings):
    """`make run`: no Redis, runserver and eager tasks share one process."""
    settings.REDIS_URL = settings.LIVE_REDIS_URL = ""
    frames = live.stream(workspace_id=424242, user_id=7, max_seconds=0.5, heartbeat=0.2)
    next(frames), next(frames)  # retry + ready: subscribed
    live.publish(424242, "inbox.message", {"conversation": 3})
    live.publish(424242, "notification", {"title": "someone else's"}, user_id=8)
    live.publish(424243, "inbox.message", {"conversation": 4})
    received = _frames(list(frames))
    assert [(name, data["conversation"]) for name, data in received] == [("inbox.message", 3)]
