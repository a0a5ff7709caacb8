"""Rollups: recomputed per hour from the modules' rows (idempotent,
re-runnable for a range), counted metrics added in the writer's transaction,
refreshed from a per-workspace cursor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from analytics import rollups
from analytics.models import MetricRollup, RollupCursor
from analytics.tests.factories import usage_event
from nexusone.tenancy import workspace_scope

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def _snapshot(workspace) -> dict:
    return {
        (r.hour, r.module, r.metric, r.dimension): r.value
        for r in MetricRollup.unscoped.filter(workspace=workspace).order_by("hour", "module", "metric")
    }


def test_recompute_is_exact_idempotent_and_re_runnable(world):
    a, b = world["A"].workspace, world["B"].workspace
    usage_event(a, module="content", credits=5, at=T0 + timedelta(minutes=5))
    usage_event(a, module="content", credits=5, at=T0 + timedelta(minutes=59, seconds=59))
    usage_event(a, module="content", credits=5, success=False, at=T0 + timedelta(hours=1))
    usage_event(a, module="magic_pages", credits=10, at=T0 + timedelta(hours=1, minutes=30))
    usage_event(b, module="content", credits=5, at=T0)
    usage_event(a, module="content", credits=5, at=T0, source="client")  # a client report: never counted

    rollups.recompute(workspace_ids=[a.pk], start=T0, end=T0 + timedelta(hours=3))
    first = _snapshot(a)
    assert first == {
        (T0, "content", "actions", ""): 2,
        (T0, "content", "credits", ""): 10,
        (T0 + timedelta(hours=1), "content", "refunded", ""): 1,
        (T0 + timedelta(hours=1), "magic_pages", "actions", ""): 1,
        (T0 + timedelta(hours=1), "magic_pages", "credits", ""): 10,
    }
    assert _snapshot(b) == {}  # only the named workspaces

    rollups.recompute(workspace_ids=[a.pk], start=T0, end=T0 + timedelta(hours=3))
    assert _snapshot(a) == first  # the same again

    usage_event(a, module="content", credits=5, at=T0 + timedelta(minutes=30))  # arrives late
    rollups.recompute(workspace_ids=[a.pk], start=T0, end=T0 + timedelta(hours=1))
    assert _snapshot(a)[(T0, "content", "credits", "")] == 15
    assert _snapshot(a)[(T0 + timedelta(hours=1), "magic_pages", "credits", "")] == 10  # outside the range: kept


def test_refresh_follows_the_cursor_and_catches_late_commits(world):
    a = world["A"].workspace
    now = timezone.now().replace(minute=30)
    usage_event(a, credits=5, at=now - timedelta(days=2))
    rollups.refresh(workspace_ids=[a.pk], now=now, backfill_from=now - timedelta(days=3))
    assert sum(_snapshot(a).values()) == 5 + 1
    assert RollupCursor.objects.get(workspace=a).refreshed_until == now

    usage_event(a, credits=7, at=now - timedelta(minutes=2))  # committed after the refresh, stamped before it
    rollups.refresh(workspace_ids=[a.pk], now=now + timedelta(minutes=1))
    assert sum(v for (h, m, k, d), v in _snapshot(a).items() if k == "credits") == 12


def test_the_tick_refreshes_active_and_touched_workspaces(world, settings):
    settings.REDIS_URL = settings.LIVE_REDIS_URL = ""
    a, b = world["A"].workspace, world["B"].workspace
    now = timezone.now()
    # at `now`, not a minute before: the first refresh starts at the hour of the workspace's creation, so an
    # event backdated across an hour boundary (a run in the first minute of an hour) was left out
    usage_event(a, credits=5, at=now)
    with workspace_scope(b):
        from crm.tests.factories import make_contact

        make_contact(b)  # a free contact: no usage event
    rollups.touch(b.pk)
    outcome = rollups.tick(now=now)
    assert outcome["workspaces"] == 2
    assert any(k == "credits" for (_h, _m, k, _d) in _snapshot(a))
    assert any(k == "new_contacts" for (_h, _m, k, _d) in _snapshot(b))


@pytest.mark.django_db(transaction=True)
def test_counted_metrics_follow_the_writers_transaction():
    from accounts.tests.factories import WorkspaceFactory

    workspace = WorkspaceFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        rollups.bump(workspace_id=workspace.pk, module="magic_pages", metric="views", dimension="7", at=T0)
        raise RuntimeError("the write failed")
    assert not MetricRollup.unscoped.filter(workspace=workspace).exists()
    for _ in range(3):
        rollups.bump(workspace_id=workspace.pk, module="magic_pages", metric="views", dimension="7", at=T0)
    assert MetricRollup.unscoped.get(workspace=workspace, metric="views").value == 3
    # a recompute never touches counted metrics
    rollups.recompute(workspace_ids=[workspace.pk], start=T0, end=T0 + timedelta(hours=1))
    assert MetricRollup.unscoped.get(workspace=workspace, metric="views").value == 3


def test_whatsapp_transitions_count_the_statuses_reached(world):
    a = world["A"].workspace
    with workspace_scope(a):
        rollups.count_whatsapp_transition(old="sending", new="sent", count=10, at=T0)
        rollups.count_whatsapp_transition(old="sent", new="read", count=4, at=T0)  # read implies delivered
        rollups.count_whatsapp_transition(old="sending", new="failed", count=2, at=T0)
        rollups.count_whatsapp_transition(old="queued", new="cancelled", count=5, at=T0)  # not a send
    assert {m: v for (_h, _mod, m, _d), v in _snapshot(a).items()} == {
        "sent": 10, "delivered": 4, "read": 4, "failed": 2,
    }  # fmt: skip


def test_whatsapp_statuses_can_be_rebuilt_from_the_messages(world):
    from whatsapp.models import Message
    from whatsapp.tests.factories import make_account

    a = world["A"].workspace
    account = make_account(a)
    for n, status in enumerate(["sent", "delivered", "read", "failed"]):
        Message.unscoped.create(
            workspace=a, account=account, to=f"+1415555{n:04d}", status=status,
            sent_at=T0 if status != "failed" else None, delivered_at=T0 if status in ("delivered", "read") else None,
            read_at=T0 if status == "read" else None, failed_at=T0 if status == "failed" else None,
        )  # fmt: skip
    rollups.rebuild(start=T0, end=T0 + timedelta(hours=1), workspace_ids=[a.pk])
    counts = {m: v for (_h, mod, m, _d), v in _snapshot(a).items() if mod == "whatsapp"}
    assert counts == {"sent": 3, "delivered": 2, "read": 1, "failed": 1}
    rollups.rebuild(start=T0, end=T0 + timedelta(hours=1), workspace_ids=[a.pk])
    assert {m: v for (_h, mod, m, _d), v in _snapshot(a).items() if mod == "whatsapp"} == counts


def test_the_rerun_command_and_the_beat_tasks(world, capsys):
    from django.core.management import CommandError, call_command

    from analytics.tasks import analytics_rollups_settle, analytics_rollups_tick

    a = world["A"].workspace
    usage_event(a, credits=5, at=T0)
    call_command("analytics_rollup", "--from", "2026-03-10", "--to", "2026-03-10", "--workspace", a.slug)
    assert "rollup rows written" in capsys.readouterr().out
    first = _snapshot(a)
    call_command("analytics_rollup", "--from", "2026-03-10", "--to", "2026-03-10", "--workspace", a.slug)
    assert _snapshot(a) == first and first[(T0, "content", "credits", "")] == 5
    with pytest.raises(CommandError):
        call_command("analytics_rollup", "--from", "2026-03-10", "--to", "2026-03-01")
    usage_event(a, credits=5, at=timezone.now())
    assert analytics_rollups_tick()["workspaces"] >= 1
    assert analytics_rollups_settle() >= 1


def test_a_page_view_counts_the_page_and_its_hour_in_one_statement(world):
    from content.models import LandingPage
    from content.tests.factories import make_landing_page

    a = world["A"].workspace
    with workspace_scope(a):
        page = make_landing_page(a, status="published")
    for _ in range(2):
        assert rollups.bump_with_counter(model=LandingPage, pk=page.pk, counter="views", module="magic_pages",
                                         metric="views", dimension=str(page.pk), at=T0)  # fmt: skip
    assert not rollups.bump_with_counter(model=LandingPage, pk=0, counter="views", module="magic_pages",
                                         metric="views", at=T0)  # fmt: skip
    assert LandingPage.unscoped.get(pk=page.pk).views == 2
    assert _snapshot(a) == {(T0, "magic_pages", "views", str(page.pk)): 2}


def test_bump_many_ends_where_one_bump_per_event_ends_in_one_statement(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a, b = world["A"].workspace, world["B"].workspace
    now = timezone.now()
    events = [("orders", 1, now), ("revenue_cents", 4498, now), ("cost_cents", 0, now),  # a zero adds nothing
              ("orders", 1, now), ("revenue_cents", 1000, now), ("orders", 1, None), ("orders", 2, T0)]  # fmt: skip
    rollups.bump(workspace_id=a.pk, module="commerce", metric="orders", value=5, at=now)  # added to, not replaced
    rollups.bump(workspace_id=b.pk, module="commerce", metric="orders", value=5, at=now)
    for metric, value, at in events:
        rollups.bump(workspace_id=a.pk, module="commerce", metric=metric, value=value, at=at)
    with CaptureQueriesContext(connection) as queries:
        rollups.bump_many(workspace_id=b.pk, module="commerce", rows=events)
    # one UPSERT for both hours; the March one is late, so its seals are looked at once (there are none)
    assert [q["sql"].split()[0] for q in queries] == ["INSERT", "SAVEPOINT", "SELECT", "RELEASE"]
    assert _snapshot(b) == _snapshot(a)
    hour = rollups.floor_hour(now)
    assert _snapshot(b)[(hour, "commerce", "orders", "")] == 5 + 3
    assert _snapshot(b)[(T0, "commerce", "orders", "")] == 2
    assert (hour, "commerce", "cost_cents", "") not in _snapshot(b)
