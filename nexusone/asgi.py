"""The web process's ASGI entry point (the Procfile's `web`).

One process serves every route:

- `GET /api/v1/events/stream`: the request is first answered like any other
  — Django's whole middleware stack and the view, on the WSGI thread pool
  below (authentication, the workspace, 401/404 in the API's envelope).
  When the view accepts the stream it hands back a `StreamHandoff` (the
  workspace, the member) instead of a body, and the stream itself runs here
  on the event loop (`nexusone.live_asgi`: each event's frame written
  straight to every connection by one callback): an open stream holds no thread and no database connection, and
  connecting a thousand streams costs a thousand short requests on the
  pool's threads and their persistent database connections — not a thread
  and a new database connection each, which is what Django's own ASGI
  handler would spend (PostgreSQL's 100 connections ran out first).
- Everything else goes to Django's WSGI handler through a2wsgi's bridge,
  which runs it on a fixed pool of threads (`WEB_THREADS`). Each thread keeps
  its own persistent database connection (`CONN_MAX_AGE`), as a gthread
  worker would — Django's own ASGI path runs each synchronous request on a
  fresh thread, so persistent connections pile up instead of being reused
  (measured in docs/PERFORMANCE.md, "Serving the stream").

So thousands of idle streams cost memory only, and the request/response
routes keep the throughput of threaded WSGI.
"""

from __future__ import annotations

import os

import django

from nexusone.boot import without_gc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")
os.environ.setdefault("NEXUSONE_PROCESS", "web")  # the settings leave some apps out (see base.py)

# Django's own ASGI handler is not built: the WSGI handler below serves every request (building
# both ran the middleware's setup twice). The boot's objects live as long as the worker: the
# garbage collector leaves them alone (nexusone/boot.py).
with without_gc():
    django.setup(set_prefix=False)

import asyncio
import contextvars
import functools
import io

from a2wsgi import WSGIMiddleware  # (after setup)
from a2wsgi.wsgi import build_environ
from django.conf import settings
from django.core.wsgi import get_wsgi_application

from nexusone import live, live_asgi
from nexusone.checks import fail_fast

fail_fast()
STREAM_PATHS = ("/api/v1/events/stream", "/api/v1/events/stream/")

with without_gc():
    django_wsgi = WSGIMiddleware(get_wsgi_application(), workers=settings.WEB_THREADS)


def _answer(environ: dict) -> tuple[int, list[tuple[bytes, bytes]], bytes, dict | None]:
    """Run the stream request through Django (on a pool thread): (status,
    headers, body, stream options — None unless the view accepted the stream)."""
    started: list = []
    environ[live.HANDOFF_KEY] = True
    result = django_wsgi.app(environ, lambda status, headers, exc_info=None: started.extend((status, headers)))
    try:
        options = getattr(result, "live_options", None)
        body = b"" if options is not None else b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()  # request_finished: the thread keeps its persistent database connection
    status, headers = started
    skip = ("content-length",) if options is not None else ()
    raw = [(k.lower().encode("latin1"), v.encode("latin1")) for k, v in headers if k.lower() not in skip]
    return int(status.split(" ", 1)[0]), raw, body, options


async def stream_endpoint(scope, receive, send) -> None:
    """`GET /api/v1/events/stream` (see the module docstring)."""
    loop = asyncio.get_running_loop()
    environ = build_environ(scope, io.BytesIO())
    call = functools.partial(contextvars.copy_context().run, _answer, environ)
    status, headers, body, options = await loop.run_in_executor(django_wsgi.executor, call)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if options is None:
        await send({"type": "http.response.body", "body": body})
        return

    await live_asgi.serve(send, receive, **options)


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http" and scope["path"] in STREAM_PATHS:
        await stream_endpoint(scope, receive, send)
        return
    await django_wsgi(scope, receive, send)
