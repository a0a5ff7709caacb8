"""API-key providers: OpenAI, ElevenLabs and D-ID. Each verifies a key with
one cheap live call (OpenAI: list models; ElevenLabs: list voices; D-ID:
read credits) through the outbound door, against the base URL from the
environment. CJ, whose key is exchanged for tokens, lives in `cj.py`."""

from __future__ import annotations

from django.conf import settings

from integrations.providers.base import InvalidCredentials, Verified, json_body, provider_failure
from nexusone import outbound

ASSET_LIMIT = 100  # how many models / voices the connection remembers for pickers


def _refused(provider: str, answer, reason: str, secret: str):
    raise InvalidCredentials(provider=provider, reason=reason or f"HTTP {answer.status_code}", secrets=(secret,))


# --- OpenAI ------------------------------------------------------------------------------------


def openai_verify(api_key: str) -> Verified:
    """GET /models → {"object": "list", "data": [{"id", "object", "created", "owned_by"}]}."""
    client = outbound.ProviderClient(service="openai", base_url=settings.OPENAI_BASE_URL)
    answer = client.get("/models", headers={"Authorization": f"Bearer {api_key}"}, secrets=[api_key])
    body = json_body(answer)
    if answer.is_success and isinstance(body, dict) and isinstance(body.get("data"), list):
        models = sorted(str(m.get("id")) for m in body["data"] if isinstance(m, dict) and m.get("id"))
        return Verified(assets={"models": models[:ASSET_LIMIT], "model_count": len(models)})
    error = body.get("error") if isinstance(body, dict) else None
    reason = error.get("message", "") if isinstance(error, dict) else ""
    quota = isinstance(error, dict) and error.get("code") == "insufficient_quota"
    if answer.status_code in (401, 403) or quota:
        _refused("openai", answer, reason, api_key)
    raise provider_failure(
        "openai", "server_error" if answer.status_code >= 500 else "rejected", status=answer.status_code
    )


# --- ElevenLabs --------------------------------------------------------------------------------


def elevenlabs_verify(api_key: str) -> Verified:
    """GET /v1/voices (header `xi-api-key`) → {"voices": [Voice]}."""
    client = outbound.ProviderClient(service="elevenlabs", base_url=settings.ELEVENLABS_BASE_URL)
    answer = client.get("/v1/voices", headers={"xi-api-key": api_key}, secrets=[api_key])
    body = json_body(answer)
    if answer.is_success and isinstance(body, dict) and isinstance(body.get("voices"), list):
        voices = [
            {
                "voice_id": v["voice_id"],
                "name": v.get("name") or "",
                "category": v.get("category") or "",
                "labels": v.get("labels") or {},
            }
            for v in body["voices"]
            if isinstance(v, dict) and v.get("voice_id")
        ]
        return Verified(assets={"voices": voices[:ASSET_LIMIT], "voice_count": len(voices)})
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        reason = detail.get("message") or detail.get("status") or ""
    elif isinstance(detail, list) and detail and isinstance(detail[0], dict):
        reason = detail[0].get("msg", "")
    else:
        reason = ""
    if answer.status_code in (401, 403):
        _refused("elevenlabs", answer, reason, api_key)
    raise provider_failure(
        "elevenlabs", "server_error" if answer.status_code >= 500 else "rejected", status=answer.status_code
    )


# --- D-ID --------------------------------------------------------------------------------------


def did_verify(api_key: str) -> Verified:
    """GET /credits (`Authorization: Basic <key>`, the key exactly as D-ID
    shows it) → {"credits": [{owner_id, remaining, total, expire_at…}], "remaining", "total"}."""
    client = outbound.ProviderClient(service="did", base_url=settings.DID_BASE_URL)
    answer = client.get("/credits", headers={"Authorization": f"Basic {api_key}"}, secrets=[api_key])
    body = json_body(answer)
    if answer.is_success and isinstance(body, dict) and "remaining" in body:
        credits = {"remaining": body.get("remaining"), "total": body.get("total")}
        return Verified(assets={"credits": credits})
    reason = ""
    if isinstance(body, dict):
        reason = body.get("description") or body.get("message") or body.get("kind") or ""
    if answer.status_code in (401, 403):
        _refused("did", answer, reason, api_key)
    raise provider_failure(
        "did", "server_error" if answer.status_code >= 500 else "rejected", status=answer.status_code
    )


VERIFIERS = {"openai": openai_verify, "elevenlabs": elevenlabs_verify, "did": did_verify}
