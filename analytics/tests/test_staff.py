"""Module usage across workspaces and user analytics (DAU/WAU/MAU, sign-ups,
conversion, retention cohorts) on a hand-built fixture."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from accounts.models import User
from analytics import staff
from analytics.tests.factories import rollup, usage_event
from billing.tests.factories import account

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def test_module_usage_counts_credits_actions_and_active_workspaces(world):
    a, b = world["A"].workspace, world["B"].workspace
    may = datetime(2026, 5, 3, 10, tzinfo=UTC)
    rollup(a, hour=may, module="content", metric="credits", value=10)
    rollup(a, hour=may, module="content", metric="actions", value=2)
    rollup(a, hour=may + timedelta(days=1), module="content", metric="actions", value=1)
    rollup(b, hour=may, module="content", metric="actions", value=4)
    rollup(b, hour=may, module="crm", metric="refunded", value=9)  # not usage
    rows = staff.module_usage(now=NOW)
    assert rows == [{"month": date(2026, 5, 1), "module": "content", "credits": 10, "actions": 7,
                     "active_workspaces": 2}]  # fmt: skip


def test_active_users_signups_conversion_and_retention(world):
    a = world["A"]
    owner, member, viewer = a.users["owner"], a.users["member"], a.users["viewer"]
    User.objects.filter(pk__in=[owner.pk, member.pk]).update(date_joined=datetime(2026, 4, 2, tzinfo=UTC))
    User.objects.filter(pk=viewer.pk).update(date_joined=datetime(2026, 5, 2, tzinfo=UTC))
    User.objects.exclude(pk__in=[owner.pk, member.pk, viewer.pk]).update(date_joined=datetime(2024, 1, 1, tzinfo=UTC))
    acct = account(a.workspace)
    type(acct).unscoped.filter(pk=acct.pk).update(stripe_subscription_id="sub_1")  # the owner's workspace pays
    usage_event(a.workspace, user=owner, at=datetime(2026, 4, 5, tzinfo=UTC))
    usage_event(a.workspace, user=owner, at=datetime(2026, 5, 5, tzinfo=UTC))
    usage_event(a.workspace, user=member, at=datetime(2026, 4, 9, tzinfo=UTC))
    usage_event(a.workspace, user=viewer, at=NOW - timedelta(hours=2), source="client")
    usage_event(a.workspace, user=member, at=NOW - timedelta(days=5))

    assert staff.active_users(now=NOW) == {"dau": 1, "wau": 2, "mau": 2}
    cohorts = {row["month"]: row for row in staff.user_cohorts(now=NOW)}
    april, may = cohorts[date(2026, 4, 1)], cohorts[date(2026, 5, 1)]
    assert (april["signups"], april["converted"], april["conversion"]) == (2, 1, 0.5)
    assert april["retention"][:3] == [1.0, 0.5, 0.5]  # April both; May the owner; June the member
    assert (may["signups"], may["converted"], may["retention"][:2]) == (1, 0, [0.0, 1.0])
    assert cohorts[date(2026, 3, 1)]["signups"] == 0 and cohorts[date(2026, 3, 1)]["conversion"] is None
