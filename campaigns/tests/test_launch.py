"""Launching on Meta through a local double of the Graph API (and offline):
exactly the expected objects with the expected parameters, resumable after a
failure midway, throttling, expired tokens, status mirroring, and the
offline provider when the platform has no Meta app."""

from __future__ import annotations

import json

import httpx
import pytest

from campaigns.models import AdVariant, Campaign
from campaigns.tests import graph_double as g
from campaigns.tests.conftest import request_body
from campaigns.tests.factories import make_campaign
from integrations.models import Connection, Kind, Status
from integrations.tests.factories import make_connection

pytestmark = pytest.mark.django_db

URL = "/api/v1/campaigns/"


@pytest.fixture
def meta_app(settings):
    settings.META_APP_ID = "1234567890"
    settings.META_APP_SECRET = "app-secret-for-tests"
    settings.META_GRAPH_URL = "https://graph.facebook.com/v21.0"
    return settings


def connect_meta(workspace, **picks) -> Connection:
    values = {"ad_account_id": g.ACCOUNT, "page_id": g.PAGE, **picks}
    return make_connection(
        workspace,
        "meta",
        kind=Kind.OAUTH,
        api_key="",
        access_token=g.USER_TOKEN,
        secret_last4=g.USER_TOKEN[-4:],
        settings={k: v for k, v in values.items() if v},
        assets={
            "ad_accounts": [{"id": g.ACCOUNT, "account_id": g.ACCOUNT[4:], "name": "Tienda", "currency": "EUR",
                             "status": 1, "timezone": "Europe/Madrid"}],
            "pages": [{"id": g.PAGE, "name": "Tienda", "category": "Shopping & retail"}],
            "instagram_accounts": [],
        },
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _eager(django_capture_on_commit_callbacks, monkeypatch):
    """Run what a request hands to tasks after commit, as a worker would."""
    from rest_framework.test import APIClient

    original = APIClient.generic

    def generic(self, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, *args, **kwargs)

    monkeypatch.setattr(APIClient, "generic", generic)


def launch(client, campaign_id) -> dict:
    response = client.post(f"{URL}{campaign_id}/launch")
    assert response.status_code == 202, response.content
    return client.get(f"{URL}{campaign_id}").json()


@pytest.fixture
def graph():
    double = g.Graph()
    with double.installed():
        yield double


def _draft(client, **extra) -> dict:
    response = client.post(URL, request_body(**extra), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_offline_launch_sync_insights_and_ab_verdict(funded, settings):
    settings.META_APP_ID = ""
    client = funded.client("member")
    assert client.get(f"{URL}provider").json()["provider"] == "offline"
    draft = _draft(client)
    body = launch(client, draft["id"])
    assert body["status"] == "active" and body["provider"] == "offline"
    assert body["external_campaign_id"].startswith("offline_")
    assert all(v["external_ad_id"].startswith("offline_") and v["status"] == "active" for v in body["variants"])
    Campaign.unscoped.filter(pk=draft["id"]).update(launched_at=Campaign.unscoped.get(pk=draft["id"]).launched_at
                                                    - __import__("datetime").timedelta(days=9))  # fmt: skip
    synced = client.post(f"{URL}{draft['id']}/sync")
    assert synced.status_code == 200 and synced.json()["rows"] == 30  # 10 days × 3 ads
    assert client.post(f"{URL}{draft['id']}/sync").json()["rows"] == 30  # upserted, not duplicated
    insights = client.get(f"{URL}{draft['id']}/insights").json()
    assert len(insights["rows"]) == 10 and insights["totals"]["impressions"] > 0 and insights["provider"] == "offline"
    per_ad = client.get(f"{URL}{draft['id']}/insights?level=ad").json()
    assert {row["label"] for row in per_ad["rows"]} == {"A", "B", "C"}
    ab = client.get(f"{URL}{draft['id']}/ab-test").json()
    assert ab["offline"] is True and ab["leader"] in {v["id"] for v in body["variants"]}
    assert len(ab["variants"]) == 3 and 0 <= ab["p_value"] <= 1
    metrics = client.get(f"{URL}metrics").json()
    assert metrics["totals"]["EUR"]["impressions"] == insights["totals"]["impressions"]


def test_meta_launch_creates_exactly_the_expected_objects(funded, meta_app, graph):
    connect_meta(funded.workspace)
    client = funded.client("member")
    assert client.get(f"{URL}provider").json() == {
        "provider": "meta", "offline": False, "ready": True, "missing": [], "ad_account_id": g.ACCOUNT,
        "page_id": g.PAGE, "currency": "EUR", "message": client.get(f"{URL}provider").json()["message"],
    }  # fmt: skip
    draft = _draft(client)
    body = launch(client, draft["id"])
    assert body["status"] == "active" and body["provider"] == "meta", body["launch_error"]
    assert {k: len(v) for k, v in graph.created.items()} == {
        "campaigns": 1, "adsets": 1, "adcreatives": 3, "ads": 3, "adimages": 0
    }  # fmt: skip

    campaign = graph.created["campaigns"][0]
    assert campaign["objective"] == "OUTCOME_TRAFFIC" and campaign["status"] == "PAUSED"
    assert json.loads(campaign["special_ad_categories"]) == []
    assert campaign["access_token"] == g.USER_TOKEN and len(campaign["appsecret_proof"]) == 64

    adset = graph.created["adsets"][0]
    assert adset["daily_budget"] == "2000"  # 20.00 EUR in cents
    assert adset["campaign_id"] == body["external_campaign_id"]
    assert (adset["billing_event"], adset["optimization_goal"]) == ("IMPRESSIONS", "LINK_CLICKS")
    targeting = json.loads(adset["targeting"])
    assert targeting["geo_locations"] == {"countries": ["ES", "MX"]}
    assert (targeting["age_min"], targeting["age_max"], targeting["genders"]) == (25, 45, [2])
    assert targeting["flexible_spec"] == [{"interests": [g.INTERESTS["yoga"], g.INTERESTS["running"]]}]
    assert targeting["locales"] == [23]  # "Spanish (All)"
    assert targeting["targeting_automation"] == {"advantage_audience": 0}

    variants = body["variants"]
    for index, creative in enumerate(graph.created["adcreatives"]):
        spec = json.loads(creative["object_story_spec"])
        assert spec["page_id"] == g.PAGE
        link = spec["link_data"]
        assert link["link"] == "https://tienda.example/esterilla"
        assert (link["name"], link["message"]) == (variants[index]["headline"], variants[index]["primary_text"])
        assert link["call_to_action"] == {"type": "SHOP_NOW", "value": {"link": "https://tienda.example/esterilla"}}
    for ad in graph.created["ads"]:
        assert ad["adset_id"] and json.loads(ad["creative"])["creative_id"] and ad["status"] == "ACTIVE"
    assert graph.status_updates == [(body["external_campaign_id"], "ACTIVE")]  # switched on last
    assert len({v["external_ad_id"] for v in variants}) == 3

    from webhooks.models import WebhookEvent

    assert WebhookEvent.unscoped.filter(workspace=funded.workspace, type="campaign.launched").count() <= 1


@pytest.mark.parametrize(
    "picks, missing",
    [
        (None, ["meta_connection"]),
        ({"page_id": ""}, ["page_id"]),
        ({"ad_account_id": "", "page_id": ""}, ["ad_account_id", "page_id"]),
    ],
)
def test_launch_without_what_meta_needs_is_400_and_creates_nothing(funded, meta_app, graph, picks, missing):
    if picks is not None:
        connect_meta(funded.workspace, **picks)
    client = funded.client("member")
    draft = _draft(client)
    response = client.post(f"{URL}{draft['id']}/launch")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "integration_required"
    assert response.json()["error"]["details"]["missing"] == missing
    assert graph.requests == []
    assert Campaign.unscoped.get(pk=draft["id"]).status == "draft"
    assert client.get(f"{URL}provider").json()["missing"] == missing


def test_conversions_need_a_pixel_and_the_account_currency(funded, meta_app, graph):
    connect_meta(funded.workspace)
    client = funded.client("member")
    conversions = _draft(client, objective="CONVERSIONS")
    response = client.post(f"{URL}{conversions['id']}/launch")
    assert response.status_code == 400 and response.json()["error"]["details"]["missing"] == ["pixel_id"]
    dollars = _draft(client, budget={"currency": "USD"})
    response = client.post(f"{URL}{dollars['id']}/launch")
    assert response.status_code == 400 and response.json()["error"]["code"] == "currency_mismatch"
    assert graph.requests == []


def test_a_retry_after_a_failure_midway_creates_nothing_twice(funded, meta_app, graph):
    connect_meta(funded.workspace)
    client = funded.client("member")
    draft = _draft(client)
    graph.fail(
        "ads",
        httpx.Response(400, json=g.error("Invalid parameter", 100, 1885183,
                                         user_msg="The link in your ad's destination URL is broken.")),
    )  # fmt: skip
    first = launch(client, draft["id"])
    assert first["status"] == "failed"
    assert first["launch_error"] == "Meta refused the request: The link in your ad's destination URL is broken."
    assert {k: len(v) for k, v in graph.created.items() if v} == {"campaigns": 1, "adsets": 1, "adcreatives": 1}
    second = launch(client, draft["id"])
    assert second["status"] == "active", second["launch_error"]
    assert {k: len(v) for k, v in graph.created.items() if v} == {
        "campaigns": 1,
        "adsets": 1,
        "adcreatives": 3,
        "ads": 3,
    }
    assert len(graph.calls("/search")) == 3  # interests and locales resolved once, kept in the launch state


def test_throttling_80004_backs_off_per_the_usage_header(funded, meta_app, graph, monkeypatch):
    connect_meta(funded.workspace)
    client = funded.client("member")
    draft = _draft(client)
    countdowns = []
    from campaigns import launching

    original = launching.enqueue_launch
    monkeypatch.setattr(
        launching, "enqueue_launch", lambda c, countdown=0: (countdowns.append(countdown), original(c, countdown))[1]
    )
    graph.fail(
        "adsets",
        httpx.Response(400, headers=g.usage_header(minutes=5),
                       json=g.error("(#80004) There have been too many calls to this ad-account. Wait a bit "
                                    "and try again.", 80004, 2446079)),
    )  # fmt: skip
    response = launch(client, draft["id"])
    assert countdowns[-1] == 300.0  # estimated_time_to_regain_access: 5 minutes
    assert response["status"] == "active"  # eager tasks: the rescheduled run went through
    assert len(graph.created["adsets"]) == 1 and len(graph.calls(f"/{g.ACCOUNT}/adsets")) == 2
    assert "throttled" not in Campaign.unscoped.get(pk=draft["id"]).launch_state


def test_error_190_marks_the_connection_expired(funded, meta_app, graph):
    connection = connect_meta(funded.workspace)
    client = funded.client("member")
    draft = _draft(client)
    graph.fail(
        "campaigns", httpx.Response(400, json=g.error("Error validating access token: Session has expired.", 190, 463))
    )
    response = launch(client, draft["id"])
    assert response["status"] == "failed" and "reconnect" in response["launch_error"]
    connection.refresh_from_db()
    assert connection.status == Status.EXPIRED


def test_pause_resume_archive_mirror_meta(funded, meta_app, graph):
    connect_meta(funded.workspace)
    client = funded.client("member")
    draft = _draft(client)
    body = launch(client, draft["id"])
    remote = body["external_campaign_id"]
    assert client.post(f"{URL}{draft['id']}/resume").status_code == 409
    assert client.post(f"{URL}{draft['id']}/pause").json()["status"] == "paused"
    assert client.post(f"{URL}{draft['id']}/resume").json()["status"] == "active"
    assert client.post(f"{URL}{draft['id']}/archive").json()["status"] == "archived"
    assert graph.status_updates[1:] == [(remote, "PAUSED"), (remote, "ACTIVE"), (remote, "ARCHIVED")]
    assert client.post(f"{URL}{draft['id']}/launch").status_code == 409
    assert client.delete(f"{URL}{draft['id']}").status_code == 204


def test_insights_from_meta_strings_and_actions(funded, meta_app, graph, monkeypatch):
    monkeypatch.setattr("campaigns.insights.sleep", lambda seconds: None)
    connect_meta(funded.workspace)
    client = funded.client("member")
    draft = _draft(client, variants=2)
    body = launch(client, draft["id"])
    a, b = (v["external_ad_id"] for v in body["variants"])
    graph.insight_rows = [
        g.insight(a, "2026-12-01", impressions=1234, clicks=56, spend="12.34", purchases=3, value="150.00"),
        g.insight(b, "2026-12-01", impressions=1000, clicks=20, spend="10.00", leads=2),
        g.insight(a, "2026-12-02", impressions=2000, clicks=80, spend="20.66", purchases=1, value="49.99"),
        g.insight("999999", "2026-12-02", impressions=5, clicks=1, spend="0.01"),  # not ours: ignored
    ]
    assert insights_sync(draft["id"], funded) == 3
    assert insights_sync(draft["id"], funded) == 3  # the same rows again: updated, not added
    report = client.get(f"{URL}{draft['id']}/insights?from=2026-12-01&to=2026-12-02").json()
    totals = report["totals"]
    assert (totals["impressions"], totals["clicks"], totals["conversions"]) == (4234, 156, 6)
    assert (totals["spend"], totals["conversion_value"]) == ("43.00", "199.99")
    assert totals["ctr"] == "3.68" and totals["roas"] == "4.65" and totals["cpc"] == "0.28"
    first_day = report["rows"][0]
    assert first_day["date"] == "2026-12-01" and first_day["conversions"] == 5 and first_day["spend"] == "22.34"
    ads = client.get(f"{URL}{draft['id']}/insights?from=2026-12-01&to=2026-12-02&level=ad").json()["rows"]
    assert [(r["label"], r["date"], r["clicks"]) for r in ads] == [
        ("A", "2026-12-01", 56),
        ("B", "2026-12-01", 20),
        ("A", "2026-12-02", 80),
    ]
    # An asynchronous report run: POST /act_{id}/insights, polled until "Job Completed", rows paged 2 by 2.
    start = graph.calls(f"/{g.ACCOUNT}/insights")[0]
    params = graph.form(start)
    assert start.method == "POST" and params["level"] == "ad" and params["time_increment"] == "1"
    assert "actions" in params["fields"] and "action_values" in params["fields"]
    assert json.loads(params["time_range"]) == {"since": "2026-12-01", "until": "2026-12-02"}
    assert json.loads(params["filtering"]) == [
        {"field": "campaign.id", "operator": "EQUAL", "value": body["external_campaign_id"]}
    ]
    run_id = next(iter(graph.reports))
    assert graph.reports[run_id]["polls"] == 3  # Not Started → Running → Completed
    pages = [r for r in graph.calls(f"/{run_id}/insights") if r.method == "GET"]
    assert [r.url.params.get("after") for r in pages] == [None, "2"]

    from analytics.models import MetricRollup

    spend = MetricRollup.unscoped.filter(workspace=funded.workspace, module="campaigns", metric="spend_cents")
    assert sum(spend.values_list("value", flat=True)) == 4300


def insights_sync(campaign_id, tenant):
    from datetime import date

    from campaigns.insights import insights_sync as sync
    from nexusone.tenancy import workspace_scope

    with workspace_scope(tenant.workspace):
        return sync(campaign=Campaign.objects.get(pk=campaign_id), since=date(2026, 12, 1), until=date(2026, 12, 2))


def test_bad_ranges_are_400(funded):
    campaign = make_campaign(funded.workspace, variants=1)
    client = funded.client("viewer")
    for query in (
        "from=yesterday",
        "to=2026-13-01",
        "from=2026-12-02&to=2026-12-01",
        "from=2020-01-01&to=2026-01-01",
        "level=adset",
    ):
        response = client.get(f"{URL}{campaign.pk}/insights?{query}")
        assert response.status_code == 400, query
    assert client.get(f"{URL}metrics?from=nope").status_code == 400


def test_launch_roles(funded, settings):
    settings.META_APP_ID = ""
    campaign = make_campaign(funded.workspace, variants=1)
    assert funded.client("viewer").post(f"{URL}{campaign.pk}/launch").status_code == 403
    assert funded.client("member").post(f"{URL}{campaign.pk}/launch").status_code == 202
    assert AdVariant.unscoped.get(campaign=campaign).external_ad_id.startswith("offline_")


def test_a_library_image_is_uploaded_once_and_used_by_every_creative(funded, meta_app, graph):
    from medialib.tests.factories import make_asset

    connect_meta(funded.workspace)
    asset = make_asset(funded.workspace)
    client = funded.client("member")
    draft = _draft(client, ad_creative={"image_asset_id": asset.pk})
    body = launch(client, draft["id"])
    assert body["status"] == "active", body["launch_error"]
    assert len(graph.created["adimages"]) == 1 and graph.created["adimages"][0]["bytes"]
    for creative in graph.created["adcreatives"]:
        link = json.loads(creative["object_story_spec"])["link_data"]
        assert link["image_hash"] == "0a1b2c3d4e5f60718293a4b5c6d7e8f9" and "picture" not in link


def test_a_lead_campaign_with_an_instant_form_and_a_zero_decimal_account(funded, meta_app, graph):
    """LEAD_GENERATION with the campaign's `ad_creative.lead_form_id`: the ad set promotes the Page
    with `destination_type: ON_AD`, each creative's call to action opens the form; a JPY account gets
    the amount itself (offset 1); an interest Meta does not know is left out and named back to the user."""
    connection = connect_meta(funded.workspace)
    assets = {**connection.assets, "ad_accounts": [{**connection.assets["ad_accounts"][0], "currency": "JPY"}]}
    Connection.unscoped.filter(pk=connection.pk).update(assets=assets)
    client = funded.client("member")
    draft = _draft(
        client,
        objective="LEAD_GENERATION",
        budget={"amount": "3000", "currency": "JPY"},
        target_audience={"interests": ["Yoga", "Underwater basket weaving"], "genders": ["male", "female"]},
        ad_creative={"call_to_action": "SIGN_UP", "lead_form_id": "778899001122"},
    )
    body = launch(client, draft["id"])
    assert body["status"] == "active", body["launch_error"]
    assert graph.created["campaigns"][0]["objective"] == "OUTCOME_LEADS"
    adset = graph.created["adsets"][0]
    assert adset["daily_budget"] == "3000"  # JPY has no minor unit
    assert (adset["optimization_goal"], adset["destination_type"]) == ("LEAD_GENERATION", "ON_AD")
    assert json.loads(adset["promoted_object"]) == {"page_id": g.PAGE}
    targeting = json.loads(adset["targeting"])
    assert "genders" not in targeting  # both = everyone
    assert targeting["flexible_spec"] == [{"interests": [g.INTERESTS["yoga"]]}]
    assert body["unresolved_interests"] == ["Underwater basket weaving"]
    for creative in graph.created["adcreatives"]:
        cta = json.loads(creative["object_story_spec"])["link_data"]["call_to_action"]
        assert cta == {"type": "SIGN_UP", "value": {"lead_gen_form_id": "778899001122"}}


def test_a_lead_campaign_without_form_or_pixel_is_400(funded, meta_app, graph):
    connect_meta(funded.workspace)
    client = funded.client("member")
    draft = _draft(client, objective="LEAD_GENERATION")
    response = client.post(f"{URL}{draft['id']}/launch")
    assert response.status_code == 400 and response.json()["error"]["details"]["missing"] == ["lead_form_id"]
    assert graph.requests == []


def test_a_conversion_campaign_with_its_own_pixel(funded, meta_app, graph):
    connect_meta(funded.workspace)
    client = funded.client("member")
    assert client.post(URL, request_body(ad_creative={"pixel_id": "pixel-1"}), format="json").status_code == 400
    draft = _draft(client, objective="CONVERSIONS", ad_creative={"pixel_id": "1234567890123456"})
    assert draft["ad_creative"]["pixel_id"] == "1234567890123456"
    body = launch(client, draft["id"])
    assert body["status"] == "active", body["launch_error"]
    adset = graph.created["adsets"][0]
    assert graph.created["campaigns"][0]["objective"] == "OUTCOME_SALES"
    assert adset["optimization_goal"] == "OFFSITE_CONVERSIONS"
    assert json.loads(adset["promoted_object"]) == {"pixel_id": "1234567890123456", "custom_event_type": "PURCHASE"}
