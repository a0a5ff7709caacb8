"""The charge door: reserve → commit / refund, idempotency, ordering of
buckets, 402 before any effect, usage events, the stale-charge reaper and a
failing Celery task. Runs on SQLite (portable path) and PostgreSQL (single
statement path)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import WorkspaceFactory
from analytics.models import UsageEvent
from billing.charging import charge, charge_commit, charge_refund, charge_reserve, charges_release_stale
from billing.models import BillingAccount, Charge, LedgerEntry
from billing.tests.factories import account, assert_ledger_matches, cost
from nexusone.api.exceptions import exception_handler
from nexusone.errors import Conflict, InsufficientCredits, ProviderError, ValidationFailed

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


@pytest.fixture
def ws():
    workspace = WorkspaceFactory()
    account(workspace, plan_credits=50, purchased_credits=0)
    return workspace


def test_a_successful_block_is_charged_once_and_records_a_usage_event(ws):
    with charge(workspace=ws, user=ws.owner, module="content", action="social_post") as handle:
        handle.metadata["tokens"] = 321
        handle.metadata["provider"] = "offline"
    acct = assert_ledger_matches(ws)
    assert acct.balance == 45
    debit = LedgerEntry.unscoped.get(workspace=ws, kind="debit")
    assert (debit.amount, debit.plan_amount, debit.purchased_amount, debit.balance_after) == (-5, -5, 0, 45)
    assert debit.module == "content" and debit.user_id == ws.owner.pk
    stored = Charge.unscoped.get(pk=handle.id)
    assert stored.status == Charge.Status.COMMITTED and stored.debit_id == debit.pk
    event = UsageEvent.unscoped.get(charge_id=handle.id)
    assert event.success and event.credits == 5 and event.module == "content" and event.action == "social_post"
    assert event.metadata == {"tokens": 321, "provider": "offline"}
    assert event.processing_ms is not None and event.processing_ms >= 0
    assert event.user_id == ws.owner.pk and event.workspace_id == ws.pk


def test_an_exception_refunds_and_is_re_raised(ws):
    with pytest.raises(ProviderError), charge(workspace=ws, module="video_creator") as handle:
        handle.metadata["provider"] = "d-id"
        assert BillingAccount.unscoped.get(workspace=ws).balance == 25  # reserved before the work
        raise ProviderError()
    acct = assert_ledger_matches(ws)
    assert acct.balance == 50
    refund = LedgerEntry.unscoped.get(workspace=ws, kind="refund")
    assert refund.reverses.kind == "debit" and refund.amount == 25
    assert Charge.unscoped.get(pk=handle.id).status == Charge.Status.REFUNDED
    event = UsageEvent.unscoped.get(charge_id=handle.id)
    assert not event.success and event.metadata["error"] == "provider_error" and event.metadata["provider"] == "d-id"


def test_not_enough_credits_is_402_and_nothing_is_written(ws):
    account(ws, plan_credits=3)
    before = LedgerEntry.unscoped.filter(workspace=ws).count()
    ran = False
    with pytest.raises(InsufficientCredits) as info, charge(workspace=ws, module="content"):
        ran = True
    assert not ran
    assert (info.value.needed, info.value.available) == (5, 3)
    assert LedgerEntry.unscoped.filter(workspace=ws).count() == before
    assert not Charge.unscoped.filter(workspace=ws).exists() and not UsageEvent.unscoped.filter(workspace=ws).exists()
    response = exception_handler(info.value, {})
    assert response.status_code == 402
    assert response.data["error"]["code"] == "insufficient_credits"
    assert response.data["error"]["details"] == {"needed": 5, "available": 3}


def test_plan_credits_are_used_first_then_purchased_and_a_refund_puts_them_back(ws):
    account(ws, plan_credits=10, purchased_credits=30)
    with charge(workspace=ws, module="video_creator"):  # 25 = 10 plan + 15 purchased
        pass
    acct = assert_ledger_matches(ws)
    assert (acct.plan_credits, acct.purchased_credits) == (0, 15)
    account(ws, plan_credits=4, purchased_credits=30)
    with pytest.raises(Boom), charge(workspace=ws, module="magic_pages"):  # 10 = 4 + 6
        acct = BillingAccount.unscoped.get(workspace=ws)
        assert (acct.plan_credits, acct.purchased_credits) == (0, 24)
        raise Boom
    acct = assert_ledger_matches(ws)
    assert (acct.plan_credits, acct.purchased_credits) == (4, 30)


def test_quantity_multiplies_the_cost_read_at_charge_time(ws):
    cost("whatsapp_bot", 2)
    charge_commit(charge_reserve(workspace=ws, module="whatsapp_bot", quantity=7))
    assert BillingAccount.unscoped.get(workspace=ws).balance == 36
    cost("whatsapp_bot", 3)  # staff edit the cost: the next charge uses it
    charge_commit(charge_reserve(workspace=ws, module="whatsapp_bot", quantity=2))
    assert assert_ledger_matches(ws).balance == 30


def test_unknown_or_inactive_modules_and_bad_quantities_are_refused(ws):
    with pytest.raises(ValidationFailed):
        charge_reserve(workspace=ws, module="nope")
    row = cost("content", 5)
    row.is_active = False
    row.save()
    with pytest.raises(ValidationFailed):
        charge_reserve(workspace=ws, module="content")
    for quantity in (0, -1, 1.5, True):
        with pytest.raises(ValidationFailed):
            charge_reserve(workspace=ws, module="magic_pages", quantity=quantity)
    assert assert_ledger_matches(ws).balance == 50


def test_an_idempotency_key_charges_once(ws):
    first = charge_reserve(workspace=ws, module="content", idempotency_key="job-1")
    again = charge_reserve(workspace=ws, module="content", idempotency_key="job-1")
    assert first == again
    assert LedgerEntry.unscoped.filter(workspace=ws, kind="debit").count() == 1
    assert charge_commit(first) is True
    assert charge_commit(first) is False  # idempotent
    with pytest.raises(Conflict) as info, charge(workspace=ws, module="content", idempotency_key="job-1"):
        pytest.fail("a finished charge must not run its work again")
    assert info.value.code == "charge_already_finished"
    with pytest.raises(Conflict) as info:
        charge_reserve(workspace=ws, module="magic_pages", idempotency_key="job-1")
    assert info.value.code == "idempotency_key_reused"
    # keys are per workspace
    other = WorkspaceFactory()
    account(other, plan_credits=50)
    assert charge_reserve(workspace=other, module="content", idempotency_key="job-1") != first
    assert assert_ledger_matches(ws).balance == 45


def test_a_reserved_charge_is_resumed_only_by_its_owner(ws):
    """Issue 16 item 9: a same-key call while the charge is reserved must not
    run the work a second time; only the owner (a retried task) continues."""
    charge_id = charge_reserve(workspace=ws, module="content", idempotency_key="resume", owner="task-1")
    ran = []
    for stranger in ("", "task-2"):
        with (
            pytest.raises(Conflict) as info,
            charge(workspace=ws, module="content", idempotency_key="resume", owner=stranger),
        ):
            ran.append(stranger)
        assert info.value.code == "charge_in_progress" and info.value.status_code == 409
    assert ran == [] and Charge.unscoped.get(pk=charge_id).status == "reserved"
    with charge(workspace=ws, module="content", idempotency_key="resume", owner="task-1") as handle:
        assert handle.id == charge_id and handle.replayed
    assert Charge.unscoped.get(pk=charge_id).status == "committed"
    assert assert_ledger_matches(ws).balance == 45


def test_commit_and_refund_are_idempotent_and_exclusive(ws):
    charge_id = charge_reserve(workspace=ws, module="content")
    assert charge_refund(charge_id, "provider_timeout") is True
    assert charge_refund(charge_id, "provider_timeout") is False
    with pytest.raises(Conflict):
        charge_commit(charge_id)
    assert LedgerEntry.unscoped.filter(workspace=ws, kind="refund").count() == 1
    committed = charge_reserve(workspace=ws, module="content")
    charge_commit(committed)
    with pytest.raises(Conflict):
        charge_refund(committed, "late failure")
    assert UsageEvent.unscoped.filter(workspace=ws).count() == 2
    assert assert_ledger_matches(ws).balance == 45


def test_a_debit_can_be_reversed_only_once_by_the_database(ws):
    charge_id = charge_reserve(workspace=ws, module="content")
    charge_refund(charge_id, "x")
    debit = Charge.unscoped.get(pk=charge_id).debit
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.unscoped.create(
            workspace=ws,
            kind="refund",
            amount=5,
            plan_amount=5,
            balance_after=55,
            idempotency_key="dup",
            reverses=debit,
        )


def test_balances_cannot_go_negative_even_bypassing_the_services(ws):
    with pytest.raises(IntegrityError), transaction.atomic():
        BillingAccount.unscoped.filter(workspace=ws).update(plan_credits=-1)


def test_ledger_entries_are_append_only(ws):
    entry = LedgerEntry.unscoped.filter(workspace=ws).first()
    entry.amount = 1000
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_a_workspace_without_an_account_gets_one_on_its_first_charge():
    workspace = WorkspaceFactory()  # created by a fixture, not by workspace_create
    assert not BillingAccount.unscoped.filter(workspace=workspace).exists()
    charge_commit(charge_reserve(workspace=workspace, module="content"))
    assert assert_ledger_matches(workspace).balance == 45  # opened with the free plan's 50


def test_the_door_works_inside_a_transaction(ws):
    with transaction.atomic():
        first = charge_reserve(workspace=ws, module="content", idempotency_key="in-tx")
        assert charge_reserve(workspace=ws, module="content", idempotency_key="in-tx") == first
        charge_commit(first)
    assert assert_ledger_matches(ws).balance == 45


def test_the_reaper_refunds_only_expired_holds(ws):
    stale = charge_reserve(workspace=ws, module="content", hold_seconds=60)
    fresh = charge_reserve(workspace=ws, module="content", hold_seconds=3600)
    done = charge_reserve(workspace=ws, module="content", hold_seconds=0)
    charge_commit(done)
    assert charges_release_stale(now=timezone.now() + timedelta(seconds=120)) == 1
    statuses = dict(Charge.unscoped.filter(workspace=ws).values_list("pk", "status"))
    assert statuses == {stale: "refunded", fresh: "reserved", done: "committed"}
    assert Charge.unscoped.get(pk=stale).refund_reason == "hold_expired"
    assert assert_ledger_matches(ws).balance == 40


@shared_task(bind=True, max_retries=2)
def _render_video(self, workspace_id: int, job: str, fail_times: int) -> str:
    """A module task as later modules will write it: reserve once per job,
    retry on provider errors, refund on final failure, commit on success."""
    from accounts.models import Workspace

    workspace = Workspace.objects.get(pk=workspace_id)
    charge_id = charge_reserve(workspace=workspace, module="video_creator", idempotency_key=f"video:{job}")
    try:
        if self.request.retries < fail_times:
            raise ProviderError()
    except ProviderError as exc:
        if self.request.retries >= self.max_retries:
            charge_refund(charge_id, "provider_error")
            raise
        raise self.retry(exc=exc, countdown=0) from exc
    charge_commit(charge_id, metadata={"attempts": self.request.retries + 1})
    return str(charge_id)


@pytest.fixture
def eager_retries():
    """Eager Celery re-raises `Retry` when exceptions propagate; let apply()
    run the retries inline instead, as a worker would run them later."""
    from nexusone.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


def test_a_task_retried_after_provider_errors_charges_once(ws, eager_retries):
    _render_video.delay(ws.pk, "a", fail_times=2).get()
    assert Charge.unscoped.get(workspace=ws).status == "committed"
    assert LedgerEntry.unscoped.filter(workspace=ws, kind="debit").count() == 1
    assert assert_ledger_matches(ws).balance == 25


def test_a_task_that_finally_fails_is_refunded(ws, eager_retries):
    with pytest.raises(ProviderError):
        _render_video.delay(ws.pk, "b", fail_times=5).get()
    assert Charge.unscoped.get(workspace=ws).status == "refunded"
    assert UsageEvent.unscoped.get(workspace=ws).success is False
    assert assert_ledger_matches(ws).balance == 50


def test_the_plans_daily_cap_guards_spend_before_any_work(ws):
    """T24: over the cap nothing runs (a provider would get 0 calls); refunds
    give the day's allowance back; the next UTC day starts afresh."""
    import datetime as dt

    import time_machine

    from billing.models import Plan
    from nexusone.errors import QuotaExceeded

    Plan.objects.filter(key="free").update(daily_credit_cap=12)
    account(ws, purchased_credits=100)
    provider_calls = []
    with time_machine.travel(dt.datetime(2030, 3, 1, 10, tzinfo=dt.UTC), tick=False):
        for _ in range(2):
            with charge(workspace=ws, module="content"):
                provider_calls.append(1)
        with pytest.raises(QuotaExceeded) as info, charge(workspace=ws, module="content"):
            provider_calls.append(1)
        assert len(provider_calls) == 2
        assert info.value.details == {"quota": "daily_credits", "limit": 12, "used": 10, "needed": 5}
        assert exception_handler(info.value, {}).status_code == 403
    with time_machine.travel(dt.datetime(2030, 3, 2, 0, 1, tzinfo=dt.UTC), tick=False):
        with charge(workspace=ws, module="content"):
            pass
        charge_id = charge_reserve(workspace=ws, module="content")  # 10 of 12 today
        charge_refund(charge_id, "failed")  # back to 5
        charge_commit(charge_reserve(workspace=ws, module="content"))  # 10
    assert assert_ledger_matches(ws).balance == 150 - 20


