"""The billing console: catalogue editable, ledger read-only, and the
"adjust credits" / "change plan" actions going through audited services."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from accounts.tests.factories import UserFactory, WorkspaceFactory
from billing.models import BillingAccount, LedgerEntry
from billing.tests.factories import account, assert_ledger_matches, plan
from nexusone.audit import AuditEntry

pytestmark = pytest.mark.django_db

ADMIN = "/" + settings.ADMIN_URL


@pytest.fixture
def staff():
    user = UserFactory(is_staff=True, is_superuser=True, personal_workspace=False)
    client = Client()
    client.force_login(user)
    return user, client


def test_billing_pages_of_the_console_render(staff):
    _user, client = staff
    ws = WorkspaceFactory()
    account(ws)
    for model in ("plan", "modulecost", "creditpack", "billingaccount", "ledgerentry", "charge", "stripeevent"):
        assert client.get(f"{ADMIN}billing/{model}/").status_code == 200, model
    assert client.get(f"{ADMIN}analytics/usageevent/").status_code == 200
    page = client.get(f"{ADMIN}billing/plan/{plan('pro').pk}/change/").content.decode()
    assert "name_es" in page and "name_he" in page  # translations are editable per language
    assert client.get(f"{ADMIN}billing/ledgerentry/add/").status_code == 403
    entry = LedgerEntry.unscoped.filter(workspace=ws).first()
    response = client.post(f"{ADMIN}billing/ledgerentry/{entry.pk}/change/", {"amount": 999})
    assert response.status_code == 403 or LedgerEntry.unscoped.get(pk=entry.pk).amount != 999


def test_adjust_credits_asks_for_a_reason_then_goes_through_the_service(staff):
    user, client = staff
    ws = WorkspaceFactory()
    acct = account(ws)
    url = f"{ADMIN}billing/billingaccount/"
    form = client.post(url, {"action": "adjust_credits", "_selected_action": [acct.pk]})
    assert form.status_code == 200 and "Reason" in form.content.decode()
    incomplete = {"action": "adjust_credits", "_selected_action": [acct.pk], "apply": "1", "amount": "25"}
    assert client.post(url, incomplete).status_code == 200  # the reason is required: the form again
    assert assert_ledger_matches(ws).balance == 50
    done = client.post(url, {**incomplete, "bucket": "purchased", "reason": "support ticket 42"})
    assert done.status_code == 302
    acct = assert_ledger_matches(ws)
    assert acct.purchased_credits == 25
    audit = AuditEntry.unscoped.get(action="billing.credits.adjusted", workspace=ws)
    assert audit.actor_user == user and audit.metadata["reason"] == "support ticket 42"


def test_change_plan_from_the_console(staff):
    user, client = staff
    ws = WorkspaceFactory()
    acct = account(ws)
    url = f"{ADMIN}billing/billingaccount/"
    data = {
        "action": "change_plan",
        "_selected_action": [acct.pk],
        "apply": "1",
        "plan": plan("premium").pk,
        "reset_credits": "on",
        "reason": "enterprise trial",
    }
    assert client.post(url, data).status_code == 302
    acct = BillingAccount.unscoped.get(pk=acct.pk)
    assert (acct.plan.key, acct.plan_credits) == ("premium", 2000)
    assert AuditEntry.unscoped.filter(action="billing.plan.changed", workspace=ws, actor_user=user).exists()


def test_staff_without_the_permission_cannot_adjust(staff):
    ws = WorkspaceFactory()
    acct = account(ws)
    clerk = UserFactory(is_staff=True, personal_workspace=False)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(Permission.objects.get(codename="view_billingaccount"))
    client = Client()
    client.force_login(clerk)
    url = f"{ADMIN}billing/billingaccount/"
    data = {"action": "adjust_credits", "_selected_action": [acct.pk], "apply": "1", "amount": "500",
            "bucket": "purchased", "reason": "x"}  # fmt: skip
    client.post(url, data)
    assert assert_ledger_matches(ws).purchased_credits == 0
