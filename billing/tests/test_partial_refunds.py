"""Issue 16 item 9: the charge door's partial refund — N units of a reserved
charge back, idempotent per unit key, purchased credits first, never more
than the charge holds, never blocked by the daily cap; commit and refund
afterwards settle only the rest. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import WorkspaceFactory
from analytics.models import UsageEvent
from billing.charging import charge_commit, charge_refund, charge_refund_units, charge_reserve
from billing.models import BillingAccount, Charge, LedgerEntry, Plan
from billing.tests.factories import account, assert_ledger_matches, cost
from nexusone.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws():
    workspace = WorkspaceFactory()
    account(workspace, plan_credits=30, purchased_credits=40)
    cost("whatsapp_bot", 5)
    return workspace


def _reserve(ws, units=10, key="batch"):
    return charge_reserve(workspace=ws, module="whatsapp_bot", quantity=units, idempotency_key=key)


def test_units_come_back_once_per_key_purchased_first_and_commit_keeps_the_rest(ws):
    charge_id = _reserve(ws)  # 50 credits: 30 plan + 20 purchased
    acct = BillingAccount.unscoped.get(workspace=ws)
    assert (acct.plan_credits, acct.purchased_credits) == (0, 20)
    assert charge_refund_units(charge_id, quantity=3, key="messages-1-3") == 15
    assert charge_refund_units(charge_id, quantity=3, key="messages-1-3") == 0  # the same units: nothing more
    acct = assert_ledger_matches(ws)
    assert (acct.plan_credits, acct.purchased_credits) == (0, 35)  # the purchased credits the debit took last
    assert charge_refund_units(charge_id, quantity=2, key="messages-7-8") == 10
    acct = assert_ledger_matches(ws)
    assert (acct.plan_credits, acct.purchased_credits) == (5, 40)
    stored = Charge.unscoped.get(pk=charge_id)
    assert (stored.status, stored.refunded_quantity, stored.refunded_credits) == ("reserved", 5, 25)
    assert charge_commit(charge_id) is True
    assert UsageEvent.unscoped.get(charge_id=charge_id).credits == 25  # what was kept
    refunds = LedgerEntry.unscoped.filter(workspace=ws, kind="refund")
    assert sorted(r.amount for r in refunds) == [10, 15] and all(r.reverses_id is None for r in refunds)
    with pytest.raises(Conflict) as info:
        charge_refund_units(charge_id, quantity=1, key="late")
    assert info.value.code == "charge_committed"


def test_a_full_refund_after_partial_ones_returns_only_the_rest(ws):
    charge_id = _reserve(ws)
    charge_refund_units(charge_id, quantity=4, key="first")
    assert charge_refund(charge_id, "broadcast_cancelled") is True
    acct = assert_ledger_matches(ws)
    assert (acct.plan_credits, acct.purchased_credits) == (30, 40)  # exactly where it started
    full = LedgerEntry.unscoped.get(workspace=ws, kind="refund", reverses__isnull=False)
    assert full.amount == 30 and full.reverses.kind == "debit"
    assert UsageEvent.unscoped.get(charge_id=charge_id).credits == 30


def test_never_more_units_than_the_charge_holds(ws):
    charge_id = _reserve(ws, units=3)
    assert charge_refund_units(charge_id, quantity=2, key="a") == 10
    assert charge_refund_units(charge_id, quantity=5, key="b") == 5  # only one unit was left
    assert Charge.unscoped.get(pk=charge_id).status == "refunded"
    assert charge_refund_units(charge_id, quantity=1, key="c") == 0
    assert charge_refund(charge_id, "late") is False
    with pytest.raises(Conflict):
        charge_commit(charge_id)
    assert assert_ledger_matches(ws).balance == 70


def test_bad_arguments_are_refused(ws):
    charge_id = _reserve(ws)
    for quantity in (0, -1, True, 1.5):
        with pytest.raises(ValidationFailed):
            charge_refund_units(charge_id, quantity=quantity, key="k")
    with pytest.raises(ValidationFailed):
        charge_refund_units(charge_id, quantity=1, key=" ")


def test_the_units_keep_their_price_when_staff_change_the_cost(ws):
    charge_id = _reserve(ws, units=4)
    cost("whatsapp_bot", 9)
    assert charge_refund_units(charge_id, quantity=1, key="one") == 5
    assert_ledger_matches(ws)


def test_the_daily_cap_never_blocks_a_refund(ws):
    """A batch charged yesterday, a full day's allowance spent today: its
    failed messages are still refunded (and give nothing back to today)."""
    Plan.objects.filter(key="free").update(daily_credit_cap=50)
    account(ws, purchased_credits=200)
    with time_machine.travel(dt.datetime(2030, 3, 1, 23, 0, tzinfo=dt.UTC), tick=False):
        charge_id = _reserve(ws, units=10, key="yesterday")
    with time_machine.travel(dt.datetime(2030, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        charge_commit(_reserve(ws, units=10, key="today"))  # 50 of 50 today
        assert charge_refund_units(charge_id, quantity=6, key="failed") == 30
        assert BillingAccount.unscoped.get(workspace=ws).spent_today == 50
    assert assert_ledger_matches(ws).balance == 230 - 100 + 30


def test_a_refund_on_the_charges_own_day_gives_the_allowance_back(ws):
    Plan.objects.filter(key="free").update(daily_credit_cap=50)
    account(ws, purchased_credits=200)
    with time_machine.travel(dt.datetime(2030, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        charge_id = _reserve(ws, units=10)
        charge_refund_units(charge_id, quantity=4, key="failed")
        assert BillingAccount.unscoped.get(workspace=ws).spent_today == 30
        charge_commit(_reserve(ws, units=4, key="more"))  # fits again: 50 of 50
