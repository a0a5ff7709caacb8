"""T20 — concurrent debits never overdraw, and Σ ledger == balance.

Real parallel transactions need PostgreSQL (SQLite serialises writers), so
these tests are skipped on SQLite and run in CI. Each thread has its own
connection; a barrier starts them together."""

from __future__ import annotations

import random
import threading
import uuid

import pytest
from django.db import connection

from accounts.tests.factories import WorkspaceFactory
from billing import services
from billing.charging import charge, charge_reserve
from billing.models import BillingAccount, Charge, LedgerEntry
from billing.tests.concurrency import run_together
from billing.tests.conftest import postgres_only
from billing.tests.factories import account, assert_ledger_matches, cost
from nexusone.errors import InsufficientCredits

pytestmark = [postgres_only, pytest.mark.usefixtures("committed")]


class WorkFailed(Exception):
    pass


def _successes(results) -> int:
    errors = [value for kind, value in results if kind == "error" and not isinstance(value, InsufficientCredits)]
    assert not errors, errors  # no deadlock, no IntegrityError, nothing but 402s
    return sum(1 for kind, _ in results if kind == "ok")


class BalanceWatcher:
    """Samples the balance from another connection while the threads run."""

    def __init__(self, workspace):
        self.workspace, self.minimum, self.samples = workspace, None, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            while not self._stop.is_set():
                row = BillingAccount.unscoped.filter(workspace=self.workspace).values(
                    "plan_credits", "purchased_credits"
                )
                values = row.first()
                low = min(values.values())
                self.minimum = low if self.minimum is None else min(self.minimum, low)
                self.samples += 1
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def test_twenty_simultaneous_charges_of_five_against_fifty_credits_leave_ten_and_zero():
    ws = WorkspaceFactory()
    account(ws, plan_credits=50, purchased_credits=0)

    def work(index):
        with charge(workspace=ws, module="content", reference=f"t{index}"):
            return index

    with BalanceWatcher(ws) as watcher:
        results = run_together(20, work)
    assert _successes(results) == 10
    acct = assert_ledger_matches(ws)
    assert acct.balance == 0
    assert watcher.samples > 0 and watcher.minimum >= 0
    assert LedgerEntry.unscoped.filter(workspace=ws, kind="debit").count() == 10
    assert Charge.unscoped.filter(workspace=ws, status="committed").count() == 10


def test_two_hundred_debits_of_seven_from_forty_threads():
    ws = WorkspaceFactory()
    account(ws, plan_credits=400, purchased_credits=600)  # 1,000 across both buckets
    cost("content", 7)

    def work(index):
        done = 0
        for attempt in range(5):
            try:
                with charge(workspace=ws, module="content", idempotency_key=f"{index}-{attempt}"):
                    done += 1
            except InsufficientCredits:
                pass
        return done

    results = run_together(40, work)
    assert all(kind == "ok" for kind, _ in results), results
    assert sum(value for _, value in results) == 1000 // 7 == 142
    acct = assert_ledger_matches(ws)
    assert acct.balance == 6 and acct.plan_credits == 0
    assert LedgerEntry.unscoped.filter(workspace=ws, kind="debit").count() == 142


def test_mixed_charges_failures_top_ups_and_adjustments_keep_the_ledger_exact():
    ws = WorkspaceFactory()
    account(ws, plan_credits=100, purchased_credits=0)
    rng = random.Random(20)
    plans = [[rng.choice(["ok", "fail", "topup", "adjust"]) for _ in range(8)] for _ in range(16)]

    def work(index):
        for step, op in enumerate(plans[index]):
            try:
                if op == "ok":
                    with charge(workspace=ws, module="magic_pages"):
                        pass
                elif op == "fail":
                    try:
                        with charge(workspace=ws, module="content"):
                            raise WorkFailed
                    except WorkFailed:
                        pass
                elif op == "topup":
                    services.credits_purchase(workspace=ws, credits=15, idempotency_key=f"topup:{index}:{step}")
                else:
                    services.credits_adjust(workspace=ws, amount=3, bucket="plan", reason="test", actor=None)
            except InsufficientCredits:
                pass
        return True

    results = run_together(16, work)
    assert all(kind == "ok" for kind, _ in results), results
    acct = assert_ledger_matches(ws)
    refunds = LedgerEntry.unscoped.filter(workspace=ws, kind="refund").count()
    failed = Charge.unscoped.filter(workspace=ws, status="refunded").count()
    assert refunds == failed
    assert not Charge.unscoped.filter(workspace=ws, status="reserved").exists()
    assert acct.balance >= 0


def test_the_same_key_from_ten_threads_debits_once():
    ws = WorkspaceFactory()
    account(ws, plan_credits=50)
    key = uuid.uuid4().hex
    results = run_together(10, lambda _i: charge_reserve(workspace=ws, module="content", idempotency_key=key))
    ids = {value for kind, value in results if kind == "ok"}
    assert len(ids) == 1 and all(kind == "ok" for kind, _ in results), results
    assert LedgerEntry.unscoped.filter(workspace=ws, kind="debit").count() == 1
    assert assert_ledger_matches(ws).balance == 45
