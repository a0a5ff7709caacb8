"""T17 under concurrency (PostgreSQL): ten simultaneous first requests with
one key → one Stripe call; the others see 409 or the replay, never a second
execution."""

from __future__ import annotations

import pytest
import responses
from rest_framework.test import APIClient

from accounts.tests.factories import WorkspaceFactory
from billing.tests import stripe_objects as so
from billing.tests.concurrency import run_together
from billing.tests.conftest import API, postgres_only
from billing.tests.factories import account

pytestmark = [postgres_only, pytest.mark.usefixtures("committed")]


def test_ten_concurrent_checkouts_with_one_key_call_stripe_once(stripe_api):
    so.link_prices()
    ws = WorkspaceFactory()
    account(ws)
    stripe_api.upsert(responses.POST, f"{API}/v1/customers", json={"id": "cus_c", "object": "customer"})
    sessions = stripe_api.upsert(
        responses.POST, f"{API}/v1/checkout/sessions", json={"id": "cs_c", "url": "https://checkout.stripe.test/cs_c"}
    )

    def post(_index):
        client = APIClient()
        client.force_authenticate(ws.owner)
        response = client.post(
            "/api/v1/billing/checkout", {"plan": "pro"}, format="json",
            HTTP_X_WORKSPACE=str(ws.pk), HTTP_IDEMPOTENCY_KEY="one-click",
        )  # fmt: skip
        return response.status_code, response.json()

    results = run_together(10, post)
    assert all(kind == "ok" for kind, _ in results), results
    statuses = sorted(status for _, (status, _body) in results)
    assert set(statuses) <= {200, 409} and 200 in statuses
    assert {body["url"] for _, (status, body) in results if status == 200} == {"https://checkout.stripe.test/cs_c"}
    assert len(sessions.calls) == 1
