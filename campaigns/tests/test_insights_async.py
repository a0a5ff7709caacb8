"""Insights through Meta's asynchronous report runs, against the Graph double:
a report still running answers 202 and the poll task finishes it, "Job
Failed" and "Job Skipped" end the run with Meta's reason, throttling while
polling waits the time `X-Business-Use-Case-Usage` gives, an expired report
stops being polled, and the offline provider's report is ready at once."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from django.utils import timezone

from campaigns.models import AdInsight, Campaign, InsightRun
from campaigns.tests import graph_double as g
from campaigns.tests.test_launch import _draft, _eager, connect_meta, graph, launch, meta_app  # noqa: F401
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db

URL = "/api/v1/campaigns/"


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch):
    monkeypatch.setattr("campaigns.insights.sleep", lambda seconds: None)


@pytest.fixture
def launched(funded, meta_app, graph):  # noqa: F811
    connect_meta(funded.workspace)
    client = funded.client("member")
    body = launch(client, _draft(client, variants=2)["id"])
    assert body["status"] == "active", body["launch_error"]
    today = timezone.now().date().isoformat()
    a, b = (v["external_ad_id"] for v in body["variants"])
    graph.insight_rows = [
        g.insight(a, today, impressions=1500, clicks=45, spend="9.87", purchases=2, value="80.00"),
        g.insight(b, today, impressions=900, clicks=9, spend="5.13"),
    ]
    return client, body


def _poll(tenant, run_id):
    from campaigns.tasks import insight_run_poll_task

    return insight_run_poll_task(workspace_id=tenant.workspace.pk, run_id=run_id)


def test_a_report_still_running_is_202_and_the_poll_task_finishes_it(funded, launched, graph, monkeypatch):  # noqa: F811
    client, body = launched
    graph.report_script = ["Job Not Started"] + ["Job Running"] * 8 + ["Job Completed"]
    monkeypatch.setattr("campaigns.insights.INLINE_WAIT", 1.0)  # two polls inline, then the task
    response = client.post(f"{URL}{body['id']}/sync")
    assert response.status_code == 202, response.content
    run = response.json()["run"]
    assert (run["status"], run["provider_status"], run["percent"]) == ("running", "Job Running", 45)
    assert response.json()["rows"] == 0 and not AdInsight.unscoped.filter(campaign_id=body["id"]).exists()

    # A second sync of the same range while it runs asks Meta for nothing new.
    assert client.post(f"{URL}{body['id']}/sync").json()["run"]["id"] == run["id"]
    assert len(graph.calls(f"/{g.ACCOUNT}/insights")) == 1

    outcomes = [_poll(funded, run["id"]) for _ in range(8)]
    assert outcomes[-1] == "done" and "completed" in outcomes
    finished = InsightRun.unscoped.get(pk=run["id"])
    assert (finished.status, finished.percent, finished.rows) == ("completed", 100, 2)
    assert finished.provider_status == "Job Completed" and finished.finished_at is not None
    assert AdInsight.unscoped.filter(campaign_id=body["id"]).count() == 2
    assert graph.reports[run["report_run_id"]]["polls"] == 10  # no poll after "Job Completed"


@pytest.mark.parametrize(
    ("final", "status", "message"),
    [
        ("Job Failed", "failed", "The report could not be generated. Please try a smaller date range."),
        ("Job Skipped", "skipped", "Meta skipped the insights report"),
    ],
)
def test_failed_and_skipped_reports_end_with_metas_reason(funded, launched, graph, final, status, message):  # noqa: F811
    client, body = launched
    graph.report_script = ["Job Running", final]
    response = client.post(f"{URL}{body['id']}/sync")
    assert response.status_code == 502 and response.json()["error"]["code"] == "ads_provider_error"
    assert message in response.json()["error"]["message"]
    run = InsightRun.unscoped.get(campaign_id=body["id"])
    assert run.status == status and message in run.error and run.provider_status == final
    assert not AdInsight.unscoped.filter(campaign_id=body["id"]).exists()
    assert not graph.calls(f"/{run.report_run_id}/insights")  # no rows read from a failed report
    # The next sync asks Meta for a new report instead of reusing the failed one.
    graph.report_script = ["Job Completed"]
    again = client.post(f"{URL}{body['id']}/sync")
    assert again.status_code == 200 and again.json()["rows"] == 2
    assert InsightRun.unscoped.filter(campaign_id=body["id"]).count() == 2


def test_throttling_while_polling_waits_what_the_usage_header_says(funded, launched, graph, monkeypatch):  # noqa: F811
    from campaigns import tasks

    client, body = launched
    graph.report_script = ["Job Running", "Job Completed"]
    monkeypatch.setattr("campaigns.insights.INLINE_WAIT", 0.0)
    monkeypatch.setattr(tasks, "eager", lambda: False)
    scheduled = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, countdown=None, **kw: scheduled.append((task.name, countdown)))
    run_id = client.post(f"{URL}{body['id']}/sync").json()["run"]["id"]
    throttled = g.error(
        "(#80000) There have been too many calls from this ad-account. Wait a bit and try again.", 80000, 2446079
    )
    graph.fail(
        "report_status", httpx.Response(400, headers=g.usage_header(minutes=7, kind="ads_insights"), json=throttled)
    )
    assert _poll(funded, run_id) == "running"
    assert scheduled[-1] == ("campaigns.tasks.insight_run_poll", 420.0)  # estimated_time_to_regain_access: 7 min
    assert _poll(funded, run_id) == "completed"
    assert InsightRun.unscoped.get(pk=run_id).rows == 2


def test_an_expired_token_while_polling_ends_the_run(funded, launched, graph):  # noqa: F811
    _client, body = launched
    graph.report_script = ["Job Running"]
    with workspace_scope(funded.workspace):
        from campaigns.insights import insights_request

        run = insights_request(
            campaign=Campaign.objects.get(pk=body["id"]), since=date(2026, 12, 1), until=date(2026, 12, 2)
        )
    graph.fail("report_status", httpx.Response(400, json=g.error("Error validating access token.", 190, 463)))
    assert _poll(funded, run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and "reconnect Meta" in run.error


def test_a_report_meta_never_finishes_expires(funded, launched, graph):  # noqa: F811
    from campaigns.insights import REPORT_MAX_AGE

    _client, body = launched
    graph.report_script = ["Job Running"]
    with workspace_scope(funded.workspace):
        from campaigns.insights import insights_request

        run = insights_request(
            campaign=Campaign.objects.get(pk=body["id"]), since=date(2026, 12, 1), until=date(2026, 12, 2)
        )
    InsightRun.unscoped.filter(pk=run.pk).update(created_at=timezone.now() - REPORT_MAX_AGE - timedelta(minutes=1))
    assert _poll(funded, run.pk) == "expired"
    assert "did not finish" in InsightRun.unscoped.get(pk=run.pk).error
    assert _poll(funded, run.pk) == "done"  # never polled again


def test_the_beat_sync_asks_for_a_report_and_the_sweep_resumes_a_lost_poll(funded, launched, graph, monkeypatch):  # noqa: F811
    from campaigns import tasks

    _client, body = launched
    graph.report_script = ["Job Running"] * 2 + ["Job Completed"]
    assert tasks.campaign_sync_task(workspace_id=funded.workspace.pk, campaign_id=body["id"], days=3) == "running"
    run = InsightRun.unscoped.get(campaign_id=body["id"])
    assert (run.since, run.until) == (timezone.now().date() - timedelta(days=2), timezone.now().date())
    InsightRun.unscoped.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    swept = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, countdown=None, **kw: swept.append(kw["run_id"]))
    assert tasks.insight_runs_sweep() == 1 and swept == [run.pk]
    assert _poll(funded, run.pk) == "running" and _poll(funded, run.pk) == "completed"


def test_the_offline_report_is_ready_at_once(funded, settings):
    settings.META_APP_ID = ""
    client = funded.client("member")
    campaign_id = _draft(client)["id"]
    assert client.post(f"{URL}{campaign_id}/launch").status_code == 202
    Campaign.unscoped.filter(pk=campaign_id).update(launched_at=timezone.now() - timedelta(days=4))
    response = client.post(f"{URL}{campaign_id}/sync")
    assert response.status_code == 200 and response.json()["rows"] == 15  # 5 days × 3 ads
    run = response.json()["run"]
    assert run["status"] == "completed" and run["report_run_id"].startswith("offline_report_")
