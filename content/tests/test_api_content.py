"""POST /api/v1/content/generate and the history API: validation, credits,
refunds on provider failure (T21), Idempotency-Key (T17), filters, edits."""

from __future__ import annotations

import random

import pytest

from analytics.models import UsageEvent
from billing.models import Plan
from billing.services import plan_change
from content.gateway import use_provider
from content.models import Generation
from content.tests.conftest import balance, ledger_kinds, ledger_sum, ok, status, timeout, top_up
from content.tests.factories import make_generation
from nexusone.idempotency import idempotency_claim, request_fingerprint

pytestmark = pytest.mark.django_db

URL = "/api/v1/content/generate"
BODY = {"prompt": "Spring sale on handmade candles", "type": "marketing_copy", "language": "en", "tone": "persuasive",
        "length": "short"}  # fmt: skip


def _post(client, body=None, key="key-1", **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, body or BODY, format="json", **headers, **extra)


def test_offline_generation_answers_201_with_the_contract(world):
    a = world["A"]
    start = balance(a.workspace)
    response = _post(a.client("member"), {**BODY, "language": "he"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "text", "type", "language", "tone", "length", "provider", "credits_charged", "created_at"} <= set(
        body
    )
    assert (body["type"], body["language"], body["provider"], body["credits_charged"]) == (
        "marketing_copy", "he", "offline", 5,
    )  # fmt: skip
    assert any("\u0590" <= ch <= "\u05ff" for ch in body["text"])
    assert balance(a.workspace) == start - 5 == ledger_sum(a.workspace)
    event = UsageEvent.unscoped.get(workspace=a.workspace, module="content")
    assert event.success and event.credits == 5
    assert event.metadata["provider"] == "offline" and event.metadata["total_tokens"] > 0


def test_openai_generation_records_token_usage_on_the_usage_event(world, openai_double):
    a = world["A"]
    double = openai_double([ok("Light up spring: 20% off handmade candles.", prompt_tokens=55, completion_tokens=13)])
    with use_provider(double.provider()):
        response = _post(a.client("member"))
    assert response.status_code == 201
    assert response.json()["provider"] == "openai" and response.json()["usage"] == {
        "prompt_tokens": 55, "completion_tokens": 13,
    }  # fmt: skip
    event = UsageEvent.unscoped.get(workspace=a.workspace, module="content")
    assert event.metadata | {"total_tokens": 68, "model": "gpt-4o-mini", "provider": "openai"} == event.metadata


def test_429_then_success_is_charged_once(world, openai_double):
    a = world["A"]
    start = balance(a.workspace)
    double = openai_double([status(429, headers={"Retry-After": "1"}), ok("Candles!")])
    with use_provider(double.provider()):
        response = _post(a.client("member"))
    assert response.status_code == 201 and len(double.requests) == 2
    assert balance(a.workspace) == start - 5
    assert ledger_kinds(a.workspace, "content") == ["debit"]


@pytest.mark.parametrize(
    ("responses", "http_status", "code"),
    [
        ([status(500)], 502, "provider_error"),
        ([timeout()], 504, "provider_timeout"),
        (
            [ok("x").__class__(200, content=b"not json", headers={"content-type": "application/json"})],
            502,
            "provider_error",
        ),
    ],
    ids=["500", "timeout", "malformed"],
)
def test_provider_failures_answer_in_the_envelope_and_refund(world, openai_double, responses, http_status, code):
    a = world["A"]
    start = balance(a.workspace)
    with use_provider(openai_double(responses).provider()):
        response = _post(a.client("member"))
    assert response.status_code == http_status
    assert response.json()["error"]["code"] == code
    assert Generation.unscoped.filter(workspace=a.workspace).count() == 0
    # the failing provider cost nothing, and the ledger says so: one debit, one refund
    assert balance(a.workspace) == start == ledger_sum(a.workspace)
    assert ledger_kinds(a.workspace, "content") == ["debit", "refund"]
    failed = UsageEvent.unscoped.get(workspace=a.workspace, module="content")
    assert not failed.success and failed.metadata["error"] == code


def test_retry_with_the_same_key_after_a_refunded_failure_works_and_charges_once(world, openai_double):
    a = world["A"]
    start = balance(a.workspace)
    client = a.client("member")
    with use_provider(openai_double([status(503)]).provider(max_retries=0)):
        assert _post(client, key="retry-me").status_code == 502
    with use_provider(openai_double([ok("Second time lucky")]).provider()):
        response = _post(client, key="retry-me")
    assert response.status_code == 201 and response.json()["text"] == "Second time lucky"
    assert balance(a.workspace) == start - 5
    assert ledger_kinds(a.workspace, "content") == ["debit", "refund", "debit"]


def test_same_key_same_body_replays_the_response_and_charges_once(world, openai_double):
    a = world["A"]
    start = balance(a.workspace)
    double = openai_double([ok("Only once")])
    client = a.client("member")
    with use_provider(double.provider()):
        responses = [_post(client, key="same") for _ in range(5)]
    assert {r.status_code for r in responses} == {201}
    # JSON-equal (PostgreSQL's jsonb may store the replayed body's keys in another order)
    assert all(r.json() == responses[0].json() for r in responses)
    assert [r.headers.get("Idempotent-Replayed") for r in responses[1:]] == ["true"] * 4
    assert len(double.requests) == 1 and Generation.unscoped.filter(workspace=a.workspace).count() == 1
    assert balance(a.workspace) == start - 5


def test_same_key_with_another_body_is_422_and_missing_key_is_400(world):
    client = world["A"].client("member")
    assert _post(client, key="k").status_code == 201
    reused = _post(client, {**BODY, "prompt": "Something else"}, key="k")
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    missing = _post(client, key=None)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "idempotency_key_required"


def test_a_request_still_running_with_the_key_is_409_and_runs_nothing(world, rf):
    a = world["A"]
    member = a.users["member"]
    request = rf.post(URL, BODY, content_type="application/json")
    request.user, request.data = member, BODY
    idempotency_claim(
        workspace=a.workspace,
        key="busy",
        fingerprint=request_fingerprint(request),
        user=member,
        method="POST",
        path=URL,
    )
    start = balance(a.workspace)
    response = _post(a.client("member"), key="busy")
    assert response.status_code == 409 and response.json()["error"]["code"] == "idempotency_in_progress"
    assert balance(a.workspace) == start and not Generation.unscoped.exists()


def test_the_same_key_in_another_workspace_is_independent(world):
    assert _post(world["A"].client("member"), key="shared").status_code == 201
    assert _post(world["B"].client("member"), key="shared").status_code == 201
    assert Generation.unscoped.count() == 2


def test_not_enough_credits_is_402_and_the_provider_is_never_called(world, openai_double):
    a = world["A"]
    client = a.client("member")
    for index in range(10):  # 50 free credits / 5
        assert _post(client, {**BODY, "prompt": f"p{index}"}, key=f"k{index}").status_code == 201
    double = openai_double([ok("never")])
    with use_provider(double.provider()):
        response = _post(client, key="one-too-many")
    assert response.status_code == 402
    assert response.json()["error"]["details"] == {"needed": 5, "available": 0}
    assert double.requests == [] and Generation.unscoped.filter(workspace=a.workspace).count() == 10


@pytest.mark.parametrize("field", ["type", "language", "tone", "length"])
def test_invalid_enum_values_are_400_naming_the_field(world, field):
    response = _post(world["A"].client("member"), {**BODY, field: "klingon"}, key=f"bad-{field}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert list(response.json()["error"]["details"]) == [field]


def test_a_viewer_cannot_generate(world):
    response = _post(world["A"].client("viewer"))
    assert response.status_code == 403 and not Generation.unscoped.exists()


def test_refund_exactly_once_under_random_failures(world, openai_double):
    """T21 for generations: Σ(debits − refunds) = cost × successes; one refund per failure."""
    a = world["A"]
    # premium: ~50 API calls in a few seconds stay far below its 1000 requests per minute
    plan_change(workspace=a.workspace, plan=Plan.objects.get(key="premium"), reason="test", actor=None)
    top_up(a.workspace, 1000)
    start = balance(a.workspace)
    rng = random.Random(7)
    client = a.client("member")
    outcomes = {"ok": 0, "failed": 0}
    for index in range(30):
        kind = rng.choice(["ok", "500", "timeout", "malformed", "429-ok"])
        responses = {
            "ok": [ok(f"text {index}")],
            "500": [status(500)],
            "timeout": [timeout()],
            "malformed": [ok("x").__class__(200, content=b"{]", headers={"content-type": "application/json"})],
            "429-ok": [status(429), ok(f"text {index}")],
        }[kind]
        with use_provider(openai_double(responses).provider(max_retries=1)):
            response = _post(client, {**BODY, "prompt": f"job {index}"}, key=f"job-{index}")
        outcomes["ok" if response.status_code == 201 else "failed"] += 1
        # a failed job's key is released: a client retry must not be charged twice either
        if response.status_code != 201:
            with use_provider(openai_double([status(500)]).provider(max_retries=0)):
                assert _post(client, {**BODY, "prompt": f"job {index}"}, key=f"job-{index}").status_code == 502
    kinds = ledger_kinds(a.workspace, "content")
    assert kinds.count("debit") - kinds.count("refund") == outcomes["ok"]
    assert kinds.count("refund") == 2 * outcomes["failed"]  # the failure and its failed retry
    assert start - balance(a.workspace) == 5 * outcomes["ok"] == 5 * Generation.unscoped.count()
    assert ledger_sum(a.workspace) == balance(a.workspace)


# --- history -------------------------------------------------------------------------------------


def test_history_lists_filters_and_searches(world):
    a = world["A"]
    make_generation(a.workspace, type="email", language="ar", tone="casual", text="Ramadan offer")
    make_generation(a.workspace, type="blog_post", language="en", tone="informative", text="How to brew")
    make_generation(world["B"].workspace, type="email", language="ar", text="B's secret email")
    client = a.client("viewer")
    assert client.get("/api/v1/content/").json()["count"] == 2
    assert [g["text"] for g in client.get("/api/v1/content/?type=email").json()["results"]] == ["Ramadan offer"]
    assert client.get("/api/v1/content/?language=en&tone=informative").json()["count"] == 1
    assert [g["text"] for g in client.get("/api/v1/content/?search=brew").json()["results"]] == ["How to brew"]
    assert client.get("/api/v1/content/?search=' OR 1=1--").json()["count"] == 0
    invalid = client.get("/api/v1/content/?tone=shouty")
    assert invalid.status_code == 400 and "tone" in invalid.json()["error"]["details"]


def test_history_list_query_count_does_not_grow_with_rows(world, django_assert_max_num_queries):
    a = world["A"]
    client = a.client("viewer")
    make_generation(a.workspace)
    client.get("/api/v1/content/")  # warm the plan-limit cache
    for _ in range(15):
        make_generation(a.workspace)
    # membership (1) + billing plan rate (≤1) + count (1) + page (1): no per-row queries
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/content/").json()["count"] == 16


def test_retrieve_edit_and_delete(world):
    a = world["A"]
    generation = make_generation(a.workspace)
    member = a.client("member")
    url = f"/api/v1/content/{generation.pk}/"
    assert member.get(url).json()["text"] == generation.text
    edited = member.patch(url, {"text": "  Better words  "}, format="json")
    assert edited.status_code == 200 and edited.json()["text"] == "Better words" and edited.json()["edited_at"]
    assert member.patch(url, {"text": ""}, format="json").status_code == 400
    assert a.client("viewer").patch(url, {"text": "nope"}, format="json").status_code == 403
    assert world["B"].client("owner").get(url).status_code == 404
    assert member.delete(url).status_code == 204
    assert member.get(url).status_code == 404


def test_a_long_idempotency_key_still_allows_a_retry_after_a_failure(world, openai_double):
    a = world["A"]
    key = "k" * 255
    with use_provider(openai_double([status(500)]).provider(max_retries=0)):
        assert _post(a.client("member"), key=key).status_code == 502
    assert _post(a.client("member"), key=key).status_code == 201
    assert ledger_kinds(a.workspace, "content") == ["debit", "refund", "debit"]
