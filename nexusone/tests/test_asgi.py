"""The web process's router (nexusone/asgi.py): the stream to its own
endpoint (tested in test_asgi_stream.py), every other route to the WSGI
thread pool, lifespan answered."""

from __future__ import annotations

import asyncio

from nexusone import asgi


def test_routes_and_lifespan(monkeypatch):
    calls = []

    async def fake(name):
        async def app(scope, receive, send):
            calls.append((name, scope["path"]))

        return app

    monkeypatch.setattr(asgi, "stream_endpoint", asyncio.run(fake("stream")))
    monkeypatch.setattr(asgi, "django_wsgi", asyncio.run(fake("wsgi")))

    async def scenario():
        for path in ("/api/v1/events/stream", "/api/v1/events/stream/", "/api/v1/notifications/", "/he/w/x/"):
            await asgi.application({"type": "http", "path": path}, None, None)
        sent = []
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

        async def receive():
            return next(messages)

        async def send(message):
            sent.append(message["type"])

        await asgi.application({"type": "lifespan"}, receive, send)
        return sent

    assert asyncio.run(scenario()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert calls == [
        ("stream", "/api/v1/events/stream"),
        ("stream", "/api/v1/events/stream/"),
        ("wsgi", "/api/v1/notifications/"),
        ("wsgi", "/he/w/x/"),
    ]
