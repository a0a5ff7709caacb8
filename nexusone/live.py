"""Live events: publish from anywhere, stream to the members of one workspace.

Publishing (any module, from a view, a service or a Celery task)::

    from nexusone import live

    live.publish(workspace.pk, "progress", {"job": "crm.import", "id": 42, "done": 300, "total": 1000})
    live.publish_progress(workspace.pk, job="crm.import", object_id=42, done=300, total=1000, status="running")
    live.publish(workspace.pk, "notification", {...}, user_id=user.pk)   # only that member sees it
    live.publish_on_commit(...)   # same arguments, sent when the current transaction commits

Contract:
- `publish(workspace_id, event_type, data, *, user_id=None)` never raises and
  never blocks for long: live events are a convenience on top of state that
  is stored elsewhere (the page can always re-read it), so a broker outage
  loses events, never work. `data` must be JSON-serialisable and small (it is
  sent to every connected member of the workspace).
- Events reach only streams of `workspace_id`; with `user_id` only that
  member's streams. The stream endpoint (`GET /api/v1/events/stream`,
  `nexusone.api.stream`) enters the workspace like every API view, so a member
  can never subscribe to another workspace.
- Transport: Redis pub/sub when `REDIS_URL` is set (every web process
  receives what any worker publishes); otherwise an in-process broker, so
  `make run` (runserver + eager tasks, one process) streams too. Channel names
  start with `LIVE_CHANNEL_PREFIX` (Redis pub/sub ignores the database number,
  so the test suite gives each worker its own prefix).
- Delivery is at most once, in publish order per publisher. There is no
  replay: a page that (re)connects re-reads the state it shows, and pages keep
  a polling fallback for when the stream is down.
- Event types in use: `progress` (job progress: `job`, `id`, `done`, `total`,
  `percent`, `status`), `notification` (a new notification for `user_id`,
  with `unread`), `inbox.message` (a new inbound conversation message).

Receiving: one reader per process (a daemon thread on a Redis
`PSUBSCRIBE`) feeds a local dispatcher; each open stream registers a bounded
queue with it (a `queue.Queue` for WSGI streams, an `asyncio.Queue` for ASGI
streams — those are fed through one `call_soon_threadsafe` per event loop and
event, so 1,000 streams on one loop cost one wake-up per event, not 1,000).
The web process's streams (`nexusone.asgi` → `nexusone.live_asgi`) skip the
queue: that callback writes each frame straight to every connection.
Each event's SSE frame is formatted once per process, not once per stream.
A stream whose queue is full drops the oldest event and is told to `resync`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.http import StreamingHttpResponse

logger = logging.getLogger(__name__)

QUEUE_SIZE = 200  # events buffered per stream before the oldest is dropped
PING = ": ping\n\n"  # the heartbeat: an SSE comment


@dataclass(frozen=True)
class LiveEvent:
    workspace_id: int
    type: str
    data: dict
    user_id: int | None = None
    at: float = field(default_factory=time.time)

    def to_json(self) -> str:
        return json.dumps(
            {"ws": self.workspace_id, "type": self.type, "data": self.data, "user": self.user_id, "at": self.at},
            default=str,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> LiveEvent:
        body = json.loads(raw)
        return cls(workspace_id=int(body["ws"]), type=body["type"], data=body["data"], user_id=body["user"],
                   at=body["at"])  # fmt: skip


def _prefix() -> str:
    return getattr(settings, "LIVE_CHANNEL_PREFIX", "nexusone:live")


def channel_for(workspace_id: int) -> str:
    return f"{_prefix()}:ws:{int(workspace_id)}"


def _redis_url() -> str:
    return getattr(settings, "LIVE_REDIS_URL", "") or getattr(settings, "REDIS_URL", "")


# --- the local dispatcher ------------------------------------------------------------


class _Subscriber:
    """One open stream: a workspace, an optional member, a bounded queue."""

    __slots__ = ("async_queue", "direct", "loop", "overflowed", "sync_queue", "user_id", "workspace_id")

    def __init__(self, workspace_id: int, user_id: int | None, loop: asyncio.AbstractEventLoop | None,
                 direct: Callable[[str], None] | None = None):  # fmt: skip
        self.workspace_id, self.user_id, self.loop = workspace_id, user_id, loop
        self.overflowed = False
        # `direct`: called on the loop with each frame instead of queueing it (nexusone.live_asgi)
        self.direct = direct
        self.sync_queue: queue.Queue | None = None if loop else queue.Queue(QUEUE_SIZE)
        self.async_queue: asyncio.Queue | None = asyncio.Queue(QUEUE_SIZE) if loop and not direct else None

    def wants(self, event: LiveEvent) -> bool:
        return event.user_id is None or event.user_id == self.user_id

    def put(self, frame: str) -> None:
        if self.direct is not None:
            self.direct(frame)
            return
        target = self.sync_queue if self.sync_queue is not None else self.async_queue
        while True:
            try:
                target.put_nowait(frame)
                return
            except (queue.Full, asyncio.QueueFull):
                self.overflowed = True
                with contextlib.suppress(queue.Empty, asyncio.QueueEmpty):
                    target.get_nowait()  # drop the oldest; the stream tells the page to resync


class _Dispatcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_workspace: dict[int, set[_Subscriber]] = {}

    def add(self, subscriber: _Subscriber) -> None:
        with self._lock:
            self._by_workspace.setdefault(subscriber.workspace_id, set()).add(subscriber)

    def remove(self, subscriber: _Subscriber) -> None:
        with self._lock:
            group = self._by_workspace.get(subscriber.workspace_id)
            if group is not None:
                group.discard(subscriber)
                if not group:
                    del self._by_workspace[subscriber.workspace_id]

    def count(self) -> int:
        with self._lock:
            return sum(len(group) for group in self._by_workspace.values())

    def dispatch(self, event: LiveEvent) -> None:
        with self._lock:
            targets = [s for s in self._by_workspace.get(event.workspace_id, ()) if s.wants(event)]
        if not targets:
            return
        frame = _frame(event)  # once per event, whatever the number of streams
        per_loop: dict[asyncio.AbstractEventLoop, list[_Subscriber]] = {}
        for subscriber in targets:
            if subscriber.loop is None:
                subscriber.put(frame)
            else:
                per_loop.setdefault(subscriber.loop, []).append(subscriber)
        for loop, subscribers in per_loop.items():
            try:
                loop.call_soon_threadsafe(_deliver_all, subscribers, frame)
            except RuntimeError:  # the loop closed meanwhile
                continue


def _deliver_all(subscribers: list[_Subscriber], frame: str) -> None:
    for subscriber in subscribers:
        subscriber.put(frame)


_dispatcher = _Dispatcher()


# --- the Redis side --------------------------------------------------------------------

_redis_lock = threading.Lock()
_publisher = None
_reader: threading.Thread | None = None


def _redis_client():
    global _publisher
    if _publisher is None:
        with _redis_lock:
            if _publisher is None:
                import redis

                _publisher = redis.Redis.from_url(_redis_url(), socket_timeout=2, socket_connect_timeout=2)
    return _publisher


def _read_forever(url: str, pattern: str, ready: threading.Event) -> None:
    """The process's one reader: PSUBSCRIBE to every workspace channel and hand
    each event to the local dispatcher. Reconnects with a short backoff."""
    import redis

    backoff = 0.5
    while True:
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            pubsub.psubscribe(pattern)
            ready.set()
            backoff = 0.5
            while True:
                message = pubsub.get_message(timeout=5.0)
                if message is None or message.get("type") != "pmessage":
                    continue
                try:
                    _dispatcher.dispatch(LiveEvent.from_json(message["data"]))
                except (ValueError, KeyError, TypeError):
                    logger.warning("live: ignoring a malformed event on %s", message.get("channel"))
        except Exception:  # the broker went away: keep the streams, retry
            logger.warning("live: Redis reader lost its connection; retrying in %.1fs", backoff, exc_info=True)
            time.sleep(backoff)
            backoff = min(backoff * 2, 10.0)


def _ensure_reader() -> None:
    global _reader
    if not _redis_url() or (_reader is not None and _reader.is_alive()):
        return
    with _redis_lock:
        if _reader is not None and _reader.is_alive():
            return
        ready = threading.Event()
        _reader = threading.Thread(
            target=_read_forever, args=(_redis_url(), f"{_prefix()}:ws:*", ready), name="live-reader", daemon=True
        )
        _reader.start()
        # Events published before the subscription is in place would be lost;
        # wait briefly for it (once per process).
        ready.wait(timeout=2.0)


# --- publishing ----------------------------------------------------------------------------


def publish(workspace_id: int, event_type: str, data: dict, *, user_id: int | None = None) -> None:
    """Send one event to the workspace's open streams (see the module docstring)."""
    event = LiveEvent(workspace_id=int(workspace_id), type=event_type, data=data, user_id=user_id)
    if not _redis_url():
        _dispatcher.dispatch(event)
        return
    try:
        _redis_client().publish(channel_for(workspace_id), event.to_json())
    except Exception:
        logger.warning("live: could not publish %s to workspace %s", event_type, workspace_id, exc_info=True)


