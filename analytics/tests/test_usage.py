"""Usage events from the charge door, the usage API (filters, daily credits
by module, isolation) and the server-rendered chart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from analytics import charts, selectors
from analytics.models import UsageEvent
from analytics.tests.factories import usage_event
from billing.charging import charge
from billing.tests.factories import account

pytestmark = pytest.mark.django_db


def test_the_charge_door_writes_one_event_per_charged_action(world):
    ws = world["A"].workspace
    account(ws, plan_credits=100)
    with charge(workspace=ws, user=world["A"].users["member"], module="magic_pages", action="generate") as handle:
        handle.metadata.update(tokens={"prompt": 10, "completion": 90}, provider="offline")
    with pytest.raises(RuntimeError), charge(workspace=ws, module="content"):
        raise RuntimeError("provider crashed")
    ok, failed = UsageEvent.unscoped.filter(workspace=ws).order_by("id")
    assert (ok.module, ok.action, ok.credits, ok.success, ok.user_id) == (
        "magic_pages", "generate", 10, True, world["A"].users["member"].pk,
    )  # fmt: skip
    assert ok.metadata == {"tokens": {"prompt": 10, "completion": 90}, "provider": "offline"}
    assert (failed.module, failed.success, failed.metadata["error"]) == ("content", False, "RuntimeError")


def test_usage_api_filters_by_module_and_dates_and_sums_credits_per_day(world):
    ws = world["A"].workspace
    today = timezone.localdate()
    noon = lambda d: datetime.combine(d, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)  # noqa: E731
    usage_event(ws, module="content", credits=5, at=noon(today))
    usage_event(ws, module="content", credits=5, at=noon(today))
    usage_event(ws, module="content", credits=5, success=False, at=noon(today))
    usage_event(ws, module="magic_pages", credits=10, at=noon(today - timedelta(days=1)))
    usage_event(ws, module="magic_pages", credits=10, at=noon(today - timedelta(days=40)))
    usage_event(world["B"].workspace, module="content", credits=999, at=noon(today))
    client = world["A"].client("viewer")
    body = client.get("/api/v1/analytics/usage").json()
    assert body["date_to"] == today.isoformat() and body["date_from"] == (today - timedelta(days=29)).isoformat()
    daily = {(row["date"], row["module"]): row for row in body["daily"]}
    assert daily[(today.isoformat(), "content")] == {
        "date": today.isoformat(), "module": "content", "credits": 10, "events": 3, "failed": 1,
    }  # fmt: skip
    assert daily[((today - timedelta(days=1)).isoformat(), "magic_pages")]["credits"] == 10
    assert len(body["daily"]) == 2 and len(body["events"]) == 4
    assert body["by_module"] == [
        {"module": "content", "credits": 10, "events": 3, "failed": 1},
        {"module": "magic_pages", "credits": 10, "events": 1, "failed": 0},
    ]
    assert "999" not in str(body)
    only = client.get("/api/v1/analytics/usage?module=magic_pages").json()
    assert {e["module"] for e in only["events"]} == {"magic_pages"}
    old = (today - timedelta(days=45)).isoformat(), (today - timedelta(days=35)).isoformat()
    ranged = client.get(f"/api/v1/analytics/usage?date_from={old[0]}&date_to={old[1]}").json()
    assert [row["credits"] for row in ranged["daily"]] == [10]


def test_usage_api_rejects_bad_ranges_and_pages_events(world):
    ws = world["A"].workspace
    for _ in range(7):
        usage_event(ws)
    client = world["A"].client("viewer")
    assert client.get("/api/v1/analytics/usage?date_from=2025-02-01&date_to=2025-01-01").status_code == 400
    assert client.get("/api/v1/analytics/usage?date_from=2020-01-01&date_to=2025-01-01").status_code == 400
    assert client.get("/api/v1/analytics/usage?date_from=yesterday").status_code == 400
    first = client.get("/api/v1/analytics/usage?page_size=5").json()
    assert len(first["events"]) == 5 and first["next"]
    assert len(client.get(first["next"]).json()["events"]) == 2


def test_days_follow_the_users_time_zone(world, settings):
    from zoneinfo import ZoneInfo

    ws = world["A"].workspace
    # 23:30 UTC on Jan 1 is already Jan 2 in Jerusalem
    usage_event(ws, credits=5, at=datetime(2030, 1, 1, 23, 30, tzinfo=UTC))
    from nexusone.tenancy import workspace_scope

    with timezone.override(ZoneInfo("Asia/Jerusalem")), workspace_scope(ws):
        period = selectors.usage_range(date_from=date(2030, 1, 1), date_to=date(2030, 1, 3))
        rows = selectors.usage_daily(workspace=ws, period=period)
    assert [(row["date"], row["credits"]) for row in rows] == [(date(2030, 1, 2), 5)]


def test_the_chart_is_stacked_escaped_and_mirrored_for_rtl():
    days = [date(2030, 1, 1), date(2030, 1, 2)]
    daily = [
        {"date": days[0], "module": "content", "credits": 5},
        {"date": days[0], "module": "magic_pages", "credits": 10},
        {"date": days[1], "module": "content", "credits": 0},
    ]
    colors = charts.module_colors(["content", "magic_pages"])
    labels = {"content": "<b>AI</b>", "magic_pages": "Pages"}
    ltr = charts.daily_credits_svg(days=days, daily=daily, colors=colors, labels=labels)
    rtl = charts.daily_credits_svg(days=days, daily=daily, colors=colors, labels=labels, rtl=True)
    assert ltr.count("<rect") == 2 and "<b>" not in ltr and "&lt;b&gt;AI&lt;/b&gt;" in ltr
    assert ltr != rtl and rtl.count("<rect") == 2
    assert charts._nice_ceiling(15) == 20 and charts._nice_ceiling(0) == 10 and charts._nice_ceiling(101) == 200
