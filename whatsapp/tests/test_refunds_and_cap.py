"""Issue 16 item 9: failed messages are refunded through the charge door's
partial refund — exactly once, at the price they were charged, and never
blocked by the plan's daily credit cap (the old refund-and-re-reserve was)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from billing.charging import charge_commit, charge_reserve
from billing.models import BillingAccount, Charge, LedgerEntry, Plan
from billing.tests.factories import assert_ledger_matches, cost
from nexusone.tenancy import workspace_scope
from whatsapp import credits
from whatsapp.models import Broadcast, Message, SendBatch
from whatsapp.services.statuses import message_transition
from whatsapp.tests.conftest import TOKEN, balance, give_credits
from whatsapp.tests.factories import make_account

pytestmark = pytest.mark.django_db

TEMPLATE = {"type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}}}
YESTERDAY = dt.datetime(2030, 3, 1, 22, 0, tzinfo=dt.UTC)
TODAY = dt.datetime(2030, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def a(world):
    give_credits(world["A"].workspace, 1000)
    return world["A"]


def _broadcast(tenant, run_commit_hooks, recipients):
    """Sent through the Cloud API double: accepted (`sent`), delivery reports come later."""
    account = make_account(tenant.workspace, access_token=TOKEN)
    with run_commit_hooks():
        response = tenant.client("member").post(
            "/api/v1/whatsapp/broadcasts/",
            {"whatsapp_account_id": account.pk, "message": TEMPLATE, "recipients": recipients},
            format="json",
            HTTP_IDEMPOTENCY_KEY="cap-test",
        )
    assert response.status_code == 201, response.content
    return Broadcast.unscoped.get(pk=response.json()["id"])


def _fail(message) -> None:
    error = {"code": "131026", "reason": "invalid_recipient", "message": "undeliverable"}
    assert message_transition(message_id=message.pk, new=Message.Status.FAILED, error=error)


def test_late_failures_are_refunded_even_with_todays_cap_used_up(a, cloud_api, run_commit_hooks, settings):
    settings.WHATSAPP_BATCH_SIZE = 500
    cost("whatsapp_bot", 5)
    recipients = ["+14155552671", "+14155552672", "+14155552673", "+14155552674"]
    with time_machine.travel(YESTERDAY, tick=False):
        broadcast = _broadcast(a, run_commit_hooks, recipients)
    assert broadcast.credits_charged == 20
    Plan.objects.filter(key="free").update(daily_credit_cap=40)
    with time_machine.travel(TODAY, tick=False):
        charge_commit(charge_reserve(workspace=a.workspace, module="content", quantity=8))  # 40 of 40 today
        before = balance(a.workspace)
        with workspace_scope(a.workspace):
            failed = list(Message.objects.filter(broadcast=broadcast).order_by("id")[:2])
            for message in failed:
                _fail(message)
            batch = SendBatch.objects.get(broadcast=broadcast)
            assert credits.batch_reprice(batch_id=batch.pk) == 2
            assert credits.batch_reprice(batch_id=batch.pk) == 0  # a retried reprice refunds nothing twice
    assert balance(a.workspace) == before + 10
    broadcast.refresh_from_db()
    assert broadcast.credits_refunded == 10
    charge = Charge.unscoped.get(pk=batch.charge_id)
    assert (charge.status, charge.refunded_quantity) == ("reserved", 2)  # one charge, partly refunded: no re-reserve
    assert LedgerEntry.unscoped.filter(workspace=a.workspace, module="whatsapp_bot", kind="debit").count() == 1
    assert BillingAccount.unscoped.get(workspace=a.workspace).spent_today == 40  # yesterday's refund: today unchanged
    assert_ledger_matches(a.workspace)


def test_refunds_keep_the_price_the_messages_were_charged_at(a, cloud_api, run_commit_hooks, settings):
    settings.WHATSAPP_BATCH_SIZE = 500
    cost("whatsapp_bot", 5)
    broadcast = _broadcast(a, run_commit_hooks, ["+14155552671", "+14155552672", "+14155552673"])
    cost("whatsapp_bot", 7)  # staff change the price afterwards
    with workspace_scope(a.workspace):
        _fail(Message.objects.filter(broadcast=broadcast).first())
        batch = SendBatch.objects.get(broadcast=broadcast)
        assert credits.batch_reprice(batch_id=batch.pk) == 1  # before: skipped and left due
    broadcast.refresh_from_db()
    assert broadcast.credits_refunded == 5
    assert_ledger_matches(a.workspace)