def publish_on_commit(workspace_id: int, event_type: str, data: dict, *, user_id: int | None = None) -> None:
    """`publish` once the current transaction commits (immediately outside one)."""
    transaction.on_commit(lambda: publish(workspace_id, event_type, data, user_id=user_id))


def publish_progress(
    workspace_id: int, *, job: str, object_id: object, done: int, total: int, status: str, **extra: object
) -> None:
    """The `progress` event every job page listens to: `job` names the kind
    (`crm.import`, `whatsapp.broadcast`, `video`, `sync`, `export`), `object_id`
    the row whose page shows the bar."""
    percent = 100 if total <= 0 and status in ("done", "completed", "finished") else 0
    if total > 0:
        percent = max(0, min(100, int(done * 100 / total)))
    publish(
        workspace_id,
        "progress",
        {"job": job, "id": str(object_id), "done": done, "total": total, "percent": percent, "status": status,
         **extra},
    )  # fmt: skip


# --- subscribing ---------------------------------------------------------------------------

_event_ids = itertools.count(1)


def format_sse(event_type: str, data: object, *, event_id: int | None = None) -> str:
    """One server-sent event frame."""
    payload = json.dumps(data, default=str, separators=(",", ":"))
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event_type}\ndata: {payload}\n\n"


def _frame(event: LiveEvent) -> str:
    return format_sse(event.type, {**event.data, "at": event.at}, event_id=next(_event_ids))


