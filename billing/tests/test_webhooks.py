"""Stripe webhooks: T13 (authenticity), T14 (duplicates, one grant per
invoice / session), T15 (out-of-order delivery), past_due and downgrade."""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import timedelta

import pytest
import responses
from django.utils import timezone
from packaging.version import Version

from accounts.tests.factories import UserFactory, WorkspaceFactory
from billing import services
from billing.models import BillingAccount, LedgerEntry, StripeEvent
from billing.tests import stripe_objects as so
from billing.tests.conftest import API, deliver, sign
from billing.tests.factories import account, assert_ledger_matches

pytestmark = pytest.mark.django_db


@pytest.fixture
def prices(stripe_on):
    return so.link_prices()


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """Deliver a signed event and run what it enqueued after commit."""

    def _post(event, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return deliver(client, event, **kwargs)

    return _post


def customer_workspace(customer: str, owner=None):
    workspace = WorkspaceFactory(owner=owner) if owner else WorkspaceFactory()
    acct = account(workspace)
    BillingAccount.unscoped.filter(pk=acct.pk).update(stripe_customer_id=customer)
    return workspace


def serve_subscription(mock, data: dict):
    mock.upsert(responses.GET, f"{API}/v1/subscriptions/{data['id']}", json=data)


# --- T13: authenticity ----------------------------------------------------------------


def test_dj_stripe_is_at_least_2_8_which_fixed_webhook_forgery():
    from djstripe.apps import __version__

    assert Version(__version__) >= Version("2.8")


def test_unsigned_or_forged_deliveries_are_refused_and_change_nothing(client, stripe_api, prices):
    ws = customer_workspace("cus_forged")
    invoice = so.invoice("in_forged", "cus_forged", "sub_forged", prices["pro"])
    body = json.dumps(so.event("invoice.paid", invoice))
    now = int(time.time())
    attempts = {
        "no signature": {},
        "wrong secret": {"HTTP_STRIPE_SIGNATURE": sign(body, secret="whsec_attacker")},
        "stale by 301 s": {"HTTP_STRIPE_SIGNATURE": sign(body, timestamp=now - 301)},
        "garbage header": {"HTTP_STRIPE_SIGNATURE": "t=abc,v1=nothing"},
        "dj-stripe header trick": {"HTTP_X_DJSTRIPE_WEBHOOK_SECRET": "whsec_attacker"},
    }
    for label, headers in attempts.items():
        response = client.post("/webhooks/stripe/", body, content_type="application/json", **headers)
        assert response.status_code == 400, label
        assert response.json()["error"]["code"] == "invalid_signature", label
    signature = sign(body)
    tampered = body.replace('"in_forged"', '"in_forgee"')
    response = client.post(
        "/webhooks/stripe/", tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert not LedgerEntry.unscoped.filter(workspace=ws, idempotency_key__startswith="invoice:").exists()
    assert not stripe_api.calls  # nothing was even looked up


def test_signed_junk_is_refused(client, stripe_on):
    for body in ("not json", json.dumps({"id": "nope", "type": "x", "data": {"object": {}}}), json.dumps([1])):
        response = client.post(
            "/webhooks/stripe/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body)
        )
        assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_without_a_webhook_secret_every_delivery_is_refused(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    body = json.dumps(so.event("invoice.paid", {"id": "in_1"}))
    response = client.post("/webhooks/stripe/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body))
    assert response.status_code == 400 and response.json()["error"]["code"] == "webhooks_not_configured"
    assert not StripeEvent.objects.exists()


def test_dj_stripes_own_webhook_route_is_not_mounted(client, stripe_on):
    assert client.post(f"/stripe/webhook/{uuid.uuid4()}/", "{}", content_type="application/json").status_code == 404
    assert client.get("/webhooks/stripe/").status_code == 405


# --- T14: duplicates and one grant per invoice -------------------------------------------


def test_a_signed_invoice_paid_delivered_three_times_grants_once(post, stripe_api, prices):
    ws = customer_workspace("cus_3x")
    serve_subscription(stripe_api, so.subscription("sub_3x", "cus_3x", "active", prices["pro"]))
    event = so.event("invoice.paid", so.invoice("in_3x", "cus_3x", "sub_3x", prices["pro"]))
    bodies = [post(event) for _ in range(3)]
    assert [b.status_code for b in bodies] == [200, 200, 200]
    assert [b.json()["duplicate"] for b in bodies] == [False, True, True]
    assert StripeEvent.objects.get().status == "processed"
    grants = LedgerEntry.unscoped.filter(workspace=ws, idempotency_key="invoice:in_3x")
    assert grants.count() == 1 and grants.get().amount == 500
    acct = assert_ledger_matches(ws)
    assert (acct.plan.key, acct.status, acct.plan_credits) == ("pro", "active", 500)


def test_the_same_invoice_in_two_different_events_still_grants_once(post, stripe_api, prices):
    ws = customer_workspace("cus_2ev")
    serve_subscription(stripe_api, so.subscription("sub_2ev", "cus_2ev", "active", prices["pro"]))
    invoice = so.invoice("in_2ev", "cus_2ev", "sub_2ev", prices["pro"])
    post(so.event("invoice.paid", invoice))
    post(so.event("invoice.paid", invoice))  # Stripe may resend as a new event id
    assert LedgerEntry.unscoped.filter(workspace=ws, kind="grant", reference="in_2ev").count() == 1
    assert assert_ledger_matches(ws).plan_credits == 500


def test_checkout_completed_and_invoice_paid_for_one_subscription_grant_once(post, stripe_api, prices):
    ws = WorkspaceFactory()
    account(ws)
    serve_subscription(
        stripe_api, so.subscription("sub_co", "cus_co", "active", prices["pro"], metadata={"workspace_id": str(ws.pk)})
    )
    session = so.checkout_session(
        "cs_co", ws.pk, "cus_co", mode="subscription", subscription="sub_co", kind="subscription"
    )
    post(so.event("checkout.session.completed", session))
    post(so.event("invoice.paid", so.invoice("in_co", "cus_co", "sub_co", prices["pro"])))
    acct = assert_ledger_matches(ws)
    assert acct.stripe_customer_id == "cus_co" and acct.stripe_subscription_id == "sub_co"
    assert LedgerEntry.unscoped.filter(workspace=ws, kind="grant", idempotency_key__startswith="invoice:").count() == 1
    assert (acct.plan.key, acct.plan_credits, acct.purchased_credits) == ("pro", 500, 0)


def test_a_paid_top_up_session_adds_purchased_credits_once(post, stripe_api, prices):
    ws = WorkspaceFactory()
    account(ws)
    session = so.checkout_session(
        "cs_top", ws.pk, "cus_top", mode="payment", kind="topup", pack="growth", credits="500"
    )
    for _ in range(2):
        post(so.event("checkout.session.completed", session))
    acct = assert_ledger_matches(ws)
    assert (acct.plan_credits, acct.purchased_credits) == (50, 500)
    assert LedgerEntry.unscoped.get(workspace=ws, kind="purchase").idempotency_key == "checkout:cs_top"


def test_an_unpaid_session_grants_nothing_until_its_async_payment_succeeds(post, stripe_api, prices):
    ws = WorkspaceFactory()
    account(ws)
    pending = so.checkout_session("cs_async", ws.pk, "cus_a", mode="payment", paid=False, kind="topup", credits="100")
    post(so.event("checkout.session.completed", pending))
    assert assert_ledger_matches(ws).purchased_credits == 0
    paid = so.checkout_session("cs_async", ws.pk, "cus_a", mode="payment", kind="topup", credits="100")
    post(so.event("checkout.session.async_payment_succeeded", paid))
    assert assert_ledger_matches(ws).purchased_credits == 100


def test_a_session_naming_another_customers_workspace_is_ignored(post, stripe_api, prices):
    ws = customer_workspace("cus_owner")
    hijack = so.checkout_session("cs_hijack", ws.pk, "cus_attacker", mode="payment", kind="topup", credits="2000")
    post(so.event("checkout.session.completed", hijack))
    assert assert_ledger_matches(ws).purchased_credits == 0
    assert StripeEvent.objects.get().status == "ignored"


def test_unknown_event_types_are_stored_and_ignored(post, stripe_on):
    assert post(so.event("customer.created", {"id": "cus_x", "object": "customer"})).status_code == 200
    assert StripeEvent.objects.get().status == "ignored"


def test_a_failed_processing_is_retried_later_and_takes_effect_once(post, stripe_api, prices):
    from billing.tasks import stripe_events_retry

    ws = customer_workspace("cus_retry")
    stripe_api.upsert(responses.GET, f"{API}/v1/subscriptions/sub_retry", status=500, json={"error": {"message": "x"}})
    event = so.event("invoice.paid", so.invoice("in_retry", "cus_retry", "sub_retry", prices["pro"]))
    assert post(event).status_code == 200  # stored; Stripe will not resend it
    stored = StripeEvent.objects.get()
    assert stored.status == "failed" and stored.attempts >= 1
    serve_subscription(stripe_api, so.subscription("sub_retry", "cus_retry", "active", prices["pro"]))
    StripeEvent.objects.filter(pk=stored.pk).update(next_attempt_at=timezone.now())
    assert stripe_events_retry.delay().get() == 1
    assert StripeEvent.objects.get().status == "processed"
    assert stripe_events_retry.delay().get() == 0
    assert LedgerEntry.unscoped.filter(workspace=ws, idempotency_key="invoice:in_retry").count() == 1


# --- T15: out of order ---------------------------------------------------------------------


def _lifecycle(tag: str, customer: str, price: str) -> tuple[list[dict], dict]:
    """created, updated ×2, invoice.paid, invoice.payment_failed, deleted — and
    the subscription's final state, which the Stripe double returns."""
    sub_id = f"sub_{tag}"
    start = int(time.time()) - 60
    snapshot = lambda status, **kw: so.subscription(sub_id, customer, status, price, start=start, **kw)  # noqa: E731
    events = [
        so.event("customer.subscription.created", snapshot("incomplete")),
        so.event("customer.subscription.updated", snapshot("active")),
        so.event("customer.subscription.updated", snapshot("active", cancel_at_period_end=True)),
        so.event("invoice.paid", so.invoice(f"in_{tag}", customer, sub_id, price, start=start)),
        so.event("invoice.payment_failed", so.invoice(f"in_{tag}_2", customer, sub_id, price, status="open")),
        so.event("customer.subscription.deleted", snapshot("canceled")),
    ]
    return events, snapshot("canceled")


def test_fifty_permutations_of_a_subscription_lifecycle_end_in_the_same_state(post, stripe_api, prices):
    rng = random.Random(15)
    finals = set()
    owner = UserFactory(personal_workspace=False)
    for trial in range(50):
        customer = f"cus_perm{trial}"
        ws = customer_workspace(customer, owner=owner)
        events, final = _lifecycle(f"perm{trial}", customer, prices["pro"])
        serve_subscription(stripe_api, final)
        for index in rng.sample(range(6), 6):
            assert post(events[index]).status_code == 200
        acct = assert_ledger_matches(ws)
        grants = LedgerEntry.unscoped.filter(workspace=ws, idempotency_key=f"invoice:in_perm{trial}")
        assert grants.count() == 1
        finals.add((acct.plan.key, acct.status, acct.stripe_subscription_status, acct.balance, acct.plan_credits))
    assert finals == {("free", "canceled", "canceled", 50, 50)}


def test_a_lifecycle_delivered_live_moves_through_pro_past_due_and_back_to_free(post, stripe_api, prices):
    """The same events in order, with Stripe answering the state of the moment."""
    customer = "cus_live"
    ws = customer_workspace(customer)
    events, _final = _lifecycle("live", customer, prices["pro"])
    states = [event["data"]["object"] for event in events]
    observed = []
    for index, event in enumerate(events):
        if event["type"].startswith("invoice."):
            current = dict(
                states[index - 1] if index != 4 else states[2], status="active" if index == 3 else "past_due"
            )
        else:
            current = states[index]
        serve_subscription(stripe_api, current)
        post(event)
        acct = assert_ledger_matches(ws)
        observed.append((acct.plan.key, acct.status, acct.plan_credits))
    assert observed == [
        ("free", "active", 50),  # incomplete: waiting for the first payment
        ("pro", "active", 50),  # active: plan switches, credits come with the invoice
        ("pro", "active", 50),  # cancel at period end scheduled
        ("pro", "active", 500),  # invoice.paid: free credits expire, pro credits granted
        ("pro", "past_due", 500),  # renewal payment failed: grace period
        ("free", "canceled", 50),  # deleted: pro credits expire, free period starts
    ]
    kinds = list(LedgerEntry.unscoped.filter(workspace=ws).order_by("created_at", "id").values_list("kind", "amount"))
    assert kinds == [("grant", 50), ("expiry", -50), ("grant", 500), ("expiry", -500), ("grant", 50)]


def test_past_due_keeps_the_plan_until_the_grace_period_ends_then_falls_to_free(post, stripe_api, prices, settings):
    settings.BILLING_GRACE_PERIOD_DAYS = 7
    ws = customer_workspace("cus_grace")
    serve_subscription(stripe_api, so.subscription("sub_grace", "cus_grace", "active", prices["premium"]))
    post(so.event("invoice.paid", so.invoice("in_g1", "cus_grace", "sub_grace", prices["premium"])))
    serve_subscription(stripe_api, so.subscription("sub_grace", "cus_grace", "past_due", prices["premium"]))
    post(so.event("invoice.payment_failed", so.invoice("in_g2", "cus_grace", "sub_grace", prices["premium"])))
    acct = BillingAccount.unscoped.get(workspace=ws)
    assert (acct.plan.key, acct.status) == ("premium", "past_due")
    assert timedelta(days=6) < acct.grace_period_end - timezone.now() <= timedelta(days=7)
    assert services.billing_periods_tick(now=timezone.now() + timedelta(days=6)) == {"renewed": 0, "downgraded": 0}
    assert services.billing_periods_tick(now=timezone.now() + timedelta(days=8))["downgraded"] == 1
    acct = assert_ledger_matches(ws)
    assert (acct.plan.key, acct.status, acct.plan_credits) == ("free", "canceled", 50)
    # the customer pays after all: Stripe reactivates, the next invoice restores the plan
    serve_subscription(stripe_api, so.subscription("sub_grace", "cus_grace", "active", prices["premium"]))
    post(so.event("invoice.paid", so.invoice("in_g3", "cus_grace", "sub_grace", prices["premium"])))
    acct = assert_ledger_matches(ws)
    assert (acct.plan.key, acct.status, acct.plan_credits) == ("premium", "active", 2000)


def test_legacy_payload_shapes_are_understood(post, stripe_api, prices):
    ws = customer_workspace("cus_old")
    serve_subscription(stripe_api, so.subscription("sub_old", "cus_old", "active", prices["pro"], legacy=True))
    post(so.event("invoice.paid", so.invoice("in_old", "cus_old", "sub_old", prices["pro"], legacy=True)))
    acct = assert_ledger_matches(ws)
    assert (acct.plan.key, acct.plan_credits) == ("pro", 500)
    assert acct.current_period_end > timezone.now() + timedelta(days=29)
