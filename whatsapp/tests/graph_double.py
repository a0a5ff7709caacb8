"""A local HTTP double of the WhatsApp Cloud API for tests that cross process
boundaries (the real-worker crash test) and for `bench/whatsapp_fanout.py`.

It speaks HTTP/1.1 with keep-alive on 127.0.0.1 (asyncio, one thread) and
answers like Meta's documented Graph API:
- `POST /<version>/<phone_number_id>/messages` → `{"messaging_product":
  "whatsapp", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid…",
  "message_status": "accepted"}]}` after an optional delay;
- `GET /_stats` → requests counted in total, per recipient (`to`) and per
  `biz_opaque_callback_data`, so a test can prove "one request per message";
- `POST /_reset` clears the counters.

Run it alone: `python -m whatsapp.tests.graph_double --port 8765 [--delay 0.2]`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import threading
import time
from collections import Counter


class GraphDouble:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0):
        self.host, self.port, self.delay = host, port, delay
        self.total = 0
        self.by_to: Counter = Counter()
        self.by_callback: Counter = Counter()
        self.first_at: float | None = None
        self.last_at: float | None = None
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    # --- HTTP ------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                method, path, _version = request_line.decode("latin-1").split(" ", 2)
                length = 0
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _sep, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length) if length else b""
                status, payload = await self._route(method, path, body)
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                    "Connection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def _route(self, method: str, path: str, body: bytes) -> tuple[int, dict]:
        if path.startswith("/_stats"):
            return 200, self.stats()
        if path.startswith("/_reset"):
            self.reset()
            return 200, {}
        if method == "POST" and path.rstrip("/").endswith("/messages"):
            message = json.loads(body or b"{}")
            if self.delay:
                await asyncio.sleep(self.delay)
            now = time.time()
            self.first_at = self.first_at or now
            self.last_at = now
            self.total += 1
            self.by_to[message.get("to", "")] += 1
            if message.get("biz_opaque_callback_data"):
                self.by_callback[message["biz_opaque_callback_data"]] += 1
            wamid = f"wamid.DOUBLE{next(self._ids):012d}"
            return 200, {
                "messaging_product": "whatsapp",
                "contacts": [{"input": message.get("to", ""), "wa_id": message.get("to", "")}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            }
        if method == "GET":
            return 200, {"display_phone_number": "+1 555-000-1111", "verified_name": "Double", "id": "1",
                         "quality_rating": "GREEN", "data": []}  # fmt: skip
        return 404, {"error": {"message": "Unknown path", "type": "GraphMethodException", "code": 100}}

    # --- control -----------------------------------------------------------------------

    def stats(self) -> dict:
        return {
            "total": self.total,
            "unique_recipients": len(self.by_to),
            "max_per_recipient": max(self.by_to.values(), default=0),
            "max_per_callback": max(self.by_callback.values(), default=0),
            "callbacks": dict(self.by_callback),
            "first_at": self.first_at,
            "last_at": self.last_at,
        }

    def reset(self) -> None:
        self.total, self.first_at, self.last_at = 0, None, None
        self.by_to.clear()
        self.by_callback.clear()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(self._handle, self.host, self.port, backlog=512)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        async with self._server:
            await self._stopping.wait()
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def start(self) -> GraphDouble:
        """Serve in a background thread; returns once the port is bound."""

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._serve())
            except asyncio.CancelledError:
                pass
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name="graph-double", daemon=True)
        self._thread.start()
        self._ready.wait(5)
        return self

    def stop(self) -> None:
        """Close the server and its connections, and end the thread."""
        if self._loop is not None and self._server is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(5)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v21.0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    double = GraphDouble(port=args.port, delay=args.delay)
    print(f"graph double on http://127.0.0.1:{args.port}", flush=True)
    asyncio.run(double._serve())


if __name__ == "__main__":
    main()
