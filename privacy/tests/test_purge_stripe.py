"""A deleted workspace's Stripe subscription is canceled before the purge,
against the Stripe double (`responses` answering the SDK with Stripe's
documented objects and errors)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from accounts.models import Workspace
from billing.models import BillingAccount
from billing.services import plans_ensure_defaults
from billing.tests.conftest import API, STRIPE_KEY
from billing.tests.factories import make_account
from billing.tests.stripe_objects import subscription
from privacy import services
from privacy.models import WorkspaceDeletion

pytestmark = pytest.mark.django_db

SUB = "sub_1PurgeTest000000000000"
CANCEL_URL = f"{API}/v1/subscriptions/{SUB}"
LATER = timedelta(days=8)


@pytest.fixture
def stripe_api(settings):
    settings.STRIPE_SECRET_KEY = STRIPE_KEY
    settings.STRIPE_API_HOST = API
    settings.STRIPE_MAX_NETWORK_RETRIES = 0  # the purge's own retry is under test, not the SDK's
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def run_commit_hooks(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _subscribed_and_deleted(tenant) -> WorkspaceDeletion:
    plans_ensure_defaults()
    make_account(tenant.workspace)
    BillingAccount.unscoped.filter(workspace=tenant.workspace).update(
        stripe_customer_id="cus_PurgeTest", stripe_subscription_id=SUB, stripe_subscription_status="active"
    )
    return services.deletion_request(
        workspace=tenant.workspace, user=tenant.users["owner"], role="owner", confirm=tenant.workspace.slug
    )


def _canceled() -> dict:
    body = subscription(SUB, "cus_PurgeTest", "canceled", "price_pro")
    now = int(timezone.now().timestamp())
    body.update(canceled_at=now, ended_at=now, cancellation_details={"comment": None, "feedback": None,
                "reason": "cancellation_requested"})  # fmt: skip
    return body


def test_a_stripe_500_leaves_everything_for_the_next_run_which_cancels_then_purges(world, stripe_api):
    a = world["A"]
    deletion = _subscribed_and_deleted(a)
    stripe_api.add(
        responses.DELETE,
        CANCEL_URL,
        status=500,
        json={"error": {"message": "An unknown error occurred", "type": "api_error"}},
    )
    assert services.purge_due(now=timezone.now() + LATER) == 0
    deletion.refresh_from_db()
    assert deletion.status == WorkspaceDeletion.Status.PENDING
    assert deletion.steps["subscription_attempts"] == 1 and "subscription" not in deletion.steps
    # Nothing was deleted: the subscription id is still there to cancel.
    assert Workspace.objects.filter(pk=a.workspace.pk).exists()
    assert BillingAccount.unscoped.get(workspace=a.workspace).stripe_subscription_id == SUB

    stripe_api.replace(responses.DELETE, CANCEL_URL, json=_canceled())
    assert services.purge_due(now=timezone.now() + LATER) == 1
    deletion.refresh_from_db()
    assert deletion.status == WorkspaceDeletion.Status.PURGED
    assert deletion.steps["subscription"] == "canceled" and "subscription_error" not in deletion.steps
    assert not Workspace.objects.filter(pk=a.workspace.pk).exists()
    cancels = [c for c in stripe_api.calls if c.request.method == "DELETE"]
    assert [c.request.url for c in cancels] == [CANCEL_URL, CANCEL_URL]
    assert cancels[0].request.headers["Authorization"] == f"Bearer {STRIPE_KEY}"


def test_a_stripe_404_counts_as_canceled(world, stripe_api):
    """Stripe says "No such subscription" for one already canceled (in the
    portal, or by a run whose answer was lost): nothing is billed any more."""
    a = world["A"]
    deletion = _subscribed_and_deleted(a)
    stripe_api.add(
        responses.DELETE,
        CANCEL_URL,
        status=404,
        json={
            "error": {
                "code": "resource_missing",
                "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
                "message": f"No such subscription: '{SUB}'",
                "param": "id",
                "type": "invalid_request_error",
            }
        },
    )
    assert services.purge_due(now=timezone.now() + LATER) == 1
    deletion.refresh_from_db()
    assert deletion.status == WorkspaceDeletion.Status.PURGED
    assert deletion.steps["subscription"] == "already_canceled"
    assert len(stripe_api.calls) == 1


def test_a_canceled_subscription_is_not_canceled_again_and_no_subscription_needs_no_call(world, stripe_api):
    a, b = world["A"], world["B"]
    deletion = _subscribed_and_deleted(a)
    BillingAccount.unscoped.filter(workspace=a.workspace).update(stripe_subscription_status="canceled")
    other = services.deletion_request(
        workspace=b.workspace, user=b.users["owner"], role="owner", confirm=b.workspace.slug
    )  # never subscribed
    assert services.purge_due(now=timezone.now() + LATER) == 2
    deletion.refresh_from_db()
    other.refresh_from_db()
    assert deletion.steps["subscription"] == "already_canceled"
    assert other.steps["subscription"] == "none"
    assert len(stripe_api.calls) == 0


def _renewing(cancel_at_period_end: bool) -> dict:
    body = subscription(SUB, "cus_PurgeTest", "active", "price_pro")
    body["cancel_at_period_end"] = cancel_at_period_end
    return body


def test_the_grace_period_holds_the_renewal_and_a_restore_resumes_it(world, stripe_api, run_commit_hooks):
    """Seven days of grace must not bill another period; restoring renews again."""
    a = world["A"]
    stripe_api.add(responses.POST, CANCEL_URL, json=_renewing(True))
    with run_commit_hooks():
        deletion = _subscribed_and_deleted(a)
    deletion.refresh_from_db()
    assert deletion.steps["renewal"] == "held"
    stripe_api.replace(responses.POST, CANCEL_URL, json=_renewing(False))
    with run_commit_hooks():
        services.deletion_restore(reference=deletion.reference, user=a.users["owner"])
    deletion.refresh_from_db()
    assert deletion.steps["renewal"] == "resumed"
    bodies = [c.request.body for c in stripe_api.calls if c.request.method == "POST"]
    assert bodies == ["cancel_at_period_end=true", "cancel_at_period_end=false"]


def test_a_failed_hold_never_refuses_the_deletion_and_the_hourly_beat_places_it(world, stripe_api, run_commit_hooks):
    a = world["A"]
    stripe_api.add(
        responses.POST,
        CANCEL_URL,
        status=500,
        json={"error": {"message": "An unknown error occurred", "type": "api_error"}},
    )
    with run_commit_hooks():
        deletion = _subscribed_and_deleted(a)
    deletion.refresh_from_db()
    assert deletion.status == WorkspaceDeletion.Status.PENDING and "renewal_error" in deletion.steps
    stripe_api.replace(responses.POST, CANCEL_URL, json=_renewing(True))
    assert services.purge_due() == 0  # not due yet; the sweep retried the hold
    deletion.refresh_from_db()
    assert deletion.steps["renewal"] == "held" and "renewal_error" not in deletion.steps
    assert services.purge_due() == 0
    assert len([c for c in stripe_api.calls if c.request.method == "POST"]) == 2  # held once, not again


def test_a_restore_after_a_failed_hold_calls_nothing_and_leaves_nothing_to_retry(world, stripe_api, run_commit_hooks):
    a = world["A"]
    stripe_api.add(responses.POST, CANCEL_URL, status=500, json={"error": {"message": "boom", "type": "api_error"}})
    with run_commit_hooks():
        deletion = _subscribed_and_deleted(a)
    deletion.refresh_from_db()
    assert "renewal_error" in deletion.steps
    with run_commit_hooks():
        services.deletion_restore(reference=deletion.reference, user=a.users["owner"])
    deletion.refresh_from_db()
    assert "renewal_error" not in deletion.steps and "renewal" not in deletion.steps
    assert services.renewal_sweep() == 0
    assert len(stripe_api.calls) == 1  # only the failed hold
