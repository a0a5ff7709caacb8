"""One live stream written straight to an ASGI connection (the web process's
`GET /api/v1/events/stream`, see `nexusone.asgi`).

With a thousand streams on one event loop, waking a task per stream per
event (a queue, an async generator, then `send`) is what costs: a progress
event every 100 ms to 1,000 streams is 10,000 task switches a second. Here
the dispatcher's one callback per event and loop (`live._deliver_all`) writes
each stream's frame itself: it runs the server's `send` coroutine to its end
right there, which is immediate whenever the connection is not applying
back-pressure (uvicorn's `send` only waits while the socket's buffer is
full). Only a connection that does push back gets a task, which finishes
that write and then writes, in one piece, what queued up meanwhile (at most
`live.QUEUE_SIZE` frames: beyond, the oldest are dropped and the page is
told to `resync`, as for every stream).

The stream ends after `max_seconds`, when the client disconnects, or when a
write fails; a `: ping` comment goes out every `heartbeat` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from nexusone import live


class _Writer:
    """Frames to one ASGI connection, in order, written synchronously when possible."""

    def __init__(self, send, loop: asyncio.AbstractEventLoop) -> None:
        self.send, self.loop = send, loop
        self.pending: deque[str] = deque()
        self.busy = False  # a write is waiting for the connection
        self.overflowed = False
        self.failed: asyncio.Future = loop.create_future()
        self.idle: asyncio.Event = asyncio.Event()
        self.idle.set()
        self.wrote_since_ping = False

    def write(self, frame: str) -> None:
        if self.failed.done():
            return
        self.wrote_since_ping = True
        if self.busy:
            if len(self.pending) >= live.QUEUE_SIZE:
                self.pending.popleft()
                self.overflowed = True
            self.pending.append(frame)
            return
        self._start(frame)

    def ping(self) -> None:
        if not self.wrote_since_ping:
            self.write(live.PING)
        self.wrote_since_ping = False

    def _start(self, text: str) -> None:
        coroutine = self.send({"type": "http.response.body", "body": text.encode(), "more_body": True})
        try:
            waiting_for = coroutine.send(None)
        except StopIteration:
            return  # written
        except Exception as exc:  # the connection is gone
            self._fail(exc)
            return
        self.busy = True
        self.idle.clear()
        self.loop.create_task(self._finish(coroutine, waiting_for))

    async def _finish(self, coroutine, waiting_for) -> None:
        """Drive a suspended `send` to its end (as a task would), then write what queued up."""
        try:
            while True:
                if waiting_for is None:
                    await asyncio.sleep(0)
                else:
                    await asyncio.wait([waiting_for])
                waiting_for = coroutine.send(None)
        except StopIteration:
            pass
        except Exception as exc:
            self._fail(exc)
            return
        except BaseException:  # cancelled: the stream is over
            coroutine.close()
            raise
        self.busy = False
        self.idle.set()
        if self.pending:
            frames = list(self.pending)
            self.pending.clear()
            if self.overflowed:
                self.overflowed = False
                frames.insert(0, live.format_sse("resync", {}))
            self._start("".join(frames))

    def _fail(self, exc: BaseException) -> None:
        self.busy = False
        self.idle.set()
        self.pending.clear()
        if not self.failed.done():
            self.failed.set_result(exc)


async def serve(send, receive, *, workspace_id: int, user_id: int | None, max_seconds: float,
                heartbeat: float) -> None:  # fmt: skip
    """Stream the workspace's events to an ASGI connection whose response
    has started; returns when the stream is over (see the module docstring)."""
    await asyncio.to_thread(live._ensure_reader)  # starts the process's reader once, off the loop
    loop = asyncio.get_running_loop()
    writer = _Writer(send, loop)
    await send({"type": "http.response.body", "body": b"retry: 3000\n\n", "more_body": True})
    ready = live.format_sse("ready", {"workspace": workspace_id})
    await send({"type": "http.response.body", "body": ready.encode(), "more_body": True})
    subscriber = live._Subscriber(workspace_id, user_id, loop, direct=writer.write)

    def ping() -> None:
        nonlocal ping_timer
        writer.ping()
        ping_timer = loop.call_later(heartbeat, ping)

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    ping_timer = loop.call_later(heartbeat, ping)
    watcher = asyncio.ensure_future(disconnected())
    live._dispatcher.add(subscriber)
    try:
        await asyncio.wait([watcher, writer.failed], timeout=max_seconds, return_when=asyncio.FIRST_COMPLETED)
        gone = watcher.done() or writer.failed.done()
    finally:
        live._dispatcher.remove(subscriber)
        ping_timer.cancel()
        watcher.cancel()
    if gone:
        return  # the client is gone: nothing more to say
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(writer.idle.wait(), timeout=5)  # the last frames out first
    await send({"type": "http.response.body", "body": b""})
