"""Every charged form of the studio pages at 0 credits and at its plan quota:
the page answers with the localized reason, the numbers (needed / available,
limit / used) and a link to buy credits or change plan, never a 500 —
through htmx (the fragment) and as a plain post (the whole page)."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from billing.models import BillingAccount
from content.models import LandingPage
from content.tests.conftest import balance
from content.tests.factories import make_landing_page
from content.video.models import VideoProject
from whatsapp.tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _offline(settings):
    settings.ELEVENLABS_API_KEY = settings.DID_API_KEY = settings.OPENAI_API_KEY = ""


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _empty(workspace) -> None:
    balance(workspace)
    BillingAccount.unscoped.filter(workspace=workspace).update(plan_credits=0, purchased_credits=0)


def _forms() -> dict[str, dict]:
    token = str(uuid.uuid4())
    return {
        "content/generate/": {"prompt": "Grand opening", "type": "social_media", "language": "en",
                              "tone": "friendly", "length": "short", "request_token": token},
        "content/ideas/": {"niche": "coffee", "budget": "", "language": "en", "request_token": token},
        "pages/": {"title": "Bakery", "description": "Fresh bread", "target_audience": "Neighbours",
                   "goal": "lead_generation", "industry": "Food", "language": "en", "theme": "modern",
                   "request_token": token},
        "videos/": {"title": "Hello", "script": "Welcome to our shop.", "language": "en", "style": "calm",
                    "voice_id": "", "avatar_id": "presenter-noah", "request_token": token},
        "media/images/": {"prompt": "A cup of coffee", "size": "1024x1024", "count": "1", "language": "en",
                          "request_token": token},
    }  # fmt: skip


@pytest.mark.parametrize("path", list(_forms()))
@pytest.mark.parametrize("htmx", [True, False])
def test_every_charged_form_at_zero_credits_says_why_with_numbers_and_a_link(world, path, htmx):
    a = world["A"]
    _empty(a.workspace)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = _client(a.users["member"]).post(f"/en/w/{a.workspace.slug}/{path}", _forms()[path], **headers)
    assert response.status_code in (200, 400), response.status_code
    html = response.content.decode()
    assert "Not enough credits: this needs" in html and "0 are available" in html
    assert f'href="/en/w/{a.workspace.slug}/billing/#buy-credits"' in html


def test_the_refusal_is_in_the_readers_language(world):
    a = world["A"]
    _empty(a.workspace)
    response = _client(a.users["member"]).post(
        f"/he/w/{a.workspace.slug}/content/ideas/", _forms()["content/ideas/"], HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "Not enough credits" not in html and f"/he/w/{a.workspace.slug}/billing/#buy-credits" in html


@pytest.mark.parametrize("htmx", [True, False])
def test_the_page_quota_says_limit_and_use_and_links_to_the_plans(world, htmx):
    a = world["A"]
    make_landing_page(a.workspace)
    make_landing_page(a.workspace)  # the free plan's two pages
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = _client(a.users["member"]).post(f"/en/w/{a.workspace.slug}/pages/", _forms()["pages/"], **headers)
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "2 landing pages and 2 exist" in html and f'href="/en/w/{a.workspace.slug}/billing/#plans"' in html
    assert LandingPage.unscoped.filter(workspace=a.workspace).count() == 2


def test_the_video_quota_says_limit_and_use_and_links_to_the_plans(world):
    a = world["A"]
    for _ in range(2):  # the free plan's two videos this month
        VideoProject.unscoped.create(workspace=a.workspace, script="Hi", language="en", status="completed")
    response = _client(a.users["member"]).post(f"/en/w/{a.workspace.slug}/videos/", _forms()["videos/"])
    html = response.content.decode()
    assert response.status_code == 400 and "2 videos per month and 2 were made" in html
    assert f'href="/en/w/{a.workspace.slug}/billing/#plans"' in html


COSTS = {
    "content/": 5,
    "content/ideas/": 8,
    "pages/": 10,
    "videos/": 25,
    "videos/prompts/": 5,
    "media/images/": 5,
    "media/voiceover/": 5,
    "crm/contacts/new/": 5,
    "whatsapp/broadcasts/new/": 5,
}


@pytest.mark.parametrize(("path", "cost"), list(COSTS.items()))
def test_every_charged_form_shows_its_cost_and_the_balance_before_the_click(world, path, cost):
    a = world["A"]
    make_account(a.workspace)  # the broadcast composer needs a connected number
    start = balance(a.workspace)
    html = _client(a.users["member"]).get(f"/en/w/{a.workspace.slug}/{path}").content.decode()
    assert f'<span class="credit-cost" data-cost="{cost}">' in html, path
    assert f"{start} available" in html


def test_the_cost_shown_is_the_cost_charged_and_a_short_balance_links_to_billing(world):
    from billing.models import ModuleCost

    a = world["A"]
    balance(a.workspace)
    ModuleCost.objects.filter(module="content").update(credits=70)  # staff changed it in the admin
    html = _client(a.users["member"]).get(f"/es/w/{a.workspace.slug}/content/").content.decode()
    assert '<span class="credit-cost short" data-cost="70">' in html
    assert f'href="/es/w/{a.workspace.slug}/billing/#buy-credits"' in html
