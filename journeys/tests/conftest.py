"""Journey fixtures: the e-mail shop (verified sender, postal address,
credits, SMTP sink) plus a WhatsApp sandbox number with an approved template."""

from __future__ import annotations

import pytest

from emails.tests.conftest import _email_settings, sink, smtp  # noqa: F401 — shared fixtures

TEMPLATE = "follow_up"


@pytest.fixture
def shop(world, monkeypatch):  # the e-mail tests' shop, reused
    from emails.tests.conftest import Shop, give_credits, set_postal_address
    from emails.tests.factories import make_sender

    tenant = world["A"]
    workspace = tenant.workspace
    give_credits(workspace, 200)
    set_postal_address(workspace, monkeypatch=monkeypatch)
    sender = make_sender(workspace, email="hola@shop.example", name="Tienda", domain="shop.example", verified=True)
    return Shop(tenant=tenant, sender=sender, segment=None)


@pytest.fixture
def whatsapp_number(shop):
    from whatsapp.tests.factories import make_account, make_template

    account = make_account(shop.workspace)
    make_template(shop.workspace, account=account, name=TEMPLATE, language="es", status="APPROVED")
    return account


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the engine for a journey the way the beat does (tasks eager)."""
    from journeys.engine import journey_run
    from nexusone.tenancy import workspace_scope

    def go(journey, now=None):
        with workspace_scope(journey.workspace), django_capture_on_commit_callbacks(execute=True):
            return journey_run(journey_id=journey.pk, now=now)

    return go