def test_refunds_happen_exactly_once_over_many_jobs_with_injected_failures(ws):
    """T21: jobs succeed, fail (provider error, timeout), fail with duplicate
    failure callbacks, or crash (never finish: the reaper refunds them)."""
    import random

    from django.db.models import Sum

    account(ws, purchased_credits=10_000)
    rng = random.Random(21)
    outcomes = {}
    for job in range(120):
        fate = rng.choice(["ok", "ok", "provider_500", "timeout", "duplicate_callbacks", "crash"])
        charge_id = charge_reserve(workspace=ws, module="content", idempotency_key=f"job-{job}", hold_seconds=60)
        assert charge_reserve(workspace=ws, module="content", idempotency_key=f"job-{job}") == charge_id  # retried
        if fate == "ok":
            charge_commit(charge_id)
        elif fate == "duplicate_callbacks":
            assert [charge_refund(charge_id, "failed") for _ in range(3)] == [True, False, False]
        elif fate != "crash":
            charge_refund(charge_id, fate)
        outcomes[charge_id] = fate
    charges_release_stale(now=timezone.now() + timedelta(seconds=61))
    refunds = dict(
        LedgerEntry.unscoped.filter(workspace=ws, kind="refund").values_list("reverses__charge__id", "amount")
    )
    for charge_id, fate in outcomes.items():
        assert (charge_id in refunds) == (fate != "ok"), fate
    succeeded = sum(1 for fate in outcomes.values() if fate == "ok")
    debits = -LedgerEntry.unscoped.filter(workspace=ws, kind="debit").aggregate(s=Sum("amount"))["s"]
    assert debits - sum(refunds.values()) == 5 * succeeded
    assert not Charge.unscoped.filter(workspace=ws, status="reserved").exists()
    assert assert_ledger_matches(ws).balance == 10_050 - 5 * succeeded
