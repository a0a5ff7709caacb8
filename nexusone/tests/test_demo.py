"""`manage.py load_demo` (issue 17, point 4): sample data in every module,
spread over the last 30 days, consistent with billing, idempotent."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client, override_settings
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


def _counts(workspace) -> dict:
    from agents.models import Agent
    from analytics.models import UsageEvent
    from billing.models import LedgerEntry
    from content.models import Generation, IdeaBatch, LandingPage, LandingPageSubmission
    from crm.models import Activity, Contact
    from journeys.models import Journey
    from whatsapp.models import Broadcast, Message

    models = [Agent, UsageEvent, LedgerEntry, Generation, IdeaBatch, LandingPage, LandingPageSubmission, Activity,
              Contact, Journey, Broadcast, Message]  # fmt: skip
    return {model.__name__: model.unscoped.filter(workspace=workspace).count() for model in models}


@override_settings(DEBUG=True)
def test_load_demo_fills_every_module_and_runs_twice(settings):
    from accounts.models import Workspace
    from analytics.models import UsageEvent
    from billing.models import BillingAccount, LedgerEntry
    from content.models import LandingPage
    from whatsapp.models import Broadcast

    call_command("load_demo")
    workspace = Workspace.objects.get(slug__startswith="demo-store")
    counts = _counts(workspace)
    assert all(counts.values()), counts
    assert counts["Contact"] >= 15 and counts["Activity"] >= counts["Contact"]
    assert counts["Generation"] >= 5 and counts["LandingPageSubmission"] >= 5
    page = LandingPage.unscoped.get(workspace=workspace)
    assert page.status == "published" and page.views > 0
    assert Broadcast.unscoped.get(workspace=workspace).status == "completed"

    # usage over the last 30 days, and the ledger agrees with it
    now = timezone.now()
    days = {event.created_at.date() for event in UsageEvent.unscoped.filter(workspace=workspace)}
    assert len(days) >= 12 and min(days) >= (now - timedelta(days=30)).date()
    spent = UsageEvent.unscoped.filter(workspace=workspace, success=True).aggregate(n=Sum("credits"))["n"]
    debits = -LedgerEntry.unscoped.filter(workspace=workspace, kind="debit").aggregate(n=Sum("amount"))["n"]
    assert spent == debits
    account = BillingAccount.unscoped.get(workspace=workspace)
    total = LedgerEntry.unscoped.filter(workspace=workspace).aggregate(n=Sum("amount"))["n"]
    assert account.plan_credits + account.purchased_credits == total
    entries = list(LedgerEntry.unscoped.filter(workspace=workspace).order_by("created_at", "id"))
    for before, entry in itertools.pairwise(entries):  # read forward in time, the balance runs on
        assert entry.balance_after == before.balance_after + entry.amount
    assert entries[-1].balance_after == total

    call_command("load_demo")  # idempotent
    assert _counts(workspace) == counts

    # every page of the demo has something to show
    client = Client()
    client.login(email="demo@nexusone.local", password="demo-password-123")
    for path in ("", "crm/", "content/", "pages/", "whatsapp/broadcasts/", "usage/", "analytics/"):
        response = client.get(f"/en/w/{workspace.slug}/{path}")
        assert response.status_code == 200, path
