"""`GET /api/v1/events/stream` — server-sent events of the caller's workspace.

Authentication and workspace resolution are the API's own (session cookie,
JWT or API key; `X-Workspace`, or `?workspace=<id|slug>` because a browser's
`EventSource` cannot send headers). Another workspace answers 404 before any
byte is streamed, and the stream carries only events published for the
resolved workspace (and, for member-targeted events, for the caller).

A stream ends after `LIVE_STREAM_MAX_SECONDS`; `EventSource` reconnects by
itself (the `retry:` frame asks for 3 s), and each reconnect re-checks the
membership — so a member removed from the workspace stops receiving events
within that bound. A `: ping` comment every `LIVE_STREAM_HEARTBEAT_SECONDS`
keeps proxies from closing an idle stream.

Under ASGI the stream is an async iterator: it holds no thread and no
database connection while it waits (see the Procfile and docs/architecture.md).
Under WSGI (`runserver`, i.e. `make run`) it holds one thread per stream.
"""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from nexusone import live
from nexusone.api.viewsets import ScopedAPIView, resolve_workspace


class EventStreamRenderer(BaseRenderer):
    """Lets `Accept: text/event-stream` (what EventSource sends) negotiate.
    Errors keep the API's JSON envelope (see `finalize_response`)."""

    media_type = "text/event-stream"
    format = "event-stream"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover - never used
        return JSONRenderer().render(data)


EVENT_TYPES = ("ready", "progress", "notification", "inbox.message", "resync")


class StreamInfoOutput(serializers.Serializer):
    stream = serializers.URLField()
    accept = serializers.CharField()
    workspace = serializers.IntegerField()
    events = serializers.ListField(child=serializers.CharField())


class EventStreamView(ScopedAPIView):
    renderer_classes = [JSONRenderer, EventStreamRenderer]
    # A stream lives for minutes; its reconnects are rare and must not eat the
    # workspace's per-minute API budget.
    throttle_classes: list = []

    def initial(self, request, *args, **kwargs):
        identifier = request.query_params.get("workspace")
        if identifier and not request.headers.get("X-Workspace") and request.user.is_authenticated:
            resolve_workspace(request, identifier)  # cached for the permission check; 404 if not a member
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors (401, 404, 429…) answer in the JSON envelope even to an event-stream client.
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and isinstance(renderer, EventStreamRenderer):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        parameters=[OpenApiParameter("workspace", str, description="Workspace id or slug (instead of X-Workspace).")],
        responses={
            (200, "application/json"): OpenApiResponse(
                StreamInfoOutput, description="Asked without `Accept: text/event-stream`: how to connect."
            ),
            (200, "text/event-stream"): OpenApiResponse(
                OpenApiTypes.STR,
                description="Server-sent events: `ready`, `progress`, `notification`, `inbox.message`, `resync`; "
                "`: ping` comments as heartbeats. The stream ends after a few minutes; reconnect.",
            ),
            404: OpenApiResponse(description="Not a member of that workspace."),
        },
        tags=["live"],
    )
    def get(self, request):
        if not isinstance(request.accepted_renderer, EventStreamRenderer):
            # Not an event-stream client (EventSource and `curl -H 'Accept: text/event-stream'` are):
            # say how to connect instead of holding the connection open.
            return Response(
                {"stream": request.build_absolute_uri(request.path), "accept": EventStreamRenderer.media_type,
                 "workspace": request.workspace.pk, "events": list(EVENT_TYPES)}
            )  # fmt: skip
        options = {
            "workspace_id": request.workspace.pk,
            "user_id": request.user.pk,
            "max_seconds": settings.LIVE_STREAM_MAX_SECONDS,
            "heartbeat": settings.LIVE_STREAM_HEARTBEAT_SECONDS,
        }
        if request.META.get(live.HANDOFF_KEY):  # the web process streams it on its event loop (nexusone.asgi)
            return _headers(live.StreamHandoff(options))
        # The stream needs no database: give this thread's connection back now
        # (under ASGI the thread ends with this call and would strand it).
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:  # (tests run inside a transaction)
                connection.close()
        asynchronous = isinstance(request._request, ASGIRequest)
        frames = live.astream(**options) if asynchronous else live.stream(**options)
        return _headers(StreamingHttpResponse(frames))


def _headers(response: StreamingHttpResponse) -> StreamingHttpResponse:
    response["Content-Type"] = "text/event-stream; charset=utf-8"
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
