"""Local doubles of ElevenLabs and D-ID answering with their complete
documented payloads (PROVIDERS.md §4, §5), behind an httpx MockTransport.
They check auth headers, count requests, and follow a script of answers, so
each test states what the providers do."""

from __future__ import annotations

import json
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field

import httpx

ELEVENLABS = "http://elevenlabs.test"
DID = "http://did.test"
RESULTS = "http://d-id-results.test"
ELEVENLABS_KEY = "sk_eleven_test_0123456789"
DID_KEY = "YXBpX3VzZXI6YXBpX3Bhc3N3b3Jk"  # "api_user:api_password", as D-ID shows it
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64


def voice_payload(voice_id: str, name: str, language: str) -> dict:
    """A `Voice` object of GET /v2/voices, every documented field present."""
    return {
        "voice_id": voice_id,
        "name": name,
        "samples": None,
        "category": "premade",
        "fine_tuning": {
            "is_allowed_to_fine_tune": False,
            "state": {},
            "verification_failures": [],
            "verification_attempts_count": 0,
            "manual_verification_requested": False,
        },
        "labels": {
            "accent": "american",
            "description": "calm",
            "age": "young",
            "gender": "female",
            "use_case": "narration",
        },
        "description": f"{name}, a premade voice.",
        "preview_url": f"https://storage.googleapis.com/eleven-public-prod/premade/voices/{voice_id}/preview.mp3",
        "available_for_tiers": [],
        "settings": {"stability": 0.5, "similarity_boost": 0.75, "style": 0.0, "use_speaker_boost": True, "speed": 1.0},
        "sharing": None,
        "high_quality_base_model_ids": ["eleven_v2_flash", "eleven_multilingual_v2", "eleven_v3"],
        "verified_languages": [
            {
                "language": language,
                "model_id": "eleven_multilingual_v2",
                "accent": "standard",
                "locale": None,
                "preview_url": None,
            }
        ],
        "safety_control": None,
        "collection_ids": [],
        "voice_verification": {
            "requires_verification": False,
            "is_verified": False,
            "verification_failures": [],
            "verification_attempts_count": 0,
            "language": None,
            "verification_attempts": None,
        },
        "permission_on_resource": None,
        "is_owner": False,
        "is_legacy": False,
        "is_mixed": False,
        "created_at_unix": 1700000000,
    }


def talk_payload(
    talk_id: str, status: str, *, body: dict, duration: float = 4.2, error: dict | None = None, results: str = RESULTS
) -> dict:
    """GET /talks/{id}: the fields D-ID returns, `result_url` once done."""
    payload = {
        "id": talk_id,
        "user_id": "google-oauth2|1234567890",
        "source_url": body.get("source_url"),
        "audio_url": (body.get("script") or {}).get("audio_url"),
        "created_at": "2026-12-07T10:00:00.000Z",
        "created_by": "google-oauth2|1234567890",
        "started_at": "2026-12-07T10:00:01.000Z",
        "modified_at": "2026-12-07T10:00:09.000Z",
        "status": status,
        "driver_url": "bank://lively/driver-06",
        "duration": duration,
        "webhook": body.get("webhook"),
        "user_data": body.get("user_data"),
        "name": body.get("name"),
        "config": {
            "stitch": False,
            "pad_audio": 0,
            "align_driver": True,
            "sharpen": True,
            "auto_match": True,
            "normalization_factor": 1,
            "logo": {"url": "d-id-logo", "position": [0, 0]},
            "motion_factor": 1,
            "result_format": "mp4",
            "fluent": False,
            "align_expand_factor": 0.3,
        },
    }
    if status == "done":
        payload["result_url"] = f"{results}/{talk_id}.mp4?AWSAccessKeyId=AKIA&Expires=1765104000&Signature=abc"
    if error:
        payload["error"] = error
    return payload


