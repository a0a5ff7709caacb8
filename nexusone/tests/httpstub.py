"""A tiny threaded HTTP server on 127.0.0.1 for tests that need a real socket
(the outbound door's SSRF and timing tests). Each server counts the
connections it accepted and records the requests it answered."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class StubServer:
    routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = field(default_factory=dict)
    connections: int = 0
    requests: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StubServer:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):  # keep test output quiet
                pass

            def setup(self):
                stub.connections += 1
                super().setup()

            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.requests.append(Seen(self.command, self.path, dict(self.headers.items()), body))
                route = stub.routes.get(urlsplit(self.path).path) or stub.routes.get("*")
                if route is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                # The client may hang up on purpose (caps, deadlines).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def query(handler: BaseHTTPRequestHandler) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(handler.path).query).items()}


def reply(handler: BaseHTTPRequestHandler, status: int = 200, body: bytes = b"ok", headers: dict | None = None):
    handler.send_response(status)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def stream_forever(handler: BaseHTTPRequestHandler, chunk: bytes = b"x" * 1024, pause: float = 0.01):
    """Headers, then a body that never ends (HTTP/1.0: until the client closes)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.end_headers()
    while True:
        handler.wfile.write(chunk)
        handler.wfile.flush()
        time.sleep(pause)
