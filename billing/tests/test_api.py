"""Billing API: plans, credits, checkout/top-up/portal with roles, payments
not configured, Idempotency-Key (T17) and plan throttles (T23)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import responses
from django.core.cache import cache
from rest_framework.test import APIClient

from billing import services
from billing.models import BillingAccount, LedgerEntry, Plan
from billing.selectors import plan_requests_per_minute
from billing.tests import stripe_objects as so
from billing.tests.conftest import API
from billing.tests.factories import account, plan
from nexusone.idempotency import IdempotencyRecord

pytestmark = pytest.mark.django_db


def test_plans_list_the_spec_table_in_the_callers_language(world):
    client = world["A"].client("viewer")
    body = client.get("/api/v1/billing/plans").json()
    assert [p["key"] for p in body] == ["free", "pro", "premium"]
    pro = body[1]
    assert pro["name"] == "Pro" and pro["price"] == "97.00" and pro["currency"] == "USD" and pro["credits"] == 500
    assert pro["price_display"] == "$97.00"
    assert pro["quotas"] == {
        "videos_per_month": 20,
        "landing_pages": 20,
        "whatsapp_numbers": 5,
        "api_requests_per_minute": 300,
    }
    assert body[2]["quotas"]["landing_pages"] is None  # unlimited
    assert [p["is_current"] for p in body] == [True, False, False]
    spanish = client.get("/api/v1/billing/plans", HTTP_ACCEPT_LANGUAGE="es").json()
    assert spanish[0]["name"] == "Gratis" and "créditos" in spanish[0]["description"]
    hebrew = client.get("/api/v1/billing/plans", HTTP_ACCEPT_LANGUAGE="he").json()
    assert hebrew[0]["name"] == "חינם"


def test_credits_show_the_split_and_the_ledger_newest_first_with_cursor_pages(world):
    ws = world["A"].workspace
    account(ws, plan_credits=40, purchased_credits=25)
    for n in range(30):
        services.credits_purchase(workspace=ws, credits=1, idempotency_key=f"p{n}")
    client = world["A"].client("viewer")
    body = client.get("/api/v1/billing/credits?page_size=10").json()
    assert (body["balance"], body["plan_credits"], body["purchased_credits"]) == (95, 40, 55)
    assert body["plan"] == "free" and body["status"] == "active" and body["period_end"]
    assert len(body["transactions"]) == 10 and body["next"]
    ids = [t["id"] for t in body["transactions"]]
    assert ids == sorted(ids, reverse=True)
    assert body["transactions"][0]["kind"] == "purchase" and body["transactions"][0]["balance_after"] == 95
    older = client.get(body["next"]).json()
    assert max(t["id"] for t in older["transactions"]) < min(ids)
    total = LedgerEntry.unscoped.filter(workspace=ws).count()
    assert total == 32  # opening grant, one adjustment, 30 purchases
    assert len(client.get("/api/v1/billing/credits?page_size=1000000").json()["transactions"]) == total  # capped at 200


def test_billing_reads_are_scoped_to_the_callers_workspace(world):
    account(world["B"].workspace, purchased_credits=777)
    body = world["A"].client("owner").get("/api/v1/billing/credits").json()
    # compared as values: "777" could appear inside a timestamp's microseconds
    assert body["purchased_credits"] == 0 and 777 not in [v for v in body.values() if isinstance(v, int)]
    intruder = APIClient()
    intruder.force_authenticate(world["B"].users["owner"])
    response = intruder.get("/api/v1/billing/credits", HTTP_X_WORKSPACE=str(world["A"].workspace.pk))
    assert response.status_code == 404


def test_me_reports_plan_and_credits_from_billing(world):
    body = world["A"].client("member").get("/api/v1/me").json()
    assert body["plan"] == "free" and body["credits"] == 50 and body["plan_name"] == "Free"


# --- checkout, top-up, portal -------------------------------------------------------------


def _checkout(client, body=None, key="key-1", **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/billing/checkout", body or {"plan": "pro"}, format="json", **headers, **extra)


def test_only_owners_start_a_checkout_or_open_the_portal(world, stripe_on):
    for role in ("viewer", "member", "admin"):
        client = world["A"].client(role)
        assert _checkout(client).status_code == 403, role
        assert client.post("/api/v1/billing/topup", {"pack": "starter"}, format="json").status_code == 403
        assert client.get("/api/v1/billing/portal").status_code == 403


def test_without_a_stripe_key_payments_answer_not_configured(world, settings):
    settings.STRIPE_SECRET_KEY = ""
    owner = world["A"].client("owner")
    for response in (
        _checkout(owner),
        owner.post("/api/v1/billing/topup", {"pack": "starter"}, format="json", HTTP_IDEMPOTENCY_KEY="t"),
        owner.get("/api/v1/billing/portal"),
    ):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "payments_not_configured"


def _mock_checkout(mock, *, url="https://checkout.stripe.test/c/cs_1"):
    mock.upsert(responses.POST, f"{API}/v1/customers", json={"id": "cus_new", "object": "customer"})
    return mock.upsert(
        responses.POST, f"{API}/v1/checkout/sessions", json={"id": "cs_1", "object": "checkout.session", "url": url}
    )


def test_checkout_creates_a_subscription_session_for_the_plan_price(world, stripe_api):
    so.link_prices()
    sessions = _mock_checkout(stripe_api)
    response = _checkout(world["A"].client("owner"))
    assert response.status_code == 200, response.content
    assert response.json() == {"url": "https://checkout.stripe.test/c/cs_1"}
    sent = sessions.calls[0].request
    form = sent.body if isinstance(sent.body, str) else sent.body.decode()
    assert "mode=subscription" in form and "price_pro" in form
    assert f"client_reference_id={world['A'].workspace.pk}" in form
    assert sent.headers["Idempotency-Key"].endswith("key-1")
    assert BillingAccount.unscoped.get(workspace=world["A"].workspace).stripe_customer_id == "cus_new"


def test_the_same_idempotency_key_replays_the_first_response_and_calls_stripe_once(world, stripe_api):
    so.link_prices()
    sessions = _mock_checkout(stripe_api)
    owner = world["A"].client("owner")
    responses_ = [_checkout(owner, key="same") for _ in range(5)]
    assert {r.status_code for r in responses_} == {200}
    assert len({r.content for r in responses_}) == 1
    assert [r.headers.get("Idempotent-Replayed") for r in responses_] == [None] + ["true"] * 4
    assert len(sessions.calls) == 1
    reused = _checkout(owner, {"plan": "premium"}, key="same")
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    missing = _checkout(owner, key=None)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "idempotency_key_required"
    # the same key in another workspace is an independent request
    account(world["B"].workspace)
    assert _checkout(world["B"].client("owner"), key="same").status_code == 200
    assert len(sessions.calls) == 2


def test_a_request_still_in_flight_with_the_key_gets_409(world, stripe_api):
    from datetime import timedelta

    from django.utils import timezone

    so.link_prices()
    _mock_checkout(stripe_api)
    owner = world["A"].client("owner")
    from nexusone.idempotency import request_fingerprint  # noqa: F401  (the fingerprint is internal)

    first = _checkout(owner, key="inflight")
    record = IdempotencyRecord.unscoped.get(key="inflight")
    IdempotencyRecord.unscoped.filter(pk=record.pk).update(
        state="in_progress", locked_until=timezone.now() + timedelta(seconds=60)
    )
    response = _checkout(owner, key="inflight")
    assert response.status_code == 409 and response.json()["error"]["code"] == "idempotency_in_progress"
    assert first.status_code == 200


def test_errors_are_stored_and_replayed_too(world, stripe_api):
    owner = world["A"].client("owner")
    first = _checkout(owner, {"plan": "nope"}, key="bad")
    again = _checkout(owner, {"plan": "nope"}, key="bad")
    assert first.status_code == again.status_code == 400
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"


def test_checkout_refuses_what_cannot_be_bought(world, stripe_api):
    owner = world["A"].client("owner")
    assert _checkout(owner, {"plan": "free"}, key="a").status_code == 400
    assert _checkout(owner, {"plan": "pro"}, key="b").json()["error"]["code"] == "plan_not_purchasable"
    so.link_prices()
    ws = world["A"].workspace
    services.plan_change(workspace=ws, plan=plan("pro"), reason="test", actor=None)
    assert _checkout(owner, {"plan": "pro"}, key="c").json()["error"]["code"] == "already_on_plan"
    BillingAccount.unscoped.filter(workspace=ws).update(
        stripe_subscription_id="sub_1", stripe_subscription_status="active"
    )
    assert _checkout(owner, {"plan": "premium"}, key="d").json()["error"]["code"] == "subscription_exists"


def test_top_up_sells_a_pack_with_its_credits_in_the_metadata(world, stripe_api):
    sessions = _mock_checkout(stripe_api, url="https://checkout.stripe.test/c/cs_top")
    owner = world["A"].client("owner")
    response = owner.post("/api/v1/billing/topup", {"pack": "growth"}, format="json", HTTP_IDEMPOTENCY_KEY="t1")
    assert response.status_code == 200 and response.json()["url"].endswith("cs_top")
    form = sessions.calls[0].request.body
    form = form if isinstance(form, str) else form.decode()
    assert "mode=payment" in form and "metadata[credits]=500" in form.replace("%5B", "[").replace("%5D", "]")
    unknown = owner.post("/api/v1/billing/topup", {"pack": "nope"}, format="json", HTTP_IDEMPOTENCY_KEY="t2")
    assert unknown.status_code == 400


def test_portal_returns_the_stripe_session_url(world, stripe_api):
    stripe_api.upsert(responses.POST, f"{API}/v1/customers", json={"id": "cus_p", "object": "customer"})
    stripe_api.upsert(
        responses.POST,
        f"{API}/v1/billing_portal/sessions",
        json={"id": "bps_1", "url": "https://billing.stripe.test/p"},
    )
    response = world["A"].client("owner").get("/api/v1/billing/portal")
    assert response.status_code == 200 and response.json() == {"url": "https://billing.stripe.test/p"}


def test_stripe_failures_are_a_502_envelope_not_a_500(world, stripe_api):
    so.link_prices()
    stripe_api.upsert(responses.POST, f"{API}/v1/customers", status=500, json={"error": {"message": "down"}})
    response = _checkout(world["A"].client("owner"), key="down")
    assert response.status_code == 502 and response.json()["error"]["code"] == "payment_provider_error"
    assert not IdempotencyRecord.unscoped.filter(key="down").exists()  # a retry may try again


# --- T23: plan throttles ----------------------------------------------------------------------


def test_the_api_rate_follows_the_plan_and_429_carries_retry_after(world, django_capture_on_commit_callbacks):
    ws = world["A"].workspace
    Plan.objects.filter(key="free").update(api_requests_per_minute=5)
    Plan.objects.filter(key="pro").update(api_requests_per_minute=8)
    account(ws)
    cache.clear()
    client = world["A"].client("viewer")
    codes = [client.get("/api/v1/billing/credits").status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    limited = client.get("/api/v1/billing/credits")
    assert limited.json()["error"]["code"] == "rate_limited" and int(limited["Retry-After"]) >= 1
    with django_capture_on_commit_callbacks(execute=True):  # the cached limit is dropped after commit
        services.plan_change(workspace=ws, plan=plan("pro"), reason="upgrade", actor=None)
    assert plan_requests_per_minute(workspace=ws) == 8
    cache.clear()  # a new window
    codes = [client.get("/api/v1/billing/credits").status_code for _ in range(9)]
    assert codes == [200] * 8 + [429]


def test_the_plan_limit_lookup_is_cached_and_never_writes(world, django_assert_num_queries):
    ws = world["B"].workspace  # no billing account yet
    cache.clear()
    with django_assert_num_queries(2):  # account's plan (none yet), then the default plan
        assert plan_requests_per_minute(workspace=ws) == 60
    with django_assert_num_queries(0):
        assert plan_requests_per_minute(workspace=ws) == 60
    assert not BillingAccount.unscoped.filter(workspace=ws).exists()


def test_plan_prices_are_decimal_in_the_database():
    assert Plan.objects.get(key="premium").price == Decimal("297.00")


def test_fifty_concurrent_clients_never_get_more_than_the_plan_rate(world):
    """T23: 3×L requests from 50 threads within one window → exactly L accepted."""
    import datetime as dt
    from types import SimpleNamespace

    import time_machine

    from billing.tests.concurrency import run_together
    from nexusone.api.throttles import WorkspacePlanThrottle

    ws = world["A"].workspace
    Plan.objects.filter(key="free").update(api_requests_per_minute=40)
    account(ws)
    cache.clear()
    request = SimpleNamespace(workspace=ws, user=None)
    with time_machine.travel(dt.datetime(2030, 1, 1, 12, 0, 10, tzinfo=dt.UTC), tick=False):  # one window
        assert plan_requests_per_minute(workspace=ws) == 40  # warm: the threads read the limit from the cache
        results = run_together(
            50, lambda i: sum(WorkspacePlanThrottle().allow_request(request, None) for _ in range(3 if i < 20 else 2))
        )
    assert all(kind == "ok" for kind, _ in results), results
    assert sum(value for _, value in results) == 40  # 120 requests, 40 accepted, overshoot 0
