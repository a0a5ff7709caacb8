"""The OpenAI provider against HTTP doubles built from OpenAI's documented
chat.completion payloads: the request it sends, retries on 429/5xx with
Retry-After, and every failure mapped to ProviderError / ProviderTimeout."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import pytest

from content import gateway
from content.gateway import generate_text, parse_json_object
from content.gateway.offline import OfflineProvider
from content.gateway.openai import OpenAIProvider, _retry_after_seconds
from content.tests.conftest import BASE_URL, chat_completion, ok, status, timeout
from nexusone.errors import ProviderError, ProviderTimeout


def _generate(provider, **overrides):
    options = {
        "task": "content.generate",
        "template": "content/social_media",
        "language": "es",
        "variables": {"prompt": "Café de especialidad", "type": "social_media", "tone": "casual", "length": "short"},
        "max_tokens": 350,
        "provider": provider,
        **overrides,
    }
    return generate_text(**options)


def test_success_sends_a_chat_completions_request_and_reads_the_documented_answer(openai_double):
    double = openai_double([ok("¡Hola! Prueba nuestro café.", prompt_tokens=40, completion_tokens=12)])
    result = _generate(double.provider())

    assert result.text == "¡Hola! Prueba nuestro café."
    assert (result.provider, result.model, result.finish_reason) == ("openai", "gpt-4o-mini", "stop")
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.total_tokens) == (40, 12, 52)
    assert result.prompt_version == "v1" and result.response_id == "chatcmpl-abc123"
    request = double.requests[0]
    assert str(request.url) == f"{BASE_URL}/chat/completions" and request.method == "POST"
    assert request.headers["authorization"] == "Bearer sk-test"
    body = double.bodies[0]
    assert body["model"] == "gpt-4o-mini" and body["max_tokens"] == 350 and "response_format" not in body
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "español" in body["messages"][0]["content"]  # the language instruction, written in the language
    assert "Café de especialidad" in body["messages"][1]["content"]
    assert "Tone: casual" in body["messages"][1]["content"]


def test_json_tasks_ask_for_a_json_object(openai_double):
    double = openai_double([ok('{"ideas": []}')])
    generate_text(
        task="content.ideas", template="ideas", language="en", variables={"niche": "tea"},
        json_output=True, provider=double.provider(),
    )  # fmt: skip
    assert double.bodies[0]["response_format"] == {"type": "json_object"}


def test_429_then_success_waits_for_retry_after(openai_double):
    double = openai_double([status(429, headers={"Retry-After": "2"}), ok("Done")])
    result = _generate(double.provider())
    assert result.text == "Done"
    assert len(double.requests) == 2 and double.sleeps == [2.0]


def test_500_then_success_backs_off_exponentially(openai_double):
    double = openai_double([status(500), status(503), ok("Done")])
    assert _generate(double.provider()).text == "Done"
    assert double.sleeps == [0.25, 0.5]


def test_persistent_500_gives_up_after_the_retries(openai_double):
    double = openai_double([status(500)])
    with pytest.raises(ProviderError) as caught:
        _generate(double.provider(max_retries=2))
    assert len(double.requests) == 3
    assert caught.value.status_code == 502 and caught.value.code == "provider_error"
    assert caught.value.details == {"provider": "openai", "reason": "server_error", "status": 500}


def test_a_retry_after_longer_than_the_cap_fails_at_once(openai_double):
    double = openai_double([status(429, headers={"Retry-After": "120"}), ok("never")])
    with pytest.raises(ProviderError) as caught:
        _generate(double.provider(max_retry_wait=20))
    assert len(double.requests) == 1 and double.sleeps == []
    assert caught.value.details["reason"] == "rate_limited"


@pytest.mark.parametrize(
    ("code", "reason"), [(401, "authentication"), (403, "authentication"), (404, "not_found"), (400, "rejected")]
)
def test_client_errors_are_not_retried_and_say_why(openai_double, code, reason):
    double = openai_double([status(code, message="sk-secret-in-provider-message")])
    with pytest.raises(ProviderError) as caught:
        _generate(double.provider())
    assert len(double.requests) == 1
    assert caught.value.details["reason"] == reason
    assert "sk-secret" not in str(caught.value.message)  # provider bodies are logged, never shown


def test_timeout_is_a_provider_timeout_and_not_retried(openai_double):
    double = openai_double([timeout()])
    with pytest.raises(ProviderTimeout) as caught:
        _generate(double.provider())
    assert caught.value.status_code == 504 and caught.value.code == "provider_timeout"
    assert len(double.requests) == 1


def test_connection_errors_are_retried_then_reported(openai_double):
    double = openai_double([httpx2.ConnectError("refused")])
    with pytest.raises(ProviderError) as caught:
        _generate(double.provider(max_retries=1))
    assert len(double.requests) == 2 and caught.value.details["reason"] == "unreachable"


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b'{"unexpected": true}',
        json.dumps({**chat_completion("x"), "choices": []}).encode(),
        json.dumps(
            {
                **chat_completion("x"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": "stop"}],
            }
        ).encode(),
        b"[]",
    ],
)
def test_a_malformed_body_is_a_provider_error(openai_double, body):
    double = openai_double([httpx2.Response(200, content=body, headers={"content-type": "application/json"})])
    with pytest.raises(ProviderError) as caught:
        _generate(double.provider())
    assert caught.value.status_code == 502 and caught.value.details["reason"] == "malformed_response"


def test_retry_after_parsing():
    assert _retry_after_seconds(httpx2.Headers({"retry-after-ms": "1500"})) == 1.5
    assert _retry_after_seconds(httpx2.Headers({"retry-after": "3"})) == 3.0
    assert _retry_after_seconds(httpx2.Headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert _retry_after_seconds(httpx2.Headers({})) is None


def test_the_provider_is_openai_with_a_key_and_offline_without(settings):
    settings.OPENAI_API_KEY = ""
    assert isinstance(gateway.get_provider(), OfflineProvider)
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    provider = gateway.get_provider()
    assert isinstance(provider, OpenAIProvider) and str(provider._client.base_url).startswith("http://127.0.0.1:9/v1")


def test_parse_json_object_tolerates_fences_and_rejects_the_rest():
    assert parse_json_object('```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_json_object('Here you go: {"a": {"b": 2}} Enjoy!') == {"a": {"b": 2}}
    for text in ("no json", "[1, 2]", '{"a": '):
        with pytest.raises(ProviderError):
            parse_json_object(text)


class _CompatibleServer(BaseHTTPRequestHandler):
    """A minimal OpenAI-compatible server (like vLLM or Ollama's /v1)."""

    seen: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        payload = json.dumps(chat_completion("Local model says hi", model="local-llama")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def test_openai_base_url_points_the_gateway_at_any_compatible_server(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CompatibleServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.OPENAI_API_KEY = "local-key"
        settings.OPENAI_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
        settings.OPENAI_MODEL = "local-llama"
        result = _generate(None)
    finally:
        server.shutdown()
        server.server_close()
    assert (result.provider, result.model, result.text) == ("openai", "local-llama", "Local model says hi")
    call = _CompatibleServer.seen[-1]
    assert call["path"] == "/v1/chat/completions" and call["auth"] == "Bearer local-key"
    assert call["body"]["model"] == "local-llama"
