"""The web process's ASGI entry point (the Procfile's `web`).

One process serves every route:

- `GET /api/v1/events/stream` goes to Django's ASGI handler, where the
  stream is an async iterator on the event loop: an open stream holds no
  thread and no database connection (nexusone.api.stream).
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

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")

django_asgi = get_asgi_application()  # sets Django up

from a2wsgi import WSGIMiddleware  # noqa: E402  (after setup)
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from nexusone.checks import fail_fast  # noqa: E402

fail_fast()
STREAM_PATHS = ("/api/v1/events/stream", "/api/v1/events/stream/")

django_wsgi = WSGIMiddleware(get_wsgi_application(), workers=settings.WEB_THREADS)


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
        await django_asgi(scope, receive, send)
        return
    await django_wsgi(scope, receive, send)