def stream(*, workspace_id: int, user_id: int | None, max_seconds: float, heartbeat: float) -> Iterator[str]:
    """SSE frames for a WSGI server (a thread per stream: `make run` only)."""
    _ensure_reader()
    subscriber = _Subscriber(workspace_id, user_id, loop=None)
    _dispatcher.add(subscriber)
    try:
        yield "retry: 3000\n\n"
        yield format_sse("ready", {"workspace": workspace_id})
        deadline = time.monotonic() + max_seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = subscriber.sync_queue.get(timeout=min(heartbeat, left))
            except queue.Empty:
                yield PING
                continue
            if subscriber.overflowed:
                subscriber.overflowed = False
                yield format_sse("resync", {})
            yield frame
    finally:
        _dispatcher.remove(subscriber)


async def astream(
    *, workspace_id: int, user_id: int | None, max_seconds: float, heartbeat: float
) -> AsyncIterator[str]:
    """SSE frames for an ASGI server: no thread is held while the stream waits.
    The heartbeat and the end are timers on the loop (no task or timeout
    object per event: a thousand streams cost a queue wake-up each per event)."""
    await asyncio.to_thread(_ensure_reader)  # starts the reader once per process, off the loop
    loop = asyncio.get_running_loop()
    subscriber = _Subscriber(workspace_id, user_id, loop=loop)
    inbox = subscriber.async_queue
    ended = []

    def ping() -> None:
        nonlocal ping_timer
        if inbox.empty():
            inbox.put_nowait(PING)
        ping_timer = loop.call_later(heartbeat, ping)

    def end() -> None:
        ended.append(True)
        if inbox.empty():
            inbox.put_nowait(PING)  # wakes the stream, which sees it has ended

    ping_timer = loop.call_later(heartbeat, ping)
    end_timer = loop.call_later(max_seconds, end)
    _dispatcher.add(subscriber)
    try:
        yield "retry: 3000\n\n"
        yield format_sse("ready", {"workspace": workspace_id})
        while True:
            frame = await inbox.get()
            if ended:
                return
            if subscriber.overflowed:
                subscriber.overflowed = False
                yield format_sse("resync", {})
            yield frame
    finally:
        ping_timer.cancel()
        end_timer.cancel()
        _dispatcher.remove(subscriber)


HANDOFF_KEY = "nexusone.live.handoff"  # WSGI environ key: the ASGI web process will stream the answer itself


class StreamHandoff(StreamingHttpResponse):
    """The stream view's answer when the web process streams on its event
    loop (`nexusone.asgi`): the headers, and the `astream` options, no body."""

    def __init__(self, options: dict) -> None:
        super().__init__(iter(()))
        self.live_options = options


def open_streams() -> int:
    """Streams open in this process (health and benchmark reporting)."""
    return _dispatcher.count()