@dataclass
class Doubles:
    """The providers' behaviour, scripted by the test."""

    result_mp4: bytes
    tts_answers: deque = field(default_factory=deque)  # (status, headers, body) queued before the default 200
    create_answers: deque = field(default_factory=deque)
    talk_statuses: deque = field(default_factory=lambda: deque(["started", "done"]))
    talk_error: dict | None = None
    requests: list = field(default_factory=list)
    talks: dict = field(default_factory=dict)
    counts: dict = field(default_factory=lambda: defaultdict(int))
    results: str = RESULTS  # where result_url points (a stand-in serves it itself)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def calls(self, method: str, pattern: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and re.search(pattern, str(r.url))]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url)
        key_check = self._key_check(request)
        if key_check is not None:
            return key_check
        if url.startswith(ELEVENLABS):
            return self._elevenlabs(request)
        if url.startswith(DID):
            return self._did(request)
        if url.startswith(self.results):
            assert "authorization" not in request.headers  # a presigned S3 link takes no other credentials
            return httpx.Response(200, content=self.result_mp4, headers={"content-type": "video/mp4"})
        raise AssertionError(f"unexpected request {request.method} {url}")

    def _key_check(self, request: httpx.Request) -> httpx.Response | None:
        """The cheap calls the integrations vault makes to verify a workspace's key
        (ElevenLabs `GET /v1/voices`, D-ID `GET /credits`), so a stand-in built on
        these doubles accepts the keys a workspace saves."""
        from integrations.tests.doubles import did_credits, elevenlabs_voices

        url, path = str(request.url), request.url.path
        if request.method == "GET" and url.startswith(ELEVENLABS) and path == "/v1/voices":
            return elevenlabs_voices({ELEVENLABS_KEY})(request)
        if request.method == "GET" and url.startswith(DID) and path == "/credits":
            return did_credits({DID_KEY})(request)
        return None

    # --- ElevenLabs ---------------------------------------------------------------------------

    def _elevenlabs(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("xi-api-key") != ELEVENLABS_KEY:
            return httpx.Response(401, json={"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})
        path = request.url.path
        if request.method == "POST" and path.startswith("/v1/text-to-speech/"):
            body = json.loads(request.content)
            if not body.get("text"):
                return httpx.Response(
                    422,
                    json={
                        "detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]
                    },
                )
            if self.tts_answers:
                status, headers, answer = self.tts_answers.popleft()
                return httpx.Response(status, headers=headers, json=answer)
            return httpx.Response(
                200,
                content=MP3,
                headers={
                    "content-type": "audio/mpeg",
                    "request-id": "req_5f1c",
                    "history-item-id": "hist_9a2b",
                    "character-cost": str(len(body["text"])),
                },
            )
        if request.method == "GET" and path == "/v2/voices":
            self.counts["voices"] += 1
            voices = [
                voice_payload("21m00Tcm4TlvDq8ikWAM", "Rachel", "en"),
                voice_payload("pNInz6obpgDQGcFmaJgB", "Adam", "ar"),
            ]
            return httpx.Response(
                200, json={"voices": voices, "has_more": False, "total_count": 2, "next_page_token": None}
            )
        return httpx.Response(404, json={"detail": {"status": "not_found", "message": "Not found"}})

    # --- D-ID -------------------------------------------------------------------------------------

    def _did(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Basic {DID_KEY}":
            return httpx.Response(401, json={"kind": "AuthorizationError", "description": "user unauthenticated"})
        path = request.url.path
        if request.method == "POST" and path == "/talks":
            if self.create_answers:
                status, answer = self.create_answers.popleft()
                return httpx.Response(status, json=answer)
            body = json.loads(request.content)
            talk_id = f"tlk_{len(self.talks) + 1:04d}AbCdEf"
            self.talks[talk_id] = {"body": body, "statuses": deque(self.talk_statuses)}
            return httpx.Response(
                201,
                json={
                    "id": talk_id,
                    "object": "talk",
                    "created_by": "google-oauth2|1234567890",
                    "created_at": "2026-12-07T10:00:00.000Z",
                    "status": "created",
                },
            )
        match = re.fullmatch(r"/talks/(tlk_\w+)", path)
        if request.method == "GET" and match:
            talk = self.talks.get(match.group(1))
            if talk is None:
                return httpx.Response(404, json={"kind": "NotFoundError", "description": "talk not found"})
            status = talk["statuses"].popleft() if len(talk["statuses"]) > 1 else talk["statuses"][0]
            error = self.talk_error if status in ("error", "rejected") else None
            payload = talk_payload(match.group(1), status, body=talk["body"], error=error, results=self.results)
            return httpx.Response(200, json=payload)
        return httpx.Response(404, json={"kind": "NotFoundError", "description": "not found"})
