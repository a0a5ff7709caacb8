"""The public page /p/<slug>/: language and direction, T12 (AI and user text
rendered as text, never as markup or template), the form (CSRF, honeypot,
per-address rate limit, a repeated submit stored and sent to the CRM once),
views and conversions without bots, and a constant number of queries."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Workspace
from content import landing_services
from content.gateway import use_provider
from content.models import LandingPage, LandingPageSubmission
from content.public_views import FORM_POSTS_PER_WINDOW
from content.tests.conftest import ok
from content.tests.factories import make_landing_page
from crm.models import Activity, Contact
from medialib.models import MediaAsset
from nexusone import storage
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
LEAD = {"name": "Dana Levi", "email": "dana@example.test", "phone": "+1 415 555 0100", "message": "Call me"}
PAYLOADS = [
    "<script>alert('x')</script>",
    "{{7*7}}",
    "{% debug %}",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "' OR 1=1--",
]


def _browser(**extra) -> Client:
    return Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER, **extra)


def _published(workspace, **fields) -> LandingPage:
    return make_landing_page(workspace, status="published", **fields)


def _csrf(client: Client, page: LandingPage) -> str:
    client.get(f"/p/{page.slug}/")
    return client.cookies["csrftoken"].value


def _submit(client: Client, page: LandingPage, data=None, token=None):
    token = token or _csrf(client, page)
    return client.post(f"/p/{page.slug}/", {**(data or LEAD), "csrfmiddlewaretoken": token})


class _Audit(HTMLParser):
    """Collects what would execute in a browser."""

    def __init__(self):
        super().__init__()
        self.scripts, self.handlers, self.bad_urls, self.tags = 0, [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("script", "svg", "iframe", "object", "embed"):
            self.scripts += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if (
                name in ("href", "src", "action")
                and value
                and value.strip().lower().startswith(("javascript:", "data:"))
            ):
                self.bad_urls.append(value)


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("es", "ltr"), ("pt", "ltr"), ("ar", "rtl"),
                                                      ("he", "rtl")])  # fmt: skip
def test_the_page_renders_in_its_language_and_direction(world, language, direction):
    page = _published(world["A"].workspace, language=language)
    response = _browser().get(f"/p/{page.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert response["Content-Language"] == language
    assert page.sections["form"]["email_label"] in html  # the form speaks the page's language
    assert "<link" not in html and "http://" not in html.replace("http://testserver", "")  # no external assets
    for label_for in ("lead-name", "lead-email", "lead-phone", "lead-message"):
        assert f'<label for="{label_for}"' in html and f'id="{label_for}"' in html
    assert html.count("<h1") == 1 and '<main id="main">' in html


def test_ai_and_user_payloads_are_rendered_as_text(world):
    """T12: every string of every section carries an injection payload; a
    javascript: link is written straight into the row, bypassing validation."""
    page = _published(world["A"].workspace)
    sections = page.sections
    for index, payload in enumerate(PAYLOADS * 2):
        sections["faq"]["items"].append({"question": payload, "answer": payload})
        sections["benefits"]["items"][index % 4]["title"] = payload
    sections["hero"] = {"headline": PAYLOADS[0], "subheadline": PAYLOADS[1], "cta_label": PAYLOADS[3]}
    sections["cta"].update(title=PAYLOADS[2], text=PAYLOADS[4], button_url="javascript:alert(1)")
    sections["form"].update(title=PAYLOADS[1], name_label=PAYLOADS[0], success_message=PAYLOADS[3])
    LandingPage.unscoped.filter(pk=page.pk).update(sections=sections, title=PAYLOADS[0])

    response = _browser().get(f"/p/{page.slug}/")
    assert "default-src 'none'" in response["Content-Security-Policy"]  # and no script may run anyway
    html = response.content.decode()
    audit = _Audit()
    audit.feed(html)
    assert audit.scripts == 0 and audit.handlers == [] and audit.bad_urls == []
    assert "49" not in re.sub(r"#[0-9a-f]{6}|\d+(\.\d+)?(rem|px|vw|%|s)|\d{3,}", "", html)
    assert "{{7*7}}" in html and "{% debug %}" in html  # shown literally
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert 'href="#form"' in html and "javascript:" not in html


def test_the_form_needs_a_csrf_token(world):
    page = _published(world["A"].workspace)
    response = _browser().post(f"/p/{page.slug}/", LEAD)
    assert response.status_code == 403
    assert not LandingPageSubmission.unscoped.exists()


def test_a_submission_creates_the_crm_contact_with_a_form_submit_activity(world):
    a = world["A"]
    page = _published(a.workspace, language="he")
    response = _submit(_browser(), page)
    assert response.status_code == 302 and response["Location"] == f"/p/{page.slug}/?sent=1#form"
    thanks = _browser().get(response["Location"])
    assert page.sections["form"]["success_message"] in thanks.content.decode()
    submission = LandingPageSubmission.unscoped.get(page=page)
    contact = Contact.unscoped.get(workspace=a.workspace)
    assert submission.crm_contact_id == contact.pk
    assert (contact.email, contact.first_name, contact.last_name, contact.source) == (
        "dana@example.test", "Dana", "Levi", "landing_page",
    )  # fmt: skip
    activity = Activity.unscoped.get(contact=contact)
    assert activity.type == "form_submit" and activity.payload["page"]["id"] == page.pk
    page.refresh_from_db()
    assert page.conversions == 1


def test_a_repeated_identical_submit_creates_the_contact_once(world):
    a = world["A"]
    page = _published(a.workspace)
    client = _browser()
    token = _csrf(client, page)
    for _ in range(3):
        assert _submit(client, page, token=token).status_code == 302
    assert LandingPageSubmission.unscoped.filter(page=page).count() == 1
    assert Contact.unscoped.filter(workspace=a.workspace).count() == 1
    assert Activity.unscoped.filter(contact__workspace=a.workspace).count() == 1
    page.refresh_from_db()
    assert page.conversions == 1
    # a different message from the same person is a new lead for the same contact
    assert _submit(client, page, {**LEAD, "message": "Also: prices?"}, token=token).status_code == 302
    assert Contact.unscoped.filter(workspace=a.workspace).count() == 1
    assert Activity.unscoped.filter(contact__workspace=a.workspace).count() == 2


def test_a_lead_is_never_refused_for_credits(world):
    a = world["A"]
    page = _published(a.workspace)
    from billing.models import BillingAccount
    from billing.services import billing_account_ensure

    billing_account_ensure(workspace=a.workspace)
    BillingAccount.unscoped.filter(workspace=a.workspace).update(plan_credits=0, purchased_credits=0)
    assert _submit(_browser(), page).status_code == 302
    assert Contact.unscoped.filter(workspace=a.workspace).count() == 1


def test_the_honeypot_drops_the_submission_silently(world):
    page = _published(world["A"].workspace)
    response = _submit(_browser(), page, {**LEAD, "website": "http://spam.example"})
    assert response.status_code == 302  # looks like success to the bot
    assert not LandingPageSubmission.unscoped.exists() and not Contact.unscoped.exists()
    page.refresh_from_db()
    assert page.conversions == 0


@time_machine.travel("2026-03-02 10:03:00+00:00", tick=False)  # mid-window: the limiter's windows are fixed
def test_the_form_is_rate_limited_per_address(world):
    page = _published(world["A"].workspace)
    client = _browser()
    token = _csrf(client, page)
    for index in range(FORM_POSTS_PER_WINDOW):
        assert _submit(client, page, {**LEAD, "message": f"m{index}"}, token=token).status_code == 302
    blocked = _submit(client, page, {**LEAD, "message": "one more"}, token=token)
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert LandingPageSubmission.unscoped.count() == FORM_POSTS_PER_WINDOW
    other = _browser(REMOTE_ADDR="203.0.113.9")
    assert _submit(other, page, {**LEAD, "message": "another visitor"}).status_code == 302


def test_invalid_input_shows_errors_in_the_page_language(world):
    page = _published(world["A"].workspace, language="es")
    response = _submit(_browser(), page, {"name": "", "email": "not-an-email", "phone": "call me maybe"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'id="lead-email-error"' in html
    assert "Introduzca una dirección de correo electrónico válida." in html  # Django's own Spanish catalogue
    assert not LandingPageSubmission.unscoped.exists()


def test_views_and_conversions_exclude_bots(world):
    page = _published(world["A"].workspace)
    url = f"/p/{page.slug}/"
    _browser().get(url)
    _browser().get(url)
    for agent in ("", "curl/8.5.0", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                  "facebookexternalhit/1.1", "python-requests/2.32", "Mozilla/5.0 HeadlessChrome/120.0"):  # fmt: skip
        Client(HTTP_USER_AGENT=agent).get(url)
    _browser(HTTP_SEC_PURPOSE="prefetch").get(url)
    _browser().head(url)
    _browser().get(url + "?sent=1")
    bot = Client(enforce_csrf_checks=False, HTTP_USER_AGENT="Googlebot/2.1")
    bot.post(url, LEAD)
    page.refresh_from_db()
    assert (page.views, page.conversions) == (2, 0)
    assert not Contact.unscoped.exists()
    _submit(_browser(), page)
    page.refresh_from_db()
    assert (page.views, page.conversions) == (3, 1)  # the submitter's own visit counts once
    assert page.conversion_rate == round(1 / 3, 4)


def test_the_page_costs_a_constant_number_of_queries(world, django_assert_num_queries):
    small = _published(world["A"].workspace)
    big = _published(world["A"].workspace)
    sections = big.sections
    sections["faq"]["items"] = [{"question": f"Q{i}?", "answer": "A."} for i in range(12)]
    sections["social_proof"]["testimonials"] = [{"quote": "Good", "author": f"A{i}", "role": ""} for i in range(6)]
    LandingPage.unscoped.filter(pk=big.pk).update(sections=sections)
    client = _browser()
    # the page with its workspace (1) + the view counter's UPDATE (1), whatever the sections hold
    for page in (small, big):
        with django_assert_num_queries(2):
            assert client.get(f"/p/{page.slug}/").status_code == 200


def test_drafts_unknown_pages_and_suspended_workspaces_are_404(world):
    a = world["A"]
    draft = make_landing_page(a.workspace)
    assert _browser().get(f"/p/{draft.slug}/").status_code == 404
    assert _browser().get("/p/no-such-page/").status_code == 404
    live = _published(a.workspace)
    Workspace.objects.filter(pk=a.workspace.pk).update(is_suspended=True)
    assert _browser().get(f"/p/{live.slug}/").status_code == 404


def test_the_hero_image_goes_to_storage_under_the_workspace_and_is_served_by_the_page(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    a = world["A"]
    page = _published(a.workspace)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with workspace_scope(a.workspace):
        landing_services.landing_page_set_hero_image(page=page, upload=SimpleUploadedFile("x.png", png))
        with pytest.raises(Exception) as refused:
            landing_services.landing_page_set_hero_image(
                page=page, upload=SimpleUploadedFile("x.svg", b"<svg onload=alert(1)>")
            )
    assert refused.value.details == {"hero_image": ["Upload a PNG, JPEG, GIF or WebP image."]}
    assert re.fullmatch(rf"landing-pages/{a.workspace.pk}/[0-9a-f]{{32}}\.png", page.hero_image)
    bucket, key = page.hero_image.split("/", 1)
    assert storage.bucket_storage(bucket).exists(key)
    assert (tmp_path / page.hero_image).is_file()
    # a library row, so the orphan sweep keeps it
    assert MediaAsset.unscoped.get(bucket=bucket, key=key).workspace_id == a.workspace.pk
    html = _browser().get(f"/p/{page.slug}/").content.decode()
    src = re.search(r'<img class="hero-image" src="([^"]+)"', html).group(1)
    image = _browser().get(src.replace("&amp;", "&"))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == png


def test_a_page_written_by_a_hostile_model_renders_as_text(world, openai_double):
    """T12 end to end: the stubbed OpenAI answers with payloads in every field."""
    p = PAYLOADS
    answer = {
        "hero": {"headline": p[0], "subheadline": p[1], "cta_label": p[3]},
        "benefits": {"title": p[2], "items": [{"title": x, "description": x} for x in p]},
        "social_proof": {
            "title": p[4],
            "testimonials": [{"quote": p[0], "author": p[1], "role": p[3]}],
            "stats": [{"value": p[1], "label": p[0]}],
        },
        "faq": {"title": p[5], "items": [{"question": x, "answer": x} for x in p]},
        "cta": {"title": p[0], "text": p[1], "button_label": p[3], "button_url": "javascript:alert(document.cookie)"},
        "form": {
            "title": p[0],
            "text": p[1],
            "name_label": p[3],
            "email_label": p[4],
            "phone_label": p[0],
            "message_label": p[2],
            "submit_label": p[0],
            "success_message": p[3],
        },
    }
    a = world["A"]
    client = a.client("member")
    body = {"title": p[0], "description": p[1], "target_audience": p[2], "goal": "sales", "industry": p[5],
            "language": "en", "theme": "modern"}  # fmt: skip
    with use_provider(openai_double([ok(json.dumps(answer))]).provider()):
        created = client.post("/api/v1/magic-pages/", body, format="json", HTTP_IDEMPOTENCY_KEY="t12")
    assert created.status_code == 201, created.content
    # generated testimonials are samples until edited (issue 17): "edit" it, keeping a payload in every field
    proof = {
        **created.json()["sections"]["social_proof"],
        "testimonials": [{"quote": p[0], "author": p[1], "role": p[2]}],
    }
    page_url = f"/api/v1/magic-pages/{created.json()['id']}/"
    assert client.patch(page_url, {"sections": {"social_proof": proof}}, format="json").status_code == 200
    assert client.post(f"{page_url}publish").status_code == 200
    html = _browser().get(f"/p/{created.json()['slug']}/").content.decode()
    audit = _Audit()
    audit.feed(html)
    assert audit.scripts == 0 and audit.handlers == [] and audit.bad_urls == []
    assert "{{7*7}}" in html and "javascript:" not in html and json.dumps(p[0])[1:-1] not in html


def test_the_form_asks_for_consent_unticked_and_a_ticked_box_grants_it(world):
    a = world["A"]
    page = _published(a.workspace, language="es")
    form = _browser().get(f"/p/{page.slug}/").content.decode()
    boxes = re.findall(r'<input type="checkbox" name="(\w+)"[^>]*>', form)
    assert boxes == ["email_opt_in", "whatsapp_opt_in"]
    assert "checked" not in " ".join(re.findall(r'<input type="checkbox"[^>]*>', form))
    assert "Envíame novedades y ofertas por correo electrónico" in form  # the page's language

    assert _submit(_browser(), page).status_code == 302  # no box ticked
    contact = Contact.unscoped.get(workspace=a.workspace)
    assert (contact.email_opt_in, contact.whatsapp_opt_in) == (False, False)

    ticked = {**LEAD, "email_opt_in": "1", "whatsapp_opt_in": "1"}
    assert _submit(_browser(), page, ticked).status_code == 302  # same details, boxes ticked: counts
    contact.refresh_from_db()
    assert (contact.email_opt_in, contact.whatsapp_opt_in) == (True, True)
    latest = LandingPageSubmission.unscoped.filter(page=page).order_by("-id").first()
    assert (latest.email_opt_in, latest.whatsapp_opt_in) == (True, True)

    assert _submit(_browser(), page, {**LEAD, "message": "Again"}).status_code == 302  # unticked never withdraws
    contact.refresh_from_db()
    assert (contact.email_opt_in, contact.whatsapp_opt_in) == (True, True)


def test_without_a_phone_field_there_is_no_whatsapp_box_and_no_whatsapp_consent(world):
    a = world["A"]
    page = _published(a.workspace)
    page.sections["form"]["show_phone"] = False
    page.save()
    form = _browser().get(f"/p/{page.slug}/").content.decode()
    assert 'name="email_opt_in"' in form and 'name="whatsapp_opt_in"' not in form
    data = {"name": "Dana Levi", "email": "dana@example.test", "email_opt_in": "1", "whatsapp_opt_in": "1"}
    assert _submit(_browser(), page, data).status_code == 302
    contact = Contact.unscoped.get(workspace=a.workspace)
    assert (contact.email_opt_in, contact.whatsapp_opt_in) == (True, False)


def test_the_fingerprint_without_consent_is_unchanged_so_old_submissions_still_deduplicate():
    fields = {"page_id": 7, "name": "Dana  Levi", "email": "Dana@Example.test", "phone": "+1 415", "message": "hi"}
    import hashlib

    canonical = json.dumps([7, "dana levi", "dana@example.test", "1415", "hi"], ensure_ascii=False)
    assert landing_services.submission_fingerprint(**fields) == hashlib.sha256(canonical.encode()).hexdigest()
    assert landing_services.submission_fingerprint(**fields, consent=(True, False)) != (
        landing_services.submission_fingerprint(**fields)
    )
