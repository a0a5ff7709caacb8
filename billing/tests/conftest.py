"""Billing fixtures: the seeded catalogue (tests run without migrations),
Stripe test settings, and helpers to sign webhook payloads."""

from __future__ import annotations

import json
import time

import pytest
import responses
import stripe
from django.db import connection

from billing.services import plans_ensure_defaults

STRIPE_KEY = "sk_test_" + "0" * 24
WEBHOOK_SECRET = "whsec_test_secret_for_signatures"
API = "https://api.stripe.test"

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs real parallel transactions (PostgreSQL)"
)


@pytest.fixture(autouse=True)
def catalogue(request):
    """The seeded plans, costs and packs (tests run without the data migration)."""
    if "committed" in request.fixturenames:
        return  # seeded (and committed) by the `committed` fixture
    request.getfixturevalue("db")
    plans_ensure_defaults()


@pytest.fixture(scope="session")
def _committed_database(django_db_setup, django_db_blocker):
    """pytest-django creates the test database only for tests marked
    `django_db`; when only `committed` tests run, create it here."""
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        yield
        return
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture
def committed(_committed_database, django_db_blocker):
    """Autocommit access for tests that need other connections (threads) to
    see their data — without the TRUNCATE-every-table teardown of
    `transaction=True` tests, which costs seconds per test here. Rows the test
    adds are deleted afterwards and edited module costs restored."""
    from accounts.models import User, Workspace
    from billing.models import ModuleCost, StripeEvent

    with django_db_blocker.unblock():
        plans_ensure_defaults()
        marks = {
            model: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            for model in (User, Workspace, StripeEvent, ModuleCost)
        }
        costs = list(ModuleCost.objects.values("pk", "credits", "is_active"))
        try:
            yield
        finally:
            connection.close_if_unusable_or_obsolete()
            StripeEvent.objects.filter(pk__gt=marks[StripeEvent]).delete()
            Workspace.objects.filter(pk__gt=marks[Workspace]).delete()  # cascades to every workspace-owned row
            User.objects.filter(pk__gt=marks[User]).delete()
            ModuleCost.objects.filter(pk__gt=marks[ModuleCost]).delete()
            for row in costs:
                ModuleCost.objects.filter(pk=row["pk"]).update(credits=row["credits"], is_active=row["is_active"])


@pytest.fixture
def stripe_on(settings):
    settings.STRIPE_SECRET_KEY = STRIPE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_HOST = API
    settings.STRIPE_MAX_NETWORK_RETRIES = 0  # a double answering 500 should fail fast, not back off
    return settings


@pytest.fixture
def stripe_api(stripe_on):
    """Every Stripe SDK call is answered by `responses` (unmatched → error)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def sign(payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def deliver(client, event: dict, *, secret: str = WEBHOOK_SECRET, **kwargs):
    body = json.dumps(event)
    signature = sign(body, secret=secret, **kwargs)
    return client.post("/webhooks/stripe/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
