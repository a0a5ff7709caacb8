"""Content studio and pages polish (issue 17, point 6): a new generation joins
the history without a reload, generated testimonials are samples that block
publishing until edited, Arabic and Hebrew titles get readable addresses, and
new content starts in the workspace's default language."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from accounts.tests.factories import PASSWORD
from content.models import LandingPage
from content.slugs import readable_slug
from content.tests.test_api_ideas_pages import PAGE, _create_page

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_a_new_generation_joins_the_history_out_of_band(world):
    a = world["A"]
    client = _login(a.users["member"])
    base = f"/en/w/{a.workspace.slug}/content/"
    studio = client.get(base).content.decode()
    assert '<ul class="history" id="history-list"></ul>' in studio and "Nothing generated yet." in studio
    data = {"prompt": "Write a post about our spring sale on linen shirts", "type": "social_media", "language": "en",
            "tone": "friendly", "length": "short", "request_token": str(uuid.uuid4())}  # fmt: skip
    html = client.post(base + "generate/", data, HTTP_HX_REQUEST="true").content.decode()
    assert '<ul hx-swap-oob="afterbegin:#history-list"><li class="history-item">' in html
    assert "our spring sale on linen shirts" in html and "…" not in html.split('id="result-text"')[1].split("</div>")[0]
    # a plain (non-htmx) submit renders the whole page, the history already holding it: no out-of-band part
    data["request_token"] = str(uuid.uuid4())
    full = client.post(base + "generate/", data).content.decode()
    assert "hx-swap-oob" not in full and full.count('class="history-item"') == 2


def test_generated_testimonials_are_samples_that_block_publishing(world):
    a = world["A"]
    client = a.client("member")
    page = _create_page(client).json()
    testimonials = page["sections"]["social_proof"]["testimonials"]
    assert testimonials and all(item["placeholder"] for item in testimonials)
    refused = client.post(f"/api/v1/magic-pages/{page['id']}/publish")
    assert refused.status_code == 400
    assert refused.json()["error"]["details"] == {
        f"sections.social_proof.testimonials.{index}.quote": [refused.json()["error"]["message"]]
        for index in range(len(testimonials))
    }
    # claiming the flag away does not work: the service decides from the text
    proof = {**page["sections"]["social_proof"], "testimonials": [{**t, "placeholder": False} for t in testimonials]}
    patched = client.patch(f"/api/v1/magic-pages/{page['id']}/", {"sections": {"social_proof": proof}}, format="json")
    assert all(t["placeholder"] for t in patched.json()["sections"]["social_proof"]["testimonials"])
    # editing one and removing the other does
    real = [{"quote": "شحن سريع وخدمة رائعة", "author": "سارة", "role": "عميلة", "placeholder": True}]
    proof = {**page["sections"]["social_proof"], "testimonials": real}
    patched = client.patch(f"/api/v1/magic-pages/{page['id']}/", {"sections": {"social_proof": proof}}, format="json")
    assert patched.json()["sections"]["social_proof"]["testimonials"][0]["placeholder"] is False
    assert client.post(f"/api/v1/magic-pages/{page['id']}/publish").status_code == 200


def test_the_preview_and_the_builder_mark_sample_testimonials(world):
    a = world["A"]
    page = _create_page(a.client("member"), body={**PAGE, "language": "en"}).json()
    client = _login(a.users["member"])
    preview = client.get(f"/en/w/{a.workspace.slug}/pages/{page['id']}/preview/").content.decode()
    assert preview.count('class="sample-note"') == len(page["sections"]["social_proof"]["testimonials"])
    builder = client.get(f"/en/w/{a.workspace.slug}/pages/{page['id']}/").content.decode()
    assert "placeholder-item" in builder and "sample testimonials are still on the page" in builder


def test_pages_made_before_the_flag_still_publish(world):
    from content.tests.factories import make_landing_page
    from nexusone.tenancy import workspace_scope

    a = world["A"]
    with workspace_scope(a.workspace):
        page = make_landing_page(a.workspace)
    assert a.client("member").post(f"/api/v1/magic-pages/{page.pk}/publish").status_code == 200


@pytest.mark.parametrize(
    ("title", "expected"),
    [("مخبز الحي", "mkhbz-alhy"), ("מאפיית השכונה", "mapyyt-hshkvnh"), ("Café Olé", "cafe-ole"), ("!!!", "")],
)
def test_readable_slugs(title, expected):
    assert readable_slug(title) == expected


def test_arabic_and_hebrew_pages_get_readable_addresses(world):
    a = world["A"]
    client = a.client("member")
    arabic = _create_page(client, body={**PAGE, "title": "مخبز الحي"}, key="ar").json()
    hebrew = _create_page(client, body={**PAGE, "title": "מאפיית השכונה", "language": "he"}, key="he").json()
    assert arabic["slug"].startswith("mkhbz-alhy-") and hebrew["slug"].startswith("mapyyt-hshkvnh-")
    assert LandingPage.unscoped.filter(slug__startswith="page-").count() == 0


def test_new_content_starts_in_the_workspace_language(world):
    from accounts.services import workspace_update_settings

    a = world["A"]
    workspace_update_settings(
        workspace=a.workspace, data={"default_language": "pt"}, actor=a.users["owner"], actor_role="owner"
    )
    html = _login(a.users["member"]).get(f"/en/w/{a.workspace.slug}/content/").content.decode()
    assert '<option value="pt" selected>' in html


def test_the_live_preview_renders_unsaved_sections_and_saves_nothing(world):
    from content.tests.test_pages import _builder_fields

    a = world["A"]
    page = _create_page(a.client("member"), body={**PAGE, "language": "en"}).json()
    page_row = LandingPage.unscoped.get(pk=page["id"])
    client = _login(a.users["member"])
    url = f"/en/w/{a.workspace.slug}/pages/{page['id']}/preview/"
    form = {**_builder_fields(page_row), "action": "save", "hero__headline": "Typed, not saved"}
    response = client.post(url, form)
    assert response.status_code == 200 and "Typed, not saved" in response.content.decode()
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    page_row.refresh_from_db()
    assert page_row.sections["hero"]["headline"] != "Typed, not saved"
    form["cta__button_url"] = "javascript:alert(1)"
    broken = client.post(url, form).content.decode()
    assert "Typed, not saved" not in broken and "the preview shows the last saved version" in broken
    assert signed_out_is_refused(url)
    assert _login(a.users["viewer"]).post(url, form).status_code == 403


def signed_out_is_refused(url) -> bool:
    return Client().post(url, {}).status_code == 302


def test_the_builder_shows_collapsible_sections(world):
    a = world["A"]
    page = _create_page(a.client("member"), body={**PAGE, "language": "en"}).json()
    html = _login(a.users["member"]).get(f"/en/w/{a.workspace.slug}/pages/{page['id']}/").content.decode()
    assert html.count('<details class="section-block"') == 6 and 'data-section="hero" open' in html
    assert 'data-live-preview="' in html and 'name="page-preview"' in html


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "33.3%"), ("es", "33,3\xa0%"), ("pt", "33,3%"), ("he", "33.3%")]
)
def test_a_conversion_rate_is_written_the_way_the_language_writes_it(language, expected):
    from django.utils import translation

    from content.templatetags.content_tags import percent

    with translation.override(language):
        assert percent(1 / 3) == expected
        assert percent(None) == percent(0) != ""
