"""The outbound door for provider calls: timeouts, retries and waits, the
provider hints, User-Agent, logs without secrets, no shared cookies, and the
SDK transports. (T10, the SSRF rules, is in test_outbound_ssrf.py.)"""

from __future__ import annotations

import json
import logging
import time

import httpx
import httpx2
import pytest

from nexusone import outbound
from nexusone.outbound import client as door
from nexusone.tests.httpstub import StubServer, reply, stream_forever

TOKEN = "EAAG-secret-access-token-0123456789"


class Double:
    """A provider double: answers from a script, records requests."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def waits(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(door, "sleep", slept.append)
    return slept


def call(double, method="GET", url="https://api.example.test/v1/things", **options):
    with outbound.use_transport(httpx.MockTransport(double)):
        return outbound.request(method, url, service="example", **options)


def test_user_agent_is_set_and_a_caller_may_replace_it(waits):
    double = Double(httpx.Response(200, json={"ok": True}))
    answer = call(double)
    assert answer.json() == {"ok": True} and answer.attempts == 1
    assert double.requests[0].headers["user-agent"].startswith("NexusOne/")
    call(double, headers={"User-Agent": "custom/1"})
    assert double.requests[1].headers["user-agent"] == "custom/1"


def test_503_is_retried_honouring_retry_after(waits):
    double = Double(httpx.Response(503, headers={"Retry-After": "2"}), httpx.Response(200, text="done"))
    answer = call(double)
    assert answer.status_code == 200 and answer.attempts == 2
    assert waits == [2.0]


def test_retry_after_as_http_date_and_in_milliseconds():
    future = time.time() + 5
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(future))
    assert 3.5 <= outbound.retry_after_seconds({"retry-after": date}) <= 5.0
    assert outbound.retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert outbound.retry_after_seconds({}) is None


def test_429_is_retried_for_any_method_5xx_only_when_safe(waits):
    double = Double(httpx.Response(429), httpx.Response(201))
    assert call(double, "POST", json={"a": 1}).status_code == 201
    assert len(double.requests) == 2
    assert double.requests[1].content == b'{"a":1}'  # the body is sent again, whole

    double = Double(httpx.Response(500), httpx.Response(201))
    assert call(double, "POST").status_code == 500  # the server may have done the work
    assert len(double.requests) == 1

    double = Double(httpx.Response(502), httpx.Response(200))
    assert call(double, "GET").status_code == 200
    double = Double(httpx.Response(500), httpx.Response(201))
    assert call(double, "POST", retry=outbound.RetryPolicy(retry_unsafe=True)).status_code == 201


def test_attempts_are_bounded_and_the_last_answer_is_returned(waits):
    double = Double(httpx.Response(503))
    answer = call(double, retry=outbound.RetryPolicy(attempts=4, backoff_base=1.0, backoff_max=3.0))
    assert answer.status_code == 503 and answer.attempts == 4 and len(double.requests) == 4
    assert len(waits) == 3 and all(0.5 <= w <= 3.0 for w in waits)  # exponential, jittered, capped
    assert answer.retry_after is not None  # what a task would reschedule with


def test_a_wait_longer_than_max_wait_is_handed_back_not_slept(waits):
    double = Double(httpx.Response(429, headers={"Retry-After": "600"}))
    answer = call(double)
    assert answer.status_code == 429 and answer.attempts == 1 and answer.retry_after == 600.0
    assert waits == []


def test_total_timeout_bounds_retries(waits):
    double = Double(httpx.Response(503, headers={"Retry-After": "5"}))
    answer = call(double, total_timeout=2.0)
    assert answer.attempts == 1 and answer.retry_after == 5.0 and waits == []


def test_connect_failures_are_retried_then_typed(waits):
    double = Double(httpx.ConnectError("refused"))
    with pytest.raises(outbound.OutboundError) as raised:
        call(double, "POST")
    assert raised.value.status_code == 502 and raised.value.details == {"provider": "example", "reason": "unreachable"}
    assert len(double.requests) == 3

    double = Double(httpx.ReadTimeout("slow"))
    with pytest.raises(outbound.OutboundTimeout):
        call(double, "POST")  # the request may have been processed: not repeated
    assert len(double.requests) == 1


# --- provider hints ------------------------------------------------------------------------------


def meta_error(code: int, usage_minutes: int | None = None) -> httpx.Response:
    headers = {}
    if usage_minutes is not None:
        headers["X-Business-Use-Case-Usage"] = json.dumps(
            {
                "act_1": [
                    {
                        "type": "ads_management",
                        "call_count": 100,
                        "total_cputime": 20,
                        "total_time": 20,
                        "estimated_time_to_regain_access": usage_minutes,
                    }
                ]
            }
        )
    body = {
        "error": {
            "message": "(#80004) There have been too many calls to this ad-account.",
            "type": "OAuthException",
            "code": code,
            "error_subcode": 2446079,
            "fbtrace_id": "AbC",
            "is_transient": False,
        }
    }
    return httpx.Response(400, json=body, headers=headers)


def test_meta_business_use_case_wait(waits):
    double = Double(meta_error(80004, usage_minutes=0), httpx.Response(200, json={"data": []}))
    assert call(double, "POST", hints=(outbound.meta_usage_wait,)).status_code == 200
    assert len(waits) == 1  # throttled with no estimate: normal backoff

    double = Double(meta_error(80004, usage_minutes=3))
    answer = call(double, "POST", hints=(outbound.meta_usage_wait,))
    assert answer.status_code == 400 and answer.retry_after == 180.0  # three minutes: handed back to the task

    double = Double(meta_error(190), httpx.Response(200))
    assert call(double, hints=(outbound.meta_usage_wait,)).status_code == 400  # a dead token is not retried
    assert len(double.requests) == 1


def test_shopify_throttle_status_wait(waits):
    throttled = {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
            }
        ],
        "extensions": {
            "cost": {
                "requestedQueryCost": 752,
                "actualQueryCost": None,
                "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 552, "restoreRate": 100.0},
            }
        },
    }
    double = Double(httpx.Response(200, json=throttled), httpx.Response(200, json={"data": {"shop": {"name": "x"}}}))
    answer = call(double, "POST", json={"query": "{ shop { name } }"}, hints=(outbound.shopify_throttle_wait,))
    assert answer.json() == {"data": {"shop": {"name": "x"}}}
    assert waits == [2.0]  # (752 − 552) / 100


# --- logs, cookies, redirects, caps ----------------------------------------------------------------


def test_logs_carry_no_secret(caplog, waits):
    caplog.set_level(logging.DEBUG)
    double = Double(httpx.Response(503), httpx.Response(200, json={"token": TOKEN}))
    call(
        double,
        url=f"https://graph.example.test/v21.0/act_1/{TOKEN}/x?access_token={TOKEN}",
        params={"fields": "id", "appsecret_proof": TOKEN},
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"secret": TOKEN},
        secrets=[TOKEN],
    )
    assert len(caplog.records) == 2
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in json.dumps({k: str(v) for k, v in record.__dict__.items()})
    last = caplog.records[-1]
    assert (last.service, last.method, last.host, last.status, last.attempt) == (
        "example",
        "GET",
        "graph.example.test",
        200,
        2,
    )
    assert last.query_keys == "access_token,appsecret_proof,fields" and "***" in last.path


def test_cookies_never_ride_along_to_the_next_call(waits):
    double = Double(httpx.Response(200, headers={"Set-Cookie": "session=workspace-a; Path=/"}))
    call(double)
    call(double)
    assert "cookie" not in double.requests[1].headers


def test_provider_redirects_are_not_followed_unless_asked_and_never_carry_credentials(waits):
    double = Double(
        httpx.Response(302, headers={"Location": "https://cdn.other.test/file.mp4"}),
        httpx.Response(200, content=b"mp4"),
    )
    assert call(double).status_code == 302
    double = Double(
        httpx.Response(302, headers={"Location": "https://cdn.other.test/file.mp4"}),
        httpx.Response(200, content=b"mp4"),
    )
    answer = call(double, headers={"Authorization": "Basic abc"}, follow_redirects=True)
    assert answer.content == b"mp4" and answer.redirects == 1
    assert str(double.requests[-1].url) == "https://cdn.other.test/file.mp4"
    assert "authorization" not in double.requests[-1].headers


def test_body_cap_and_sink(waits, tmp_path):
    double = Double(httpx.Response(200, content=b"z" * 2048))
    with pytest.raises(outbound.ResponseTooLarge):
        call(double, max_bytes=1024)
    target = tmp_path / "download.bin"
    double = Double(httpx.Response(503, content=b"<html>busy</html>"), httpx.Response(200, content=b"z" * 2048))
    with target.open("wb") as sink:
        answer = call(double, sink=sink)
    assert answer.content == b"" and answer.attempts == 2
    assert target.read_bytes() == b"z" * 2048  # the error page never reached the file


def test_a_real_slow_server_hits_the_read_timeout():
    server = StubServer(
        routes={"/slow": lambda h: (time.sleep(1.0), reply(h))},
    ).start()
    try:
        started = time.monotonic()
        with pytest.raises(outbound.OutboundTimeout):
            outbound.request("GET", f"{server.url}/slow", service="example", timeout=0.2, retry=outbound.NO_RETRY)
        assert time.monotonic() - started < 0.9
    finally:
        server.stop()


def test_total_timeout_on_a_real_endless_provider_stream():
    server = StubServer(routes={"/endless": stream_forever}).start()
    try:
        started = time.monotonic()
        with pytest.raises(outbound.OutboundTimeout):
            outbound.request("GET", f"{server.url}/endless", service="example", total_timeout=0.5)
        assert time.monotonic() - started < 3.0  # stopped; an endless stream would never end
    finally:
        server.stop()


def test_provider_client_joins_paths_and_merges_headers(waits):
    double = Double(httpx.Response(200))
    client = outbound.ProviderClient(
        service="elevenlabs", base_url="https://api.example.test/", headers={"xi-api-key": "k"}
    )
    with outbound.use_transport(httpx.MockTransport(double)):
        client.get("/v1/voices", headers={"Accept": "application/json"})
    sent = double.requests[0]
    assert str(sent.url) == "https://api.example.test/v1/voices"
    assert sent.headers["xi-api-key"] == "k" and sent.headers["accept"] == "application/json"


def test_uncaught_door_errors_become_the_api_envelope():
    from nexusone.api.exceptions import exception_handler

    response = exception_handler(outbound.OutboundTimeout(service="meta"), {})
    assert response.status_code == 504
    assert response.data["error"]["code"] == "provider_timeout"
    response = exception_handler(outbound.UnsafeURL("private_address"), {})
    assert response.status_code == 400 and response.data["error"]["details"] == {"reason": "private_address"}


# --- SDK transports ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lib", [httpx, httpx2])
def test_sdk_transport_logs_sets_user_agent_and_retries(lib, caplog, waits):
    caplog.set_level(logging.INFO, logger="nexusone.outbound")
    seen = []

    def handler(request):
        seen.append(request)
        if len(seen) == 1:
            return lib.Response(429, headers={"Retry-After": "1"})
        return lib.Response(200, json={"ok": True})

    transport = outbound.sdk_transport(
        service="openai",
        lib=lib.__name__,
        retry=outbound.RetryPolicy(attempts=2),
        inner=lib.MockTransport(handler),
        secrets=[TOKEN],
    )
    with lib.Client(transport=transport) as client:
        response = client.post(f"https://api.example.test/v1/chat?key={TOKEN}", json={"q": 1})
    assert response.json() == {"ok": True}
    assert len(seen) == 2 and seen[0].headers["user-agent"].startswith("NexusOne/")
    assert waits == [1.0]
    assert [r.outcome for r in caplog.records] == ["retry", "ok"]
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_sdk_transport_default_is_no_retry_so_sdks_do_not_retry_twice(waits):
    seen = []

    def handler(request):
        seen.append(request)
        return httpx2.Response(503)

    transport = outbound.sdk_transport(service="openai", lib="httpx2", inner=httpx2.MockTransport(handler))
    with httpx2.Client(transport=transport) as client:
        assert client.get("https://api.example.test/").status_code == 503
    assert len(seen) == 1 and waits == []
