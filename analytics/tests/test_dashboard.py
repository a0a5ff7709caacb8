"""The workspace dashboard: figures against a fixture with known answers,
time-zone day boundaries, "not used" panels, CSV, the Hebrew page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from analytics import rollups
from analytics.tests.factories import usage_event
from nexusone.tenancy import workspace_scope

# Local days in Jerusalem (UTC+2 in early March): 2026-03-09 … 2026-03-11.
DAY1 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
LATE = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)  # 00:30 on March 11th in Jerusalem, 18:30 March 10th in New York
QUERY = "from=2026-03-09&to=2026-03-11"


@pytest.fixture
def busy(world):
    """Workspace A: known activity in every module that exists."""
    from content.tests.factories import make_generation, make_landing_page
    from crm.tests.factories import make_contact, make_import
    from whatsapp.tests.factories import make_broadcast

    a = world["A"].workspace
    usage_event(a, module="content", credits=5, at=DAY1)
    usage_event(a, module="content", credits=5, at=DAY1 + timedelta(hours=1))
    usage_event(a, module="content", credits=5, success=False, at=DAY1)  # refunded: no credits
    usage_event(a, module="magic_pages", credits=10, at=LATE)
    usage_event(a, module="whatsapp_bot", credits=15, at=DAY1)
    with workspace_scope(a):
        for at in (DAY1, DAY1):
            generation = make_generation(a)
            type(generation).unscoped.filter(pk=generation.pk).update(created_at=at)
        page = make_landing_page(a, title="=cmd|' /C calc'!A0 Spring offer", status="published")
        type(page).unscoped.filter(pk=page.pk).update(created_at=DAY1)
        for stage, at in (("lead", DAY1), ("lead", LATE), ("customer", DAY1)):
            contact = make_contact(a, stage=stage)
            type(contact).unscoped.filter(pk=contact.pk).update(created_at=at)
        make_import(a, finished_at=LATE)
        broadcast = make_broadcast(a)
        type(broadcast).unscoped.filter(pk=broadcast.pk).update(created_at=DAY1)
        rollups.count_whatsapp_transition(old="sending", new="sent", count=10, at=DAY1)
        rollups.count_whatsapp_transition(old="sent", new="delivered", count=8, at=DAY1)
        rollups.count_whatsapp_transition(old="delivered", new="read", count=4, at=LATE)
        rollups.count_whatsapp_transition(old="sending", new="failed", count=2, at=DAY1)
    for _ in range(4):
        rollups.bump(workspace_id=a.pk, module="magic_pages", metric="views", dimension=str(page.pk), at=DAY1)
    from content.models import LandingPageSubmission

    submission = LandingPageSubmission.unscoped.create(workspace=a, page=page, fingerprint="f1", name="Dana",
                                                       email="dana@example.test", language="he")  # fmt: skip
    LandingPageSubmission.unscoped.filter(pk=submission.pk).update(created_at=DAY1)
    return world["A"]


def _panels(response) -> dict:
    assert response.status_code == 200, response.content[:300]
    return {panel["key"]: panel for panel in response.json()["panels"]}


def _row(panel, day: str) -> dict:
    return next(row for row in panel["rows"] if row["date"] == day)


def test_the_dashboard_figures_match_the_fixture(busy):
    panels = _panels(busy.client("viewer").get(f"/api/v1/analytics/dashboard?{QUERY}&tz=Asia/Jerusalem"))
    credits = panels["credits"]
    assert _row(credits, "2026-03-09") == {"date": "2026-03-09", "content": 10, "magic_pages": 0, "whatsapp_bot": 15}
    assert _row(credits, "2026-03-11")["magic_pages"] == 10  # 22:30 UTC is the next day in Jerusalem
    assert {s["label"]: s["value"] for s in credits["summary"]}["All modules"] == "35"

    outputs = {s["label"]: s["value"] for s in panels["outputs"]["summary"]}
    assert outputs == {"Content": "2", "Landing pages": "1", "Broadcasts": "1", "Imports": "1"}

    whatsapp = {s["label"]: s["value"] for s in panels["whatsapp"]["summary"]}
    assert (whatsapp["Sent"], whatsapp["Delivered"], whatsapp["Read"], whatsapp["Failed"]) == ("10", "8", "4", "2")
    assert whatsapp["Delivery rate"] == "80.0%" and whatsapp["Read rate"] == "50.0%"
    assert whatsapp["Failure rate"] == "16.7%"

    crm = panels["crm"]
    assert {s["label"]: s["value"] for s in crm["summary"]}["New in this period"] == "3"
    assert {row["stage"]: row["contacts"] for row in crm["table"]["rows"]} == {
        "Lead": 2, "Prospect": 0, "Customer": 1, "Churned": 0,
    }  # fmt: skip
    assert _row(crm, "2026-03-11")["new_contacts"] == 1

    pages = panels["pages"]
    [page_row] = pages["table"]["rows"]
    assert (page_row["views"], page_row["conversions"], page_row["rate"]) == (4, 1, "25.0%")

    assert panels["campaigns"]["used"] is False and panels["campaigns"]["message"]
    assert panels["commerce"]["used"] is False and panels["commerce"]["rows"] == []


@pytest.mark.parametrize(
    ("tz", "late_day"), [("Asia/Jerusalem", "2026-03-11"), ("UTC", "2026-03-10"), ("America/New_York", "2026-03-10")]
)
def test_days_are_cut_at_the_requested_time_zones_midnight(busy, tz, late_day):
    panels = _panels(busy.client("owner").get(f"/api/v1/analytics/dashboard?{QUERY}&tz={tz}&panel=credits"))
    days = {row["date"]: row["magic_pages"] for row in panels["credits"]["rows"]}
    assert days[late_day] == 10 and sum(days.values()) == 10


def test_the_dashboard_reads_rollups_that_are_kept_fresh(busy, django_assert_max_num_queries):
    client = busy.client("owner")
    _panels(client.get(f"/api/v1/analytics/dashboard?{QUERY}&tz=UTC"))  # first read: builds the rollups
    # A fresh read: membership + plan throttle + cursor + one rollup scan + CRM stages + page titles + labels.
    with django_assert_max_num_queries(12):
        _panels(client.get(f"/api/v1/analytics/dashboard?{QUERY}&tz=UTC"))


def test_csv_export_of_one_panel_and_of_all(busy):
    client = busy.client("member")
    response = client.get(f"/api/v1/analytics/dashboard?{QUERY}&tz=Asia/Jerusalem&panel=pages&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Date", "Views", "Conversions"]
    assert ["2026-03-09", "4", "1"] in rows
    assert ["'=cmd|' /C calc'!A0 Spring offer", "4", "1", "25.0%"] in rows  # a formula is neutralised

    everything = client.get(f"/api/v1/analytics/dashboard?{QUERY}&tz=UTC", HTTP_ACCEPT="text/csv")
    lines = list(csv.reader(io.StringIO(everything.content.decode())))
    assert lines[0] == ["panel", "date", "series", "value"]
    assert ["credits", "2026-03-09", "whatsapp_bot", "15"] in lines


@pytest.mark.parametrize(
    "query",
    ["tz=Mars/Olympus", "from=2026-03-10&to=2026-03-01", "from=2024-01-01&to=2026-01-01", "panel=nope", "to=soon"],
)
def test_bad_queries_are_400_in_the_envelope(world, query):
    response = world["A"].client("viewer").get(f"/api/v1/analytics/dashboard?{query}", HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_a_new_workspace_sees_not_used_panels(world):
    panels = _panels(world["B"].client("viewer").get("/api/v1/analytics/dashboard"))
    assert not any(panel["used"] for panel in panels.values())
    assert all(panel["message"] for panel in panels.values())


def test_the_page_in_hebrew_is_right_to_left_with_mirrored_charts(busy):
    from django.utils import timezone

    usage_event(busy.workspace, module="content", credits=5, at=timezone.now() - timedelta(days=1))
    client = Client()
    client.force_login(busy.users["viewer"])
    html = client.get(f"/he/w/{busy.workspace.slug}/analytics/?days=90").content.decode()
    assert 'dir="rtl"' in html and "<svg" in html and "chart-credits" in html
    assert 'text-anchor="start"' in html  # the value axis sits on the right
    csv_body = client.get(f"/he/w/{busy.workspace.slug}/analytics/?days=90&export=credits").content.decode()
    assert csv_body.splitlines()[0].split(",")[0] == "תאריך"  # headers in the reader's language
