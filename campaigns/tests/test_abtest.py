"""The A/B maths against hand-computed values, and concluding a test."""

from __future__ import annotations

import math
from datetime import date

import pytest

from campaigns.abtest import ab_result, two_proportion, wilson
from campaigns.models import AdVariant
from campaigns.tests.factories import make_campaign, make_insight, make_variant
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db


def test_two_proportion_z_test_by_hand():
    # A: 50/1000, B: 30/1000. Pooled p = 80/2000 = 0.04; SE = sqrt(0.04·0.96·(2/1000)) = 0.0087636;
    # z = 0.02 / 0.0087636 = 2.28218; p = erfc(2.28218/√2) = 0.022479.
    z, p = two_proportion(50, 1000, 30, 1000)
    assert z == pytest.approx(2.28218, abs=1e-5)
    assert p == pytest.approx(0.022479, abs=1e-6)
    assert two_proportion(0, 0, 5, 10) == (0.0, 1.0)
    assert two_proportion(0, 10, 0, 10) == (0.0, 1.0)


def test_wilson_interval_by_hand():
    # 50/1000: p̂ = 0.05, z² = 3.841459: centre 0.0519207, margin 0.0136442, ÷ 1.0038415 → (0.038130, 0.065314)
    low, high = wilson(50, 1000)
    assert (low, high) == (pytest.approx(0.038130, abs=1e-6), pytest.approx(0.065314, abs=1e-6))
    assert wilson(0, 0) == (0.0, 0.0)
    low, high = wilson(0, 20)
    assert low == 0.0 and high == pytest.approx(0.161125, abs=1e-6)


def _campaign(world, rows):
    workspace = world["A"].workspace
    campaign = make_campaign(workspace, status="active", provider="offline")
    for position, (impressions, clicks, conversions) in enumerate(rows, start=1):
        variant = make_variant(workspace, campaign=campaign, position=position, status="active",
                               external_ad_id=f"offline_ad_{position}")  # fmt: skip
        make_insight(workspace, variant=variant, date=date(2026, 12, 1), impressions=impressions, clicks=clicks,
                     conversions=conversions)  # fmt: skip
    return campaign


def test_two_variants_significant_with_enough_sample(world):
    campaign = _campaign(world, [(1000, 50, 5), (1000, 30, 2)])
    with workspace_scope(campaign.workspace):
        result = ab_result(campaign=campaign)
    assert result["leader_label"] == "A" and result["significant"] is True
    assert result["p_value"] == pytest.approx(0.022479, abs=1e-6)
    assert result["test"]["level"] == 0.05 and result["test"]["correction"] == "none"
    assert result["variants"][0]["ctr"] == 0.05
    assert result["variants"][0]["ctr_interval"][0] == pytest.approx(0.038130, abs=1e-6)


def test_not_significant_without_the_minimum_sample(world, settings):
    settings.CAMPAIGNS_AB_MIN_IMPRESSIONS = 2000
    campaign = _campaign(world, [(1000, 50, 5), (1000, 30, 2)])
    with workspace_scope(campaign.workspace):
        result = ab_result(campaign=campaign)
    assert result["p_value"] < 0.05 and result["significant"] is False and result["enough_sample"] is False


def test_three_variants_use_bonferroni(world):
    # A vs C: p = 0.0225 < 0.05 but > 0.025 (0.05 / 2): not significant with three variants.
    campaign = _campaign(world, [(1000, 50, 0), (1000, 40, 0), (1000, 30, 0)])
    with workspace_scope(campaign.workspace):
        result = ab_result(campaign=campaign)
    assert result["test"]["level"] == 0.025
    vs_b = next(c for c in result["comparisons"] if c["label"] == "B")
    _z, p = two_proportion(50, 1000, 40, 1000)
    assert vs_b["p_value"] == pytest.approx(p) and result["p_value"] == pytest.approx(p)
    assert result["significant"] is False


def test_conversion_rate_metric(world, settings):
    settings.CAMPAIGNS_AB_MIN_CLICKS = 100
    campaign = _campaign(world, [(10000, 400, 40), (10000, 400, 12)])
    with workspace_scope(campaign.workspace):
        result = ab_result(campaign=campaign, metric="conversion_rate")
    _z, p = two_proportion(40, 400, 12, 400)
    assert result["p_value"] == pytest.approx(p) and result["significant"] is True
    assert not math.isnan(result["variants"][1]["conversion_rate_interval"][1])


def test_api_and_conclude_pauses_the_others(world):
    campaign = _campaign(world, [(1000, 50, 5), (1000, 30, 2)])
    client = world["A"].client("member")
    url = f"/api/v1/campaigns/{campaign.pk}/ab-test"
    assert client.get(url).json()["significant"] is True
    assert client.get(f"{url}?metric=bogus").status_code == 400
    winner = AdVariant.unscoped.get(campaign=campaign, position=1)
    response = client.post(f"{url}/conclude", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["winner"] == winner.pk and response.json()["concluded"] is True
    statuses = dict(AdVariant.unscoped.filter(campaign=campaign).values_list("position", "status"))
    assert statuses == {1: "active", 2: "paused"}
    other = make_campaign(world["B"].workspace)
    assert client.post(f"{url}/conclude", {"winner": 987654}, format="json").status_code == 400
    assert world["B"].client("owner").get(url).status_code == 404
    assert other.pk


def test_conclude_needs_significance_or_a_winner(world):
    campaign = _campaign(world, [(100, 5, 0), (100, 3, 0)])
    client = world["A"].client("member")
    url = f"/api/v1/campaigns/{campaign.pk}/ab-test/conclude"
    assert client.post(url, {}, format="json").json()["error"]["code"] == "not_significant"
    second = AdVariant.unscoped.get(campaign=campaign, position=2)
    assert client.post(url, {"winner": second.pk}, format="json").json()["winner"] == second.pk
