"""Business ideas and magic pages through the API: structure, cost, quota,
editing with validation, publish/unpublish, stats."""

from __future__ import annotations

import json

import pytest

from billing.models import Plan
from billing.services import plan_change
from content.gateway import use_provider
from content.models import IdeaBatch, LandingPage
from content.tests.conftest import balance, ledger_kinds, ok, status, top_up
from content.tests.factories import make_landing_page

pytestmark = pytest.mark.django_db

PAGE = {
    "title": "Rose Garden Café",
    "description": "Specialty coffee roasted in small batches, delivered to offices every week.",
    "target_audience": "office managers",
    "goal": "lead_generation",
    "industry": "coffee",
    "language": "ar",
    "theme": "creative",
}


def _ideas(client, body, key="ideas-1"):
    return client.post("/api/v1/content/ideas", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _create_page(client, body=None, key="page-1"):
    return client.post("/api/v1/magic-pages/", body or PAGE, format="json", HTTP_IDEMPOTENCY_KEY=key)


# --- ideas ------------------------------------------------------------------------------------------


def test_ideas_are_a_batch_of_five_structured_ideas_for_8_credits(world):
    a = world["A"]
    start = balance(a.workspace)
    response = _ideas(a.client("member"), {"niche": "café orgánico", "budget": 400, "language": "es"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credits_charged"] == 8 and body["provider"] == "offline" and len(body["ideas"]) == 5
    for idea in body["ideas"]:
        assert set(idea) == {"title", "summary", "audience", "first_steps", "estimated_startup_cost"}
        assert idea["title"] and idea["summary"] and len(idea["first_steps"]) == 3
        assert set(idea["estimated_startup_cost"]) == {"min", "max", "currency"}
    # the budget puts the ideas that fit it first
    assert [i["estimated_startup_cost"]["min"] <= 400 for i in body["ideas"]][:4] == [True] * 4
    assert balance(a.workspace) == start - 8
    assert ledger_kinds(a.workspace, "generate_income") == ["debit"]
    listed = a.client("viewer").get("/api/v1/content/ideas").json()
    assert listed["count"] == 1
    assert a.client("viewer").get(f"/api/v1/content/ideas/{body['id']}").json()["niche"] == "café orgánico"


def test_ideas_from_openai_are_parsed_and_a_short_answer_is_refunded(world, openai_double):
    a = world["A"]
    idea = {"title": "Tea bar", "summary": "Serve tea.", "audience": "Students", "first_steps": ["Rent", "Buy"],
            "estimated_startup_cost": "$1,500 – $3,000"}  # fmt: skip
    good = "```json\n" + json.dumps({"ideas": [idea] * 6}) + "\n```"
    with use_provider(openai_double([ok(good)]).provider()):
        response = _ideas(a.client("member"), {"niche": "tea", "language": "en"})
    assert response.status_code == 201
    assert len(response.json()["ideas"]) == 5
    assert response.json()["ideas"][0]["estimated_startup_cost"] == {"min": 1500, "max": 3000, "currency": "USD"}

    start = balance(a.workspace)
    with use_provider(openai_double([ok(json.dumps({"ideas": [idea] * 3}))]).provider()):
        short = _ideas(a.client("member"), {"niche": "tea", "language": "en"}, key="ideas-2")
    assert short.status_code == 502 and short.json()["error"]["details"]["reason"] == "malformed_response"
    assert balance(a.workspace) == start and IdeaBatch.unscoped.count() == 1


def test_ideas_validation(world):
    client = world["A"].client("member")
    response = _ideas(client, {"niche": "", "language": "xx", "budget": -5})
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"niche", "language", "budget"}


# --- magic pages -------------------------------------------------------------------------------------------


def test_create_generates_all_sections_for_10_credits(world):
    a = world["A"]
    start = balance(a.workspace)
    response = _create_page(a.client("member"))
    assert response.status_code == 201, response.content
    page = response.json()
    assert set(page["sections"]) == {"hero", "benefits", "social_proof", "faq", "cta", "form"}
    assert page["status"] == "draft" and page["url"] is None and page["credits_charged"] == 10
    assert page["sections"]["form"]["email_label"] == "البريد الإلكتروني"
    assert balance(a.workspace) == start - 10


def test_the_landing_page_quota_is_enforced_before_charging(world):
    a = world["A"]  # free plan: 2 landing pages
    client = a.client("member")
    assert _create_page(client, key="p1").status_code == 201
    assert _create_page(client, key="p2").status_code == 201
    start = balance(a.workspace)
    third = _create_page(client, key="p3")
    assert third.status_code == 403
    assert third.json()["error"]["code"] == "quota_exceeded"
    assert third.json()["error"]["details"] == {"quota": "landing_pages", "limit": 2, "used": 2}
    assert balance(a.workspace) == start and LandingPage.unscoped.filter(workspace=a.workspace).count() == 2
    # deleting one frees a slot
    pk = client.get("/api/v1/magic-pages/").json()["results"][0]["id"]
    assert client.delete(f"/api/v1/magic-pages/{pk}/").status_code == 204
    assert _create_page(client, key="p4").status_code == 201


def test_premium_has_unlimited_pages(world):
    a = world["A"]
    plan_change(workspace=a.workspace, plan=Plan.objects.get(key="premium"), reason="test", actor=None)
    top_up(a.workspace, 100)
    for index in range(4):
        assert _create_page(a.client("member"), key=f"p{index}").status_code == 201


def test_ai_sections_are_coerced_and_unsafe_links_dropped(world, openai_double):
    a = world["A"]
    answer = {
        "hero": {"headline": "H" * 400, "subheadline": "Sub", "cta_label": "Go"},
        "benefits": {"title": "Why", "items": [{"title": "Fast", "description": "Very"}] * 12},
        "social_proof": {"title": "Proof", "testimonials": [], "stats": []},
        "faq": {"title": "FAQ", "items": [{"question": "Q?", "answer": "A."}]},
        "cta": {"title": "Now", "text": "Do it", "button_label": "Click", "button_url": "javascript:alert(1)"},
        "form": {"title": "Write to us", "submit_label": "Send"},
    }
    with use_provider(openai_double([ok(json.dumps(answer))]).provider()):
        response = _create_page(a.client("member"), {**PAGE, "language": "en"})
    assert response.status_code == 201
    sections = response.json()["sections"]
    assert len(sections["hero"]["headline"]) == 150 and len(sections["benefits"]["items"]) == 8
    assert sections["cta"]["button_url"] == "#form"
    assert sections["form"]["email_label"] == "E-mail"  # filled from the language's defaults


def test_an_unusable_ai_page_is_refunded(world, openai_double):
    a = world["A"]
    start = balance(a.workspace)
    with use_provider(openai_double([ok('{"hero": "just a string"}')]).provider()):
        response = _create_page(a.client("member"))
    assert response.status_code == 502
    assert balance(a.workspace) == start and not LandingPage.unscoped.exists()
    with use_provider(openai_double([status(500)]).provider(max_retries=0)):
        assert _create_page(a.client("member"), key="page-2").status_code == 502
    assert balance(a.workspace) == start


def test_patch_validates_the_structure(world):
    a = world["A"]
    page = make_landing_page(a.workspace)
    client = a.client("member")
    url = f"/api/v1/magic-pages/{page.pk}/"
    hero = {"headline": "New headline", "subheadline": "", "cta_label": "Book now"}
    response = client.patch(url, {"sections": {"hero": hero}, "theme": "corporate"}, format="json")
    assert response.status_code == 200
    assert response.json()["sections"]["hero"]["headline"] == "New headline"
    assert response.json()["sections"]["faq"] == page.sections["faq"]  # untouched sections stay
    assert response.json()["theme"] == "corporate"

    bad = client.patch(url, {"sections": {"cta": {**page.sections["cta"], "button_url": "javascript:alert(1)"}}},
                       format="json")  # fmt: skip
    assert bad.status_code == 400 and "sections.cta.button_url" in bad.json()["error"]["details"]
    for payload in (
        {"sections": {"footer": {}}},
        {"sections": {"hero": {"headline": ""}}},
        {"sections": {"benefits": {"items": "many"}}},
        {"sections": {"hero": {**hero, "onclick": "x"}}},
        {"sections": "everything"},
        {"goal": "world_domination"},
    ):
        assert client.patch(url, payload, format="json").status_code == 400, payload
    page.refresh_from_db()
    assert page.sections["hero"]["headline"] == "New headline"


def test_publish_unpublish_and_stats(world):
    a = world["A"]
    page = make_landing_page(a.workspace)
    client = a.client("member")
    published = client.post(f"/api/v1/magic-pages/{page.pk}/publish")
    assert published.status_code == 200
    assert published.json() == {"url": f"http://testserver/p/{page.slug}/", "status": "published"}
    assert client.get(f"/p/{page.slug}/").status_code == 200
    assert client.get(f"/api/v1/magic-pages/{page.pk}/").json()["url"] == published.json()["url"]
    stats = client.get(f"/api/v1/magic-pages/{page.pk}/stats").json()
    assert set(stats) >= {"views", "conversions", "conversion_rate", "submissions"}
    assert client.post(f"/api/v1/magic-pages/{page.pk}/unpublish").json() == {"url": None, "status": "draft"}
    assert client.get(f"/p/{page.slug}/").status_code == 404
    assert a.client("viewer").post(f"/api/v1/magic-pages/{page.pk}/publish").status_code == 403
    assert world["B"].client("owner").post(f"/api/v1/magic-pages/{page.pk}/publish").status_code == 404


def test_page_create_is_idempotent(world):
    a = world["A"]
    client = a.client("member")
    start = balance(a.workspace)
    first, second = _create_page(client, key="same"), _create_page(client, key="same")
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert LandingPage.unscoped.count() == 1 and balance(a.workspace) == start - 10
