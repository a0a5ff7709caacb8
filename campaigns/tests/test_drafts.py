"""Campaign drafts: the FacebookCampaignRequest validated with field paths,
AI copy variants in the audience's language, charged once per key, edits,
deletes, roles and workspaces."""

from __future__ import annotations

import json

import pytest

from agents.tests.conftest import set_credits
from billing.models import Charge
from campaigns.models import AdVariant, Campaign
from campaigns.tests.conftest import balance, in_days, request_body
from campaigns.tests.factories import make_campaign, make_variant
from content.gateway import TextResult, use_provider
from content.gateway.offline import OfflineProvider

pytestmark = pytest.mark.django_db

URL = "/api/v1/campaigns/"


def _charges(workspace):
    return list(Charge.unscoped.filter(workspace=workspace, module="facebook_ads"))


def test_a_spanish_draft_with_three_variants_is_charged_once(funded):
    client = funded.client("member")
    before = balance(funded.workspace)
    response = client.post(URL, request_body(), format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["language"] == "es" and body["copy_provider"] == "offline"
    assert body["budget"] == {"type": "daily", "amount": "20.00", "currency": "EUR", "minor_units": 2000}
    assert body["target_audience"]["genders"] == ["female"]
    assert [v["label"] for v in body["variants"]] == ["A", "B", "C"]
    assert all(v["call_to_action"] == "SHOP_NOW" for v in body["variants"])
    assert "Esterilla de yoga" in body["variants"][0]["headline"]
    assert "Descubre" in body["variants"][0]["primary_text"]  # Spanish copy
    assert len({v["headline"] for v in body["variants"]}) == 3
    assert body["credits_charged"] == 15
    assert balance(funded.workspace) == before - 15

    replay = client.post(URL, request_body(), format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    assert replay.status_code == 201 and replay.json()["id"] == body["id"]
    assert balance(funded.workspace) == before - 15
    assert len(_charges(funded.workspace)) == 1
    assert Campaign.unscoped.filter(workspace=funded.workspace).count() == 1


def test_variants_count_and_explicit_language(funded):
    client = funded.client("member")
    body = request_body(variants=5, language="he")
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    variants = response.json()["variants"]
    assert len(variants) == 5 and response.json()["language"] == "he"
    assert any("\u0590" <= ch <= "\u05ff" for ch in variants[0]["primary_text"])


@pytest.mark.parametrize(
    "extra, path",
    [
        ({"campaign_name": ""}, "campaign_name"),
        ({"objective": "LINK_CLICKS"}, "objective"),
        ({"target_audience": {"age_min": 17}}, "target_audience.age_min"),
        ({"target_audience": {"age_max": 70}}, "target_audience.age_max"),
        ({"target_audience": {"age_min": 40, "age_max": 30}}, "target_audience.age_max"),
        ({"target_audience": {"genders": ["other"]}}, "target_audience.genders"),
        ({"target_audience": {"countries": ["XX"]}}, "target_audience.countries"),
        ({"target_audience": {"countries": []}}, "target_audience.countries"),
        ({"target_audience": {"languages": ["spanish"]}}, "target_audience.languages"),
        ({"target_audience": {"interests": "yoga"}}, "target_audience.interests"),
        ({"ad_creative": {"destination_url": "http://tienda.example/"}}, "ad_creative.destination_url"),
        ({"ad_creative": {"destination_url": "javascript:alert(1)"}}, "ad_creative.destination_url"),
        ({"ad_creative": {"image_url": "ftp://x.example/a.png"}}, "ad_creative.image_url"),
        ({"ad_creative": {"call_to_action": "CLICK_HERE"}}, "ad_creative.call_to_action"),
        ({"ad_creative": {"title": ""}}, "ad_creative.title"),
        ({"budget": {"currency": "XYZ"}}, "budget.currency"),
        ({"budget": {"amount": "0.50"}}, "budget.amount"),  # under Meta's minimum for clicks
        ({"budget": {"amount": "-3"}}, "budget.amount"),
        ({"budget": {"amount": "12.345"}}, "budget.amount"),
        ({"budget": {"amount": "NaN"}}, "budget.amount"),
        ({"budget": {"currency": "JPY", "amount": "1000.5"}}, "budget.amount"),
        ({"budget": {"type": "weekly"}}, "budget.type"),
        ({"budget": {"type": "lifetime"}}, "end_time"),
        ({"budget": {"type": "lifetime", "amount": "20.00"}, "end_time": in_days(30)}, "budget.amount"),
        ({"end_time": "tomorrow"}, "end_time"),
        ({"variants": 0}, "variants"),
        ({"variants": 6}, "variants"),
        ({"variants": True}, "variants"),
        ({"auto_refresh": "yes"}, "auto_refresh"),
        ({"target_audience": []}, "target_audience"),
        ({"budget": "20 EUR"}, "budget"),
    ],
)
def test_bad_requests_are_400_with_the_field_path_and_free(funded, extra, path):
    before = balance(funded.workspace)
    response = funded.client("member").post(URL, request_body(**extra), format="json")
    assert response.status_code == 400, response.content
    assert path in response.json()["error"]["details"], response.json()
    assert balance(funded.workspace) == before
    assert not Campaign.unscoped.filter(workspace=funded.workspace).exists()


def test_garbage_bodies_are_400_never_500(funded):
    client = funded.client("member")
    for payload in ([], "x", {"budget": None}, {"target_audience": {"age_min": "abc"}}, {"ad_creative": 3}):
        response = client.post(URL, json.dumps(payload), content_type="application/json")
        assert response.status_code == 400, (payload, response.content)


def test_lifetime_budget_and_zero_decimal_currency(funded):
    body = request_body(budget={"type": "lifetime", "amount": "30000", "currency": "JPY"}, end_time=in_days(7))
    response = funded.client("member").post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["budget"]["minor_units"] == 30000


def test_no_credits_is_402_and_nothing_is_written(world):
    a = world["A"]
    set_credits(a.workspace, 0)
    response = a.client("member").post(URL, request_body(), format="json")
    assert response.status_code == 402
    assert not Campaign.unscoped.filter(workspace=a.workspace).exists()


class _Malformed(OfflineProvider):
    def __init__(self, bad: int):
        self.bad, self.calls = bad, 0

    def complete(self, request):
        self.calls += 1
        if self.calls <= self.bad:
            return TextResult(text="Sure! Here are some ads.", provider="openai", model="gpt-test")
        return super().complete(request)


def test_an_invalid_answer_is_asked_again_once(funded):
    provider = _Malformed(bad=1)
    with use_provider(provider):
        response = funded.client("member").post(URL, request_body(), format="json")
    assert response.status_code == 201 and provider.calls == 2


def test_two_invalid_answers_are_a_refunded_502(funded):
    before = balance(funded.workspace)
    with use_provider(_Malformed(bad=2)):
        response = funded.client("member").post(URL, request_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-502")
    assert response.status_code == 502
    assert balance(funded.workspace) == before
    assert not Campaign.unscoped.filter(workspace=funded.workspace).exists()
    # the same key works once the provider answers, charged once
    response = funded.client("member").post(URL, request_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-502")
    assert response.status_code == 201
    assert balance(funded.workspace) == before - 15


def test_patch_a_draft_and_its_variants(funded):
    client = funded.client("member")
    created = client.post(URL, request_body(), format="json").json()
    url = f"{URL}{created['id']}"
    response = client.patch(url, {"budget": {"amount": "35.50"}, "target_audience": {"age_max": 55}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["budget"]["amount"] == "35.50"
    assert response.json()["target_audience"]["age_max"] == 55
    assert response.json()["target_audience"]["countries"] == ["ES", "MX"]  # kept
    bad = client.patch(url, {"target_audience": {"age_min": 60}}, format="json")
    assert bad.status_code == 400 and "target_audience.age_max" in bad.json()["error"]["details"]

    variant = created["variants"][1]
    vurl = f"{url}/variants/{variant['id']}"
    edited = client.patch(vurl, {"headline": "Nuevo titular", "call_to_action": "learn_more"}, format="json")
    assert edited.status_code == 200, edited.content
    assert edited.json()["headline"] == "Nuevo titular" and edited.json()["call_to_action"] == "LEARN_MORE"
    assert client.patch(vurl, {"headline": ""}, format="json").status_code == 400
    assert client.patch(vurl, {"call_to_action": "NOPE"}, format="json").status_code == 400
    listed = client.get(f"{url}/variants")
    assert [v["headline"] for v in listed.json()["results"]][1] == "Nuevo titular"


def test_a_launched_campaign_keeps_its_copy(funded):
    campaign = make_campaign(funded.workspace, variants=2, status="active", provider="offline")
    client = funded.client("member")
    url = f"{URL}{campaign.pk}"
    assert client.patch(url, {"budget": {"amount": "50"}}, format="json").status_code == 409
    assert client.patch(url, {"auto_refresh": True}, format="json").status_code == 200
    variant = AdVariant.unscoped.filter(campaign=campaign).first()
    assert client.patch(f"{url}/variants/{variant.pk}", {"headline": "x"}, format="json").status_code == 409
    assert client.delete(url).status_code == 409


def test_delete_a_draft(funded):
    campaign = make_campaign(funded.workspace, variants=2)
    response = funded.client("member").delete(f"{URL}{campaign.pk}")
    assert response.status_code == 204
    assert not Campaign.unscoped.filter(pk=campaign.pk).exists()
    assert not AdVariant.unscoped.filter(campaign_id=campaign.pk).exists()


def test_library_image_must_be_ours(funded, world):
    from medialib.tests.factories import make_asset

    ours = make_asset(funded.workspace)
    theirs = make_asset(world["B"].workspace)
    client = funded.client("member")
    bad = client.post(URL, request_body(ad_creative={"image_asset_id": theirs.pk}), format="json")
    assert bad.status_code == 400 and "ad_creative.image_asset_id" in bad.json()["error"]["details"]
    good = client.post(URL, request_body(ad_creative={"image_asset_id": ours.pk}), format="json")
    assert good.status_code == 201 and good.json()["ad_creative"]["image_asset_id"] == ours.pk


def test_roles_and_workspaces(funded, world):
    campaign = make_campaign(funded.workspace, variants=1)
    assert funded.client("viewer").get(URL).status_code == 200
    assert funded.client("viewer").post(URL, request_body(), format="json").status_code == 403
    other = world["B"].client("owner")
    assert other.get(f"{URL}{campaign.pk}").status_code == 404
    variant = make_variant(funded.workspace, campaign=campaign)
    assert other.patch(f"{URL}{campaign.pk}/variants/{variant.pk}", {}, format="json").status_code == 404
    assert campaign.name not in json.dumps(other.get(URL).json())
