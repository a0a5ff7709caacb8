"""Notifications and live progress from the existing modules: credits low
(once per period, in-app and by e-mail), payment failed, import finished
(with progress events), broadcast finished."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing.charging import charge
from billing.services import plans_ensure_defaults
from billing.tests.factories import account
from nexusone import live
from nexusone.tenancy import workspace_scope
from notifications.models import Notification


@pytest.fixture(autouse=True)
def catalogue(db):
    plans_ensure_defaults()


@pytest.fixture
def published(monkeypatch):
    events = []
    monkeypatch.setattr(live, "publish", lambda ws, kind, data, **kw: events.append((ws, kind, data, kw)))
    return events


def _spend(workspace, times: int) -> None:
    for _ in range(times):
        with charge(workspace=workspace, module="content"):  # 5 credits each
            pass


def test_credits_low_notifies_managers_once_per_period_in_app_and_by_email(world, django_capture_on_commit_callbacks):
    a = world["A"]
    admin = a.users["admin"]
    admin.preferred_language = "he"
    admin.save(update_fields=["preferred_language"])
    acct = account(a.workspace, plan_credits=50)  # the free plan: 50 a month → warn at 5 or less
    assert acct.plan.monthly_credits == 50
    for times in (8, 1, 1):  # 50 → 10 (above 10 %), → 5 (at 10 %), → 0 (same period: no second warning)
        with django_capture_on_commit_callbacks(execute=True):  # each charge commits on its own
            _spend(a.workspace, times)
        if times == 8:
            assert not Notification.unscoped.exists()
    notes = Notification.unscoped.filter(workspace=a.workspace, kind="credits_low")
    assert {n.recipient_id for n in notes} == {a.users["owner"].pk, admin.pk}
    assert notes.get(recipient=admin).title == "הקרדיטים עומדים להיגמר: נותרו 5"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.users["owner"].email, admin.email])

    # The next period's credits arrive; running low again warns again, once.
    acct = account(a.workspace, plan_credits=50)
    type(acct).unscoped.filter(pk=acct.pk).update(current_period_start=acct.current_period_start + timedelta(days=31))
    for _ in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            _spend(a.workspace, 1)
    assert Notification.unscoped.filter(workspace=a.workspace, kind="credits_low").count() == 4


def test_a_high_balance_costs_the_charge_door_no_notification_query(world):
    a = world["A"]
    account(a.workspace, plan_credits=50, purchased_credits=5000)
    _spend(a.workspace, 1)  # warm caches (plan threshold)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        _spend(a.workspace, 1)
    # (the door's own statements are prepared and not captured: any plan read would be the hook's)
    assert not any("billing_plan" in q["sql"] for q in queries.captured_queries)
    assert not Notification.unscoped.exists()


def test_payment_failed_tells_the_owner_once_per_delinquency(world, django_capture_on_commit_callbacks):
    from billing.services import SubscriptionState, subscription_apply

    a = world["A"]
    account(a.workspace)
    state = dict(id="sub_1", customer="cus_1", plan=None, period_start=None, period_end=None,
                 cancel_at_period_end=False)  # fmt: skip
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        subscription_apply(workspace=a.workspace, state=SubscriptionState(status="past_due", observed_at=now, **state))
        subscription_apply(
            workspace=a.workspace, state=SubscriptionState(status="unpaid", observed_at=now + timedelta(hours=1),
                                                           **state)
        )  # fmt: skip
    [note] = Notification.unscoped.filter(workspace=a.workspace, kind="payment_failed")
    assert note.recipient_id == a.users["owner"].pk and note.link == f"/w/{a.workspace.slug}/billing/"


def test_an_import_reports_progress_live_and_notifies_its_starter(
    world, monkeypatch, published, django_capture_on_commit_callbacks
):
    from crm import services
    from crm.importing import passes

    a = world["A"]
    member = a.users["member"]
    account(a.workspace, plan_credits=1000)
    monkeypatch.setattr(passes, "CHUNK_SIZE", 10)
    monkeypatch.setattr("notifications.hooks.PROGRESS_MIN_INTERVAL", 0)
    file = io.BytesIO(("email\n" + "".join(f"p{i}@example.com\n" for i in range(35))).encode())
    file.name = "leads.csv"
    with workspace_scope(a.workspace), django_capture_on_commit_callbacks(execute=True):
        contact_import = services.import_upload(workspace=a.workspace, file=file, user=member)
        services.import_start(contact_import=contact_import, user=member)
    progress = [data for _ws, kind, data, _kw in published if kind == "progress" and data["job"] == "crm.import"]
    assert [p["done"] for p in progress[:4]] == [10, 20, 30, 35]
    assert progress[-1]["status"] == "done" and progress[-1]["percent"] == 100
    [note] = Notification.unscoped.filter(workspace=a.workspace, kind="import_finished")
    assert note.recipient_id == member.pk and "leads.csv" in note.title
    assert any(kind == "notification" and kw.get("user_id") == member.pk for _ws, kind, _d, kw in published)


def test_a_finished_broadcast_notifies_and_publishes_its_final_progress(
    world, published, django_capture_on_commit_callbacks
):
    from whatsapp.models import Broadcast, Message
    from whatsapp.services.sending import broadcast_finish_if_done
    from whatsapp.tests.factories import make_broadcast

    a = world["A"]
    with workspace_scope(a.workspace):
        broadcast = make_broadcast(a.workspace, status=Broadcast.Status.SENDING, created_by=a.users["member"],
                                   count_total=1, count_sent=1)  # fmt: skip
        Message.unscoped.filter(broadcast=broadcast).update(status="sent")
        with django_capture_on_commit_callbacks(execute=True):
            assert broadcast_finish_if_done(broadcast_id=broadcast.pk)
            assert not broadcast_finish_if_done(broadcast_id=broadcast.pk)
    [note] = Notification.unscoped.filter(workspace=a.workspace, kind="broadcast_finished")
    assert note.recipient_id == a.users["member"].pk
    final = [d for _ws, kind, d, _kw in published if kind == "progress" and d["job"] == "whatsapp.broadcast"]
    assert final[-1]["status"] == "completed" and final[-1]["percent"] == 100
