"""The AI gateway uses a workspace's own OpenAI key when it has one, and the
usage event records which key served."""

from __future__ import annotations

import json

import pytest

from analytics.models import UsageEvent
from integrations.tests.factories import make_connection
from nexusone.tests.httpstub import StubServer, reply

pytestmark = pytest.mark.django_db

BODY = {
    "prompt": "Spring sale on candles",
    "type": "marketing_copy",
    "language": "en",
    "tone": "friendly",
    "length": "short",
}


def _completion(handler):
    payload = {
        "id": "chatcmpl-local-1",
        "object": "chat.completion",
        "created": 1733000000,
        "model": "gpt-4o-mini",
        "system_fingerprint": "fp_local",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Light up spring!", "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 4, "total_tokens": 24},
        "service_tier": "default",
    }
    reply(handler, 200, json.dumps(payload).encode(), {"Content-Type": "application/json"})


@pytest.fixture
def compatible_server(settings):
    server = StubServer(routes={"/v1/chat/completions": _completion}).start()
    settings.OPENAI_BASE_URL = f"{server.url}/v1"
    yield server
    server.stop()


def _generate(tenant, key):
    return tenant.client("member").post("/api/v1/content/generate", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_workspace_key_serves_its_workspace_and_the_platform_key_the_others(world, settings, compatible_server):
    settings.OPENAI_API_KEY = "sk-platform-key-PPPP"
    a, b = world["A"], world["B"]
    make_connection(
        a.workspace,
        "openai",
        api_key="sk-own-key-of-a-AAAA",
        settings={"model": "gpt-4o"},
        assets={"models": ["gpt-4o", "gpt-4o-mini"]},
    )
    assert _generate(a, "k-a").status_code == 201
    assert _generate(b, "k-b").status_code == 201
    auth = [(r.headers["authorization"], json.loads(r.body)["model"]) for r in compatible_server.requests]
    assert auth == [("Bearer sk-own-key-of-a-AAAA", "gpt-4o"), ("Bearer sk-platform-key-PPPP", "gpt-4o-mini")]
    event_a = UsageEvent.unscoped.get(workspace=a.workspace, module="content")
    event_b = UsageEvent.unscoped.get(workspace=b.workspace, module="content")
    assert (event_a.metadata["key_source"], event_a.metadata["key_last4"]) == ("workspace", "AAAA")
    assert (event_b.metadata["key_source"], event_b.metadata["key_last4"]) == ("platform", "PPPP")
    assert "sk-own-key" not in json.dumps(event_a.metadata)
    assert compatible_server.requests[0].headers["user-agent"].endswith(f"NexusOne/1.0 (+{settings.SITE_URL})")


def test_no_key_anywhere_is_the_offline_provider(world, settings, compatible_server):
    settings.OPENAI_API_KEY = ""
    response = _generate(world["A"], "k-offline")
    assert response.status_code == 201 and response.json()["provider"] == "offline"
    assert compatible_server.requests == []
    assert "key_source" not in UsageEvent.unscoped.get(workspace=world["A"].workspace).metadata


def test_a_refused_workspace_key_marks_the_connection_expired(world, settings):
    def unauthorized(handler):
        body = {
            "error": {
                "message": "Incorrect API key provided: sk-own****AAAA.",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
        }
        reply(handler, 401, json.dumps(body).encode(), {"Content-Type": "application/json"})

    server = StubServer(routes={"/v1/chat/completions": unauthorized}).start()
    settings.OPENAI_BASE_URL = f"{server.url}/v1"
    try:
        make_connection(world["A"].workspace, "openai", api_key="sk-own-key-of-a-AAAA")
        response = _generate(world["A"], "k-401")
    finally:
        server.stop()
    assert response.status_code == 502  # refunded, as every provider failure
    from integrations.models import Connection

    assert Connection.unscoped.get(workspace=world["A"].workspace).status == "expired"
