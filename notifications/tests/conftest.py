"""A local Slack double: an HTTP server on 127.0.0.1 that answers like Slack's
incoming webhooks (`200 ok`, or an error status with a plain-text reason)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class SlackDouble:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status, self.reason = 200, "ok"
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                double.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(self.rfile.read(length))}
                )
                self.send_response(double.status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(double.reason.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/XXXXXXXX"

    def refuse(self, status: int, reason: str) -> None:
        self.status, self.reason = status, reason

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack_double(settings):
    settings.OUTBOUND_ALLOW_CIDRS = ["127.0.0.0/8"]  # the double is local; the door's SSRF rules apply otherwise
    double = SlackDouble()
    yield double
    double.close()


@pytest.fixture
def slack_connected(monkeypatch, slack_double):
    """Every workspace's vault lookup answers the double's URL."""
    from notifications import delivery

    monkeypatch.setattr(delivery, "workspace_slack_webhook", lambda workspace: slack_double.url)
    return slack_double
