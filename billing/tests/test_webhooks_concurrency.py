"""T14 under real concurrency (PostgreSQL): simultaneous deliveries of one
event, and the webhook racing the success page. Data is committed (threads
use their own connections), so this module has no `django_db` mark."""

from __future__ import annotations

import uuid

import pytest
import responses
from django.test import Client

from accounts.tests.factories import WorkspaceFactory
from billing.models import LedgerEntry, StripeEvent
from billing.tests import stripe_objects as so
from billing.tests.concurrency import run_together
from billing.tests.conftest import API, deliver, postgres_only
from billing.tests.factories import account, assert_ledger_matches
from billing.tests.test_webhooks import customer_workspace, serve_subscription

pytestmark = [postgres_only, pytest.mark.usefixtures("committed")]


@pytest.fixture
def prices(stripe_on):
    return so.link_prices()


def test_five_concurrent_deliveries_of_one_event_grant_once(stripe_api, prices):
    ws = customer_workspace("cus_5x")
    serve_subscription(stripe_api, so.subscription("sub_5x", "cus_5x", "active", prices["pro"]))
    event = so.event("invoice.paid", so.invoice("in_5x", "cus_5x", "sub_5x", prices["pro"]))
    results = run_together(5, lambda _i: deliver(Client(), event).status_code)
    assert results == [("ok", 200)] * 5
    assert StripeEvent.objects.filter(stripe_id=event["id"]).count() == 1
    assert LedgerEntry.unscoped.filter(workspace=ws, idempotency_key="invoice:in_5x").count() == 1
    assert assert_ledger_matches(ws).plan_credits == 500


def test_webhook_and_success_page_racing_fulfil_a_top_up_once(stripe_api, prices):
    for trial in range(20):
        ws = WorkspaceFactory()
        account(ws)
        session_id = f"cs_race_{trial}_{uuid.uuid4().hex[:6]}"
        session = so.checkout_session(
            session_id, ws.pk, f"cus_race{trial}", mode="payment", kind="topup", credits="100"
        )
        stripe_api.upsert(responses.GET, f"{API}/v1/checkout/sessions/{session_id}", json=session)
        event = so.event("checkout.session.completed", session)

        def act(index, ws=ws, session_id=session_id, event=event):
            client = Client()
            if index == 0:
                return deliver(client, event).status_code
            client.force_login(ws.owner)
            return client.get(f"/en/w/{ws.slug}/billing/?checkout=success&session_id={session_id}").status_code

        results = run_together(2, act)
        assert results == [("ok", 200), ("ok", 302)], results
        assert LedgerEntry.unscoped.filter(workspace=ws, kind="purchase").count() == 1, trial
        assert assert_ledger_matches(ws).purchased_credits == 100
