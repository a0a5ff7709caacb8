"""The web process's stream endpoint (nexusone/asgi.py): Django answers the
request on the WSGI pool (auth, workspace, errors), the stream then runs on
the event loop and ends on disconnect or after its maximum."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from django.test import Client

from nexusone import asgi, live


def _scope(query: str, cookie: str) -> dict:
    return {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "root_path": "",
        "path": "/api/v1/events/stream", "raw_path": b"/api/v1/events/stream", "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), (b"accept", b"text/event-stream"), (b"cookie", cookie.encode())],
        "server": ("testserver", 80), "client": ("127.0.0.1", 50000),
    }  # fmt: skip


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def _events(sent: list[dict]) -> list[tuple[str, dict]]:
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()
    events = []
    for frame in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in frame.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


async def _run(scope: dict, *, publish=(), disconnect_after: float | None = None) -> list[dict]:
    sent: list[dict] = []
    gone = asyncio.Event()

    async def receive():
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    task = asyncio.ensure_future(asgi.application(scope, receive, send))
    deadline = time.monotonic() + 20
    while publish and live.open_streams() == 0 and time.monotonic() < deadline and not task.done():
        await asyncio.sleep(0.02)
    for args in publish:
        live.publish(*args)
    if disconnect_after is not None:
        await asyncio.sleep(disconnect_after)
        gone.set()
    await asyncio.wait_for(task, timeout=20)
    return sent


@pytest.mark.django_db(transaction=True)
def test_the_stream_is_authorised_on_the_pool_then_streamed_on_the_loop(settings):
    from accounts.tests.factories import tenant_with_roles

    settings.LIVE_STREAM_MAX_SECONDS = 1.0
    settings.LIVE_STREAM_HEARTBEAT_SECONDS = 0.2
    a, b = tenant_with_roles("A"), tenant_with_roles("B")
    member = a.users["member"]
    scope = _scope(f"workspace={a.workspace.slug}", _cookie(member))
    sent = asyncio.run(_run(scope, publish=[
        (b.workspace.pk, "progress", {"id": "B"}),
        (a.workspace.pk, "progress", {"id": "A"}),
        (a.workspace.pk, "notification", {"title": "not mine"}, ),
    ]))  # fmt: skip
    start = sent[0]
    assert start["type"] == "http.response.start" and start["status"] == 200
    headers = dict(start["headers"])
    assert headers[b"content-type"].startswith(b"text/event-stream") and b"content-length" not in headers
    events = _events(sent)
    assert events[0] == ("ready", {"workspace": a.workspace.pk})
    assert [(name, data.get("id")) for name, data in events[1:]] == [("progress", "A"), ("notification", None)]
    assert sent[-1] == {"type": "http.response.body", "body": b""}  # ended after LIVE_STREAM_MAX_SECONDS
    assert any(m.get("body") == live.PING.encode() for m in sent)  # heartbeats while idle
    assert live.open_streams() == 0


@pytest.mark.django_db(transaction=True)
def test_a_disconnect_ends_the_stream_and_errors_keep_the_api_envelope(settings):
    from accounts.tests.factories import tenant_with_roles

    settings.LIVE_STREAM_MAX_SECONDS = 30.0
    a, b = tenant_with_roles("A"), tenant_with_roles("B")
    began = time.monotonic()
    sent = asyncio.run(_run(_scope(f"workspace={a.workspace.pk}", _cookie(a.users["viewer"])), disconnect_after=0.5))
    assert sent[0]["status"] == 200 and time.monotonic() - began < 15
    assert live.open_streams() == 0

    refused = asyncio.run(_run(_scope(f"workspace={a.workspace.pk}", _cookie(b.users["owner"]))))
    assert refused[0]["status"] == 404
    assert json.loads(refused[1]["body"])["error"]["code"] == "not_found"
    anonymous = asyncio.run(_run(_scope(f"workspace={a.workspace.pk}", "")))
    assert anonymous[0]["status"] == 401


def test_a_connection_that_pushes_back_gets_its_frames_in_order_then_a_resync(monkeypatch):
    """The dispatcher writes each frame synchronously; while the server's
    `send` waits (the socket's buffer is full), frames queue, and beyond the
    queue's size the oldest are dropped and the page is told to resync."""
    from nexusone import live_asgi

    monkeypatch.setattr(live, "QUEUE_SIZE", 3)

    async def scenario():
        loop = asyncio.get_running_loop()
        bodies: list[bytes] = []
        gate = loop.create_future()

        async def send(message):
            if message["body"] == b"slow" and not gate.done():
                await gate  # back-pressure
            bodies.append(message["body"])

        writer = live_asgi._Writer(send, loop)
        writer.write("a")
        writer.write("slow")
        assert writer.busy and bodies == [b"a"]
        for frame in ("1", "2", "3", "4", "5"):
            writer.write(frame)
        gate.set_result(None)
        await asyncio.wait_for(writer.idle.wait(), timeout=5)
        return bodies

    bodies = asyncio.run(scenario())
    assert bodies[:2] == [b"a", b"slow"]
    assert bodies[2].decode() == live.format_sse("resync", {}) + "345"


def test_a_failed_write_ends_the_stream():
    from nexusone import live_asgi

    async def scenario():
        loop = asyncio.get_running_loop()

        async def send(message):
            raise OSError("connection reset")

        writer = live_asgi._Writer(send, loop)
        writer.write("a")
        writer.write("b")
        return writer.failed.done(), writer.pending

    failed, pending = asyncio.run(scenario())
    assert failed and not pending
