"""The content studio pages: generator (htmx fragment with a progress
indicator), double submits charged once, history with export, ideas, the
landing-page builder with its preview, roles and tenancy."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from accounts.tests.factories import PASSWORD
from content.models import Generation, IdeaBatch, LandingPage
from content.tests.conftest import balance
from content.tests.factories import make_generation, make_landing_page

pytestmark = pytest.mark.django_db


def _login(user, language: str = "en") -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def _base(world, tenant="A", language="en"):
    return f"/{language}/w/{world[tenant].workspace.slug}"


def test_the_studio_page_shows_the_generator_with_a_progress_indicator(world):
    html = _login(world["A"].users["member"]).get(_base(world) + "/content/").content.decode()
    assert 'hx-post="' in html and 'hx-indicator="#progress"' in html
    assert 'class="progress htmx-indicator" role="status"' in html and "<progress" in html
    assert 'name="request_token"' in html
    assert "/content/ideas/" in html and "/pages/" in html  # sub-navigation and sidebar


def test_generating_via_htmx_returns_the_result_fragment_and_a_fresh_token(world):
    a = world["A"]
    client = _login(a.users["member"])
    token = str(uuid.uuid4())
    data = {"prompt": "Grand opening", "type": "social_media", "language": "ar", "tone": "friendly", "length": "short",
            "request_token": token}  # fmt: skip
    response = client.post(_base(world) + "/content/generate/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="generator"' in html and 'id="result-text"' in html
    generation = Generation.unscoped.get(workspace=a.workspace)
    assert generation.language == "ar" and 'lang="ar" dir="auto"' in html
    assert token not in html  # the next submit gets a new token


def test_a_double_submit_of_the_same_form_is_charged_once(world):
    a = world["A"]
    client = _login(a.users["member"])
    start = balance(a.workspace)
    data = {"prompt": "Twice?", "type": "text", "language": "en", "tone": "casual", "length": "short",
            "request_token": str(uuid.uuid4())}  # fmt: skip
    for _ in range(3):
        assert client.post(_base(world) + "/content/generate/", data).status_code == 200
    assert Generation.unscoped.filter(workspace=a.workspace).count() == 1
    assert balance(a.workspace) == start - 5


def test_not_enough_credits_is_shown_not_raised(world):
    a = world["A"]
    from billing.models import BillingAccount
    from billing.services import billing_account_ensure

    billing_account_ensure(workspace=a.workspace)
    BillingAccount.unscoped.filter(workspace=a.workspace).update(plan_credits=0, purchased_credits=0)
    data = {"prompt": "x", "type": "text", "language": "en", "tone": "casual", "length": "short",
            "request_token": str(uuid.uuid4())}  # fmt: skip
    response = _login(a.users["member"]).post(_base(world) + "/content/generate/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Not enough credits" in response.content.decode()
    assert not Generation.unscoped.exists()


def test_history_filters_exports_and_edits(world):
    a = world["A"]
    email = make_generation(a.workspace, type="email", text="Hello <b>friends</b>")
    make_generation(a.workspace, type="blog_post", text="# Blog")
    client = _login(a.users["member"])
    html = client.get(_base(world) + "/content/?type=email").content.decode()
    assert "Hello &lt;b&gt;friends&lt;/b&gt;" in html and "# Blog" not in html
    txt = client.get(_base(world) + f"/content/{email.pk}/export.txt")
    assert txt["Content-Type"].startswith("text/plain") and txt.content == b"Hello <b>friends</b>\n"
    assert f'filename="content-{email.pk}.txt"' in txt["Content-Disposition"]
    md = client.get(_base(world) + f"/content/{email.pk}/export.md")
    assert md["Content-Type"].startswith("text/markdown") and md.content.endswith(b"Hello <b>friends</b>\n")
    assert client.get(_base(world) + f"/content/{email.pk}/export.exe").status_code == 404
    response = client.post(_base(world) + f"/content/{email.pk}/", {"action": "save", "text": "Edited"})
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.text == "Edited" and email.edited_at


def test_viewers_read_but_do_not_write_and_other_workspaces_are_404(world):
    a = world["A"]
    generation = make_generation(a.workspace)
    viewer = _login(a.users["viewer"])
    assert viewer.get(_base(world) + "/content/").status_code == 200
    data = {"prompt": "x", "type": "text", "language": "en", "tone": "casual", "length": "short",
            "request_token": str(uuid.uuid4())}  # fmt: skip
    assert viewer.post(_base(world) + "/content/generate/", data).status_code == 403
    assert viewer.post(_base(world) + f"/content/{generation.pk}/", {"action": "delete"}).status_code == 403
    intruder = _login(world["B"].users["owner"])
    assert intruder.get(_base(world) + f"/content/{generation.pk}/").status_code == 404
    assert intruder.get(_base(world, "B") + f"/content/{generation.pk}/").status_code == 404
    assert intruder.get(_base(world, "B") + f"/content/{generation.pk}/export.txt").status_code == 404


def test_ideas_page_creates_a_batch_and_shows_it(world):
    a = world["A"]
    client = _login(a.users["member"])
    response = client.post(
        _base(world) + "/content/ideas/",
        {"niche": "vegan bakery", "budget": "500", "language": "pt", "request_token": str(uuid.uuid4())},
    )
    batch = IdeaBatch.unscoped.get(workspace=a.workspace)
    assert response.status_code == 302 and response["Location"].endswith(f"/content/ideas/{batch.pk}/")
    html = client.get(response["Location"]).content.decode()
    assert html.count('class="card idea"') == 5 and "vegan bakery" in html


def test_the_builder_creates_edits_previews_and_publishes_a_page(world):
    a = world["A"]
    client = _login(a.users["member"])
    response = client.post(
        _base(world) + "/pages/",
        {"title": "מאפיית השכונה", "description": "לחם טרי כל בוקר", "target_audience": "שכנים", "goal": "contact",
         "industry": "מאפייה", "language": "he", "theme": "classic", "request_token": str(uuid.uuid4())},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    page = LandingPage.unscoped.get(workspace=a.workspace)
    assert response.status_code == 204 and response["HX-Redirect"].endswith(f"/pages/{page.pk}/")
    builder = client.get(_base(world) + f"/pages/{page.pk}/").content.decode()
    assert f'src="{_base(world)}/pages/{page.pk}/preview/"' in builder and 'name="hero__headline"' in builder

    preview = client.get(_base(world) + f"/pages/{page.pk}/preview/")
    assert preview["X-Frame-Options"] == "SAMEORIGIN" and '<html lang="he" dir="rtl">' in preview.content.decode()
    assert "<fieldset disabled>" in preview.content.decode()

    form = {key: value for key, value in _builder_fields(page).items()}
    form.update({"action": "save", "hero__headline": "לחם חם", "cta__button_url": "javascript:alert(1)"})
    bad = client.post(_base(world) + f"/pages/{page.pk}/", form, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "HX-Trigger" not in bad and "errorlist" in bad.content.decode()
    form["cta__button_url"] = "#form"
    good = client.post(_base(world) + f"/pages/{page.pk}/", form, HTTP_HX_REQUEST="true")
    assert good["HX-Trigger"] == "pageSaved"
    page.refresh_from_db()
    assert page.sections["hero"]["headline"] == "לחם חם"

    # the generated testimonials are samples: publishing waits until they are real
    assert "Sample testimonial" in client.get(_base(world) + f"/pages/{page.pk}/").content.decode()
    refused = client.post(_base(world) + f"/pages/{page.pk}/", {"action": "publish"}, follow=True)
    page.refresh_from_db()
    assert not page.is_published and "sample testimonials" in refused.content.decode()
    form = _builder_fields(page)
    form.update({"action": "save", "social_proof__testimonials__0__quote": "הלחם הכי טוב בשכונה",
                 "social_proof__testimonials__0__author": "דנה", "social_proof__testimonials__1__quote": "",
                 "social_proof__testimonials__1__author": "", "social_proof__testimonials__1__role": ""})  # fmt: skip
    saved = client.post(_base(world) + f"/pages/{page.pk}/", form, HTTP_HX_REQUEST="true")
    assert saved["HX-Trigger"] == "pageSaved"
    # the publish card's warning is replaced out of band, now empty: no stale "still on the page"
    html = saved.content.decode()
    assert '<div id="sample-testimonials-warning" hx-swap-oob="true"></div>' in html
    page.refresh_from_db()
    testimonials = page.sections["social_proof"]["testimonials"]
    assert [(t["quote"], t["author"], t["placeholder"]) for t in testimonials] == [
        ("הלחם הכי טוב בשכונה", "דנה", False)
    ]
    assert client.post(_base(world) + f"/pages/{page.pk}/", {"action": "publish"}).status_code == 302
    page.refresh_from_db()
    assert page.is_published
    assert (
        Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0")
        .get(page.public_path)
        .status_code
        == 200
    )


def _builder_fields(page: LandingPage) -> dict:
    """The builder form's field values for the page's current sections."""
    from content.forms import SectionsForm

    form = SectionsForm(sections=page.sections)
    values = {}
    for name, field in form.fields.items():
        initial = field.initial
        if isinstance(initial, bool):
            if initial:
                values[name] = "on"
        elif initial not in (None, ""):
            values[name] = initial
    return values


def test_preview_and_builder_of_another_workspace_are_404(world):
    page = make_landing_page(world["A"].workspace)
    intruder = _login(world["B"].users["owner"])
    for suffix in ("", "preview/", "hero/"):
        assert intruder.get(_base(world, "B") + f"/pages/{page.pk}/{suffix}").status_code == 404


def test_the_admin_lists_content_and_shows_the_prompt_templates(world):
    from accounts.tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    make_generation(world["A"].workspace)
    page = make_landing_page(world["B"].workspace, status="published")
    for model in ("generation", "ideabatch", "landingpage", "landingpagesubmission"):
        assert client.get(f"/admin/content/{model}/").status_code == 200, model
    assert client.get(f"/admin/content/landingpage/{page.pk}/change/").status_code == 200
    templates = client.get("/admin/content/generation/prompt-templates/")
    assert templates.status_code == 200 and "content/blog_post.txt" in templates.content.decode()
    response = client.post("/admin/content/landingpage/", {"action": "unpublish_pages", "_selected_action": [page.pk]})
    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.is_published
