"""Local doubles of the providers' endpoints, answering with their complete
documented payloads (every field, not only the ones the code reads). Each
is an `httpx.MockTransport` handler; `route(...)` installs them on the
outbound door for a test."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

import httpx

from nexusone import outbound


class ProviderDouble:
    """Routes (method, path) → handler; records every request."""

    def __init__(self):
        self.routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, method: str, path: str, handler):
        self.routes[(method, path)] = handler if callable(handler) else (lambda request, answer=handler: answer)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return httpx.Response(404, json={"error": f"no double for {request.method} {request.url.path}"})
        return handler(request)

    def calls(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == path]

    @contextlib.contextmanager
    def installed(self):
        with outbound.use_transport(httpx.MockTransport(self)):
            yield self


def body(request: httpx.Request) -> dict:
    return json.loads(request.content or b"{}")


# --- OpenAI: GET /v1/models ----------------------------------------------------------------------

OPENAI_MODELS = {
    "object": "list",
    "data": [
        {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
        {"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "system"},
        {"id": "ft:gpt-4o-mini:acme::abc123", "object": "model", "created": 1730000000, "owned_by": "user-acme"},
    ],
}


def openai_error(message: str, code: str | None, kind: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def openai_models(valid_keys: set[str]):
    def handler(request):
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        if key in valid_keys:
            return httpx.Response(200, json=OPENAI_MODELS)
        masked = f"{key[:3]}****{key[-4:]}" if len(key) > 8 else "****"
        return httpx.Response(
            401,
            json=openai_error(
                f"Incorrect API key provided: {masked}. You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_api_key",
            ),
        )

    return handler


# --- ElevenLabs: GET /v1/voices --------------------------------------------------------------------


def elevenlabs_voice(voice_id: str, name: str) -> dict:
    return {
        "voice_id": voice_id,
        "name": name,
        "samples": None,
        "category": "premade",
        "fine_tuning": {
            "is_allowed_to_fine_tune": True,
            "state": {},
            "verification_failures": [],
            "verification_attempts_count": 0,
            "manual_verification_requested": False,
        },
        "labels": {
            "accent": "american",
            "description": "warm",
            "age": "young",
            "gender": "female",
            "use_case": "narration",
        },
        "description": None,
        "preview_url": f"https://storage.googleapis.com/eleven-public-prod/premade/voices/{voice_id}/preview.mp3",
        "available_for_tiers": [],
        "settings": None,
        "sharing": None,
        "high_quality_base_model_ids": ["eleven_v2_flash", "eleven_multilingual_v2", "eleven_v3"],
        "verified_languages": [
            {"language": "he", "model_id": "eleven_v3", "accent": None, "locale": None, "preview_url": None}
        ],
        "safety_control": None,
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
        "created_at_unix": None,
    }


def elevenlabs_voices(valid_keys: set[str]):
    def handler(request):
        if request.headers.get("xi-api-key") in valid_keys:
            return httpx.Response(
                200,
                json={
                    "voices": [
                        elevenlabs_voice("21m00Tcm4TlvDq8ikWAM", "Rachel"),
                        elevenlabs_voice("AZnzlk1XvdvUeBnXmlld", "Domi"),
                    ]
                },
            )
        return httpx.Response(401, json={"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})

    return handler


# --- D-ID: GET /credits --------------------------------------------------------------------------


def did_credits(valid_keys: set[str]):
    def handler(request):
        if request.headers.get("authorization", "").removeprefix("Basic ") in valid_keys:
            return httpx.Response(
                200,
                json={
                    "credits": [
                        {
                            "owner_id": "google-oauth2|1234567890",
                            "remaining": 42,
                            "total": 60,
                            "expire_at": "2027-01-01T00:00:00.000Z",
                            "product_id": "prod_lite",
                            "price_id": "price_lite_monthly",
                            "valid_from": "2026-12-01T00:00:00.000Z",
                            "created": "2026-12-01T00:00:00.000Z",
                            "modified": "2026-12-01T00:00:00.000Z",
                        }
                    ],
                    "remaining": 42,
                    "total": 60,
                },
            )
        return httpx.Response(401, json={"kind": "AuthorizationError", "description": "user unauthenticated"})

    return handler


# --- CJ Dropshipping: token endpoints and a cheap authenticated read ---------------------------------


def cj_envelope(data, *, code: int = 200, message: str = "Success") -> dict:
    return {
        "code": code,
        "result": code == 200,
        "message": message,
        "data": data,
        "requestId": "8b3d9ea1-5a45-4c53-9e2c-2e6f0d1c7a10",
    }


def cj_tokens(n: int, *, expires: str = "2027-01-15T09:16:33+08:00") -> dict:
    return {
        "openId": 123456789,
        "accessToken": f"cj-access-token-{n:04d}-f59a2b",
        "accessTokenExpiryDate": expires,
        "refreshToken": f"cj-refresh-token-{n:04d}-f7ed1c",
        "refreshTokenExpiryDate": "2027-06-30T09:16:33+08:00",
        "createDate": "2026-12-31T09:16:33+08:00",
    }


class CJDouble(ProviderDouble):
    def __init__(self, valid_keys: set[str]):
        super().__init__()
        self.issued = 0
        self.valid_refresh: set[str] = set()
        self.valid_access: set[str] = set()
        self.on("POST", "/api2.0/v1/authentication/getAccessToken", self._get_token)
        self.on("POST", "/api2.0/v1/authentication/refreshAccessToken", self._refresh)
        self.on("GET", "/api2.0/v1/product/getCategory", self._categories)
        self.valid_keys = valid_keys

    def _issue(self) -> httpx.Response:
        self.issued += 1
        tokens = cj_tokens(self.issued)
        self.valid_access.add(tokens["accessToken"])
        self.valid_refresh.add(tokens["refreshToken"])
        return httpx.Response(200, json=cj_envelope(tokens))

    def _get_token(self, request):
        if body(request).get("apiKey") in self.valid_keys:
            return self._issue()
        return httpx.Response(200, json=cj_envelope(None, code=1600001, message="Invalid API key or access token"))

    def _refresh(self, request):
        token = body(request).get("refreshToken")
        if token in self.valid_refresh:
            self.valid_refresh.discard(token)  # rotated: the old refresh token is spent
            return self._issue()
        return httpx.Response(200, json=cj_envelope(None, code=1600003, message="Invalid Refresh Token"))

    def _categories(self, request):
        if request.headers.get("cj-access-token") in self.valid_access:
            return httpx.Response(200, json=cj_envelope([{"categoryFirstName": "Home", "categoryFirstList": []}]))
        return httpx.Response(200, json=cj_envelope(None, code=1600001, message="Invalid API key or access token"))
