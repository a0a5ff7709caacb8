"""The campaign pages: a new user builds a Spanish campaign with 3 variants,
launches it (offline), sees insights and an A/B verdict; posts calendar and
generators; translated and right-to-left; viewers read only; workspaces apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import Campaign, Generation, SocialPost
from campaigns.tests.factories import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _offline(settings):
    settings.META_APP_ID = ""


def browser(tenant, role="owner") -> Client:
    client = Client()
    client.force_login(tenant.users[role])
    return client


def url(tenant, lang="en", tail=""):
    return f"/{lang}/w/{tenant.workspace.slug}/campaigns/{tail}"


BUILDER = {
    "campaign_name": "Rebajas", "objective": "TRAFFIC", "age_min": "25", "age_max": "45", "genders": ["female"],
    "countries": "ES, MX", "languages": "es", "interests": "Yoga", "title": "Esterilla de yoga",
    "description": "Ligera", "destination_url": "https://tienda.example/", "call_to_action": "SHOP_NOW",
    "variants": "3", "budget_type": "daily", "amount": "20", "currency": "EUR", "request_token": "tok-1",
}  # fmt: skip


def test_build_launch_and_read_a_spanish_campaign(funded, django_capture_on_commit_callbacks):
    client = browser(funded)
    page = client.get(url(funded, "es"))
    assert page.status_code == 200
    assert "Modo sin conexión" in page.content.decode()  # the offline provider says so
    response = client.post(url(funded, "es"), BUILDER)
    campaign = Campaign.unscoped.get(workspace=funded.workspace)
    assert response.status_code == 302 and response["Location"].endswith(f"/campaigns/{campaign.pk}/")
    assert client.post(url(funded, "es"), BUILDER).status_code == 302  # the same form token: no second draft
    assert Campaign.unscoped.filter(workspace=funded.workspace).count() == 1
    detail = client.get(url(funded, "es", f"{campaign.pk}/")).content.decode()
    assert "Variante A" in detail and "Variante C" in detail and "2000" in detail  # minor-unit preview
    assert "Lanzar" in detail
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url(funded, "es", f"{campaign.pk}/"), {"action": "launch"}).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "active"
    Campaign.unscoped.filter(pk=campaign.pk).update(launched_at=timezone.now() - timedelta(days=6))
    assert client.post(url(funded, "es", f"{campaign.pk}/"), {"action": "sync"}).status_code == 302
    detail = client.get(url(funded, "es", f"{campaign.pk}/")).content.decode()
    assert "<svg" in detail and "Prueba A/B" in detail and "★" in detail
    listing = client.get(url(funded, "es")).content.decode()
    assert "EUR" in listing and campaign.name in listing


def test_pages_render_in_every_language_and_rtl(funded):
    campaign = make_campaign(funded.workspace, variants=2)
    client = browser(funded)
    for lang in ("en", "es", "pt", "ar", "he"):
        for tail in ("", f"{campaign.pk}/", "posts/", "generators/"):
            response = client.get(url(funded, lang, tail))
            assert response.status_code == 200, (lang, tail)
    html = client.get(url(funded, "he", f"{campaign.pk}/")).content.decode()
    assert 'dir="rtl"' in html


def test_viewers_read_only_and_other_workspaces_404(funded, world):
    campaign = make_campaign(funded.workspace, variants=1)
    viewer = browser(funded, "viewer")
    assert viewer.get(url(funded, "en", f"{campaign.pk}/")).status_code == 200
    assert viewer.post(url(funded, "en", f"{campaign.pk}/"), {"action": "launch"}).status_code == 403
    assert viewer.post(url(funded), BUILDER).status_code == 403
    intruder = browser(world["B"])
    assert intruder.get(url(world["B"], "en", f"{campaign.pk}/")).status_code == 404
    assert intruder.post(url(world["B"], "en", f"{campaign.pk}/"), {"action": "delete"}).status_code == 404
    assert Campaign.unscoped.filter(pk=campaign.pk).exists()


def test_posts_and_generators_pages(funded, django_capture_on_commit_callbacks):
    client = browser(funded)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(funded, "en", "posts/"), {"action": "create", "platform": "facebook", "text": "Hello",
                                                  "request_token": "p1"})  # fmt: skip
    assert SocialPost.unscoped.get(workspace=funded.workspace).status == "published"
    assert "Hello" in client.get(url(funded, "en", "posts/")).content.decode()
    generators = url(funded, "es", "generators/")
    common = {"product": "Esterilla", "audience": "yoguis", "language": "es"}
    client.post(generators, {**common, "action": "inspiration", "count": "3", "request_token": "g1"})
    client.post(generators, {**common, "action": "plan", "weeks": "2", "channels": ["facebook"], "amount": "300",
                             "currency": "EUR", "request_token": "g2"})  # fmt: skip
    assert Generation.unscoped.filter(workspace=funded.workspace).count() == 2
    page = client.get(url(funded, "es", "generators/")).content.decode()
    assert "Ahorra tiempo" in page and "Semana" in page
    plan = Generation.unscoped.get(workspace=funded.workspace, kind="plan")
    response = client.post(url(funded, "es", "generators/"), {"action": "apply", "plan": plan.pk,
                                                             "start_date": "2030-01-01",
                                                             "destination_url": "https://tienda.example/",
                                                             "countries": "ES"})  # fmt: skip
    assert response.status_code == 302
    assert SocialPost.unscoped.filter(workspace=funded.workspace, status="scheduled").count() == 2


def test_the_detail_page_says_where_launch_and_figures_stand(funded):
    from campaigns.tests.factories import make_insight_run

    client = browser(funded)
    launching = make_campaign(funded.workspace, variants=1, status="launching", provider="meta")
    page = client.get(url(funded, "es", f"{launching.pk}/")).content.decode()
    assert "Los anuncios se están creando en Meta" in page
    campaign = make_campaign(
        funded.workspace, variants=2, status="active", provider="meta", launched_at=timezone.now(),
        external_campaign_id="120210000000000001", launch_state={"unresolved_interests": ["Cestería submarina"]},
    )  # fmt: skip
    make_insight_run(funded.workspace, campaign=campaign, status="running", percent=45)
    page = client.get(url(funded, "es", f"{campaign.pk}/")).content.decode()
    assert "45 %" in page and "Cestería submarina" in page
    make_insight_run(
        funded.workspace, campaign=campaign, status="failed", error="Meta no pudo preparar el informe de estadísticas."
    )
    page = client.get(url(funded, "he", f"{campaign.pk}/")).content.decode()
    assert "Meta no pudo preparar el informe de estadísticas." in page and 'dir="rtl"' in page
