"""A local stand-in for ElevenLabs and D-ID, for trying the real pipeline by
hand: the test doubles (complete documented payloads) behind an HTTP server,
and — like D-ID — a POST of the finished talk to the job's webhook URL.

    .venv/bin/python -m content.tests.standin --port 8199 [--fail]
    ELEVENLABS_API_KEY=sk_eleven_test_0123456789 ELEVENLABS_BASE_URL=http://127.0.0.1:8199 \\
    DID_API_KEY=YXBpX3VzZXI6YXBpX3Bhc3N3b3Jk DID_BASE_URL=http://127.0.0.1:8199 … manage.py runserver

`--fail` makes every talk end in `error` (a face D-ID cannot find)."""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from content.tests.video_doubles import DID, ELEVENLABS, Doubles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8199)
    parser.add_argument("--fail", action="store_true")
    parser.add_argument("--delay", type=float, default=3.0, help="seconds before D-ID calls the webhook")
    options = parser.parse_args()
    base = f"http://127.0.0.1:{options.port}"

    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")
    django.setup()
    from content.video.render import RenderRequest, render_video

    with tempfile.NamedTemporaryFile(suffix=".mp4") as output:
        render_video(
            RenderRequest(
                script="A talking head from the D-ID stand-in.",
                language="en",
                width=640,
                height=360,
                label="D-ID stand-in",
            ),
            output.name,
        )
        mp4 = Path(output.name).read_bytes()
    # Like D-ID: the webhook comes when the talk has finished, so a GET after it reads the final state.
    doubles = Doubles(result_mp4=mp4, results=f"{base}/results", talk_statuses=deque(["done"]))
    if options.fail:
        doubles.talk_statuses = deque(["error"])
        doubles.talk_error = {"kind": "FaceError", "description": "Face not detected in the source image"}

    def call_webhook(talk_id: str, body: dict) -> None:
        time.sleep(options.delay)
        status = "error" if options.fail else "done"
        try:
            httpx.post(body["webhook"], json={"id": talk_id, "status": status}, timeout=30)
            print(f"webhook {body['webhook']} ← {talk_id} {status}", flush=True)
        except httpx.HTTPError as exc:
            print(f"webhook failed: {exc}", flush=True)

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("content-length") or 0)
            content = self.rfile.read(length) if length else b""
            path = self.path
            if path.startswith("/results"):
                url = doubles.results + path.removeprefix("/results")
            elif path.startswith(("/v1/", "/v2/")):
                url = ELEVENLABS + path
            else:
                url = DID + path
            headers = {k.lower(): v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            if path.startswith("/results"):
                headers.pop("authorization", None)
            answer = doubles.handle(httpx.Request(self.command, url, headers=headers, content=content))
            if self.command == "POST" and path == "/talks" and answer.status_code == 201:
                talk_id = answer.json()["id"]
                threading.Thread(target=call_webhook, args=(talk_id, json.loads(content)), daemon=True).start()
            self.send_response(answer.status_code)
            for key, value in answer.headers.items():
                if key.lower() not in ("content-length", "transfer-encoding"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_DELETE = _serve

    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    print(f"ElevenLabs + D-ID stand-in on {base}{' (talks fail)' if options.fail else ''}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
