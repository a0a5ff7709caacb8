"""The e-mail, SMS and journey pages: they render in every language (RTL in
Arabic and Hebrew), the editor previews at desktop and phone widths and shows
audience and cost, the SMS composer counts segments, the builder adds and
removes steps, and another workspace's rows are 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from crm.tests.factories import make_contact, make_segment
from emails.models import Campaign
from emails.tests.factories import BLOCKS, make_campaign
from journeys.models import Journey
from journeys.tests.factories import make_journey
from sms.tests.factories import make_campaign as make_sms_campaign

pytestmark = pytest.mark.django_db


def _browser(tenant, role="owner") -> Client:
    client = Client()
    client.force_login(tenant.users[role])
    return client


@pytest.mark.parametrize("language", ["en", "es", "pt", "ar", "he"])
def test_every_page_renders_and_is_rtl_in_arabic_and_hebrew(shop, language):
    workspace = shop.workspace
    campaign = make_campaign(workspace, sender=shop.sender)
    sent = make_campaign(workspace, sender=shop.sender, status=Campaign.Status.SENT, count_sent=10, count_opened=4)
    sms = make_sms_campaign(workspace)
    journey = make_journey(workspace)
    client = _browser(shop.tenant)
    base = f"/{language}/w/{workspace.slug}"
    pages = [
        f"{base}/email/",
        f"{base}/email/senders/",
        f"{base}/email/campaigns/{campaign.pk}/",
        f"{base}/email/campaigns/{sent.pk}/report/",
        f"{base}/sms/",
        f"{base}/sms/{sms.pk}/",
        f"{base}/journeys/",
        f"{base}/journeys/{journey.pk}/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'lang="{language}"' in html
        assert ('dir="rtl"' in html) == (language in ("ar", "he")), url
    report = client.get(f"{base}/email/campaigns/{sent.pk}/report/").content.decode()
    assert "<svg" in report
    if language in ("en", "es", "pt"):
        assert "40.0 %" in report.replace("40,0", "40.0")  # 4 of 10 delivered opened


def test_the_editor_previews_at_two_widths_and_shows_audience_and_cost(shop):
    segment = make_segment(shop.workspace, definition={"tags_any": ["otono"]})
    for n in range(3):
        make_contact(shop.workspace, email=f"p{n}@clientes.example", email_opt_in=True, tags=["otono"])
    make_contact(shop.workspace, email="no@clientes.example", tags=["otono"])  # no consent: not counted
    campaign = make_campaign(shop.workspace, sender=shop.sender, body=BLOCKS, audience={"segment_id": segment.pk})
    html = _browser(shop.tenant).get(f"/es/w/{shop.workspace.slug}/email/campaigns/{campaign.pk}/").content.decode()
    assert 'class="desktop"' in html and 'class="phone"' in html and 'sandbox=""' in html
    assert "srcdoc=" in html and "Ver la colección" in html
    assert '<div class="stat">3</div>' in html and '<div class="stat">1</div>' in html  # recipients, credits


def test_saving_blocks_from_the_text_area(shop):
    campaign = make_campaign(shop.workspace, sender=shop.sender)
    url = f"/en/w/{shop.workspace.slug}/email/campaigns/{campaign.pk}/"
    body = "# Hola {{first_name}}\n\nNueva colección.\n\n[Ver](https://shop.example/otono)\n\n---"
    response = _browser(shop.tenant, "member").post(
        url,
        {
            "action": "save",
            "name": "Otoño",
            "subject": "Hola",
            "language": "es",
            "sender": shop.sender.pk,
            "body": body,
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert [block["type"] for block in campaign.body] == ["heading", "text", "button", "divider"]
    assert campaign.body[2] == {"type": "button", "text": "Ver", "url": "https://shop.example/otono"}


def test_postal_address_is_a_workspace_setting_saved_from_the_senders_page(shop):
    url = f"/en/w/{shop.workspace.slug}/email/senders/"
    _browser(shop.tenant, "member").post(url, {"action": "postal", "postal_address": "Rua Augusta 1, Lisboa"})
    shop.workspace.refresh_from_db()
    assert shop.workspace.postal_address == "Rua Augusta 1, Lisboa"
    html = _browser(shop.tenant).get(url).content.decode()
    assert "Rua Augusta 1, Lisboa" in html and "_domainkey.shop.example" in html


def test_the_postal_address_keeps_its_lines_and_the_dkim_hint_is_translated(shop):
    url = f"/es/w/{shop.workspace.slug}/email/senders/"
    typed = "Tienda Luz S.L.\r\n  Calle   Mayor 12\r\n\r\n28013 Madrid "
    _browser(shop.tenant, "member").post(url, {"action": "postal", "postal_address": typed})
    shop.workspace.refresh_from_db()
    assert shop.workspace.postal_address == "Tienda Luz S.L.\nCalle Mayor 12\n28013 Madrid"
    html = _browser(shop.tenant).get(url).content.decode()
    assert "la clave pública que te da tu servicio de envío" in html


def test_a_form_trigger_names_its_landing_page_from_a_list(shop):
    from content.tests.factories import make_landing_page

    workspace = shop.workspace
    page = make_landing_page(workspace, title="Club Luz", status="published")
    client = _browser(shop.tenant, "member")
    listing = client.get(f"/es/w/{workspace.slug}/journeys/").content.decode()
    assert f'<option value="{page.pk}">Club Luz</option>' in listing and "showfor.js" in listing
    client.post(f"/es/w/{workspace.slug}/journeys/", {"name": "Club", "trigger": "form_submitted", "page": page.pk})
    journey = Journey.unscoped.get(workspace=workspace)
    assert journey.trigger == {"type": "form_submitted", "page": str(page.pk)}
    assert "Envía un formulario: Club Luz" in client.get(f"/es/w/{workspace.slug}/journeys/").content.decode()


def test_the_builder_says_one_minute_and_suggests_approved_templates(shop):
    from whatsapp.models import MessageTemplate
    from whatsapp.tests.factories import make_account

    workspace = shop.workspace
    account = make_account(workspace)
    for name, status in (("hello_world", "APPROVED"), ("draft_offer", "PENDING")):
        MessageTemplate.unscoped.create(
            workspace=workspace, account=account, name=name, language="en_US", status=status
        )
    steps = [{"id": "s1", "type": "wait", "minutes": 1}, {"id": "s2", "type": "wait", "hours": 2}]
    journey = make_journey(workspace, steps=steps)
    html = _browser(shop.tenant).get(f"/es/w/{workspace.slug}/journeys/{journey.pk}/").content.decode()
    assert re.search(r"\b1 minuto\b(?!s)", html) and "1 minutos" not in html
    assert "2 horas" in html
    assert '<option value="hello_world">' in html and "draft_offer" not in html
    assert 'data-show-for="send_whatsapp_template"' in html


def test_the_sms_composer_counts_segments_as_you_type(shop):
    client = _browser(shop.tenant)
    url = f"/he/w/{shop.workspace.slug}/sms/count/"
    hebrew = client.get(url, {"body": "שלום " * 20}).content.decode()  # 100 characters, UCS-2: 2 segments
    assert "UCS-2" in hebrew and ": 2 ·" in hebrew
    plain = client.get(url.replace("/he/", "/en/"), {"body": "Hello"}).content.decode()
    assert "GSM-7" in plain and "Segments: 1" in plain


def test_the_builder_adds_steps_to_the_flow_and_to_a_branch_arm_and_removes_them(shop):
    workspace = shop.workspace
    client = _browser(shop.tenant, "member")
    created = client.post(f"/en/w/{workspace.slug}/journeys/", {"name": "Bienvenida", "trigger": "form_submitted"})
    journey = Journey.unscoped.get(workspace=workspace)
    url = f"/en/w/{workspace.slug}/journeys/{journey.pk}/"
    assert created.status_code == 302 and created["Location"].endswith(url)
    client.post(url, {"action": "add", "type": "wait", "amount": "1", "unit": "minutes"})
    client.post(
        url,
        {
            "action": "add",
            "type": "send_email",
            "subject": "Hola",
            "sender": shop.sender.pk,
            "body": "Hola {{first_name}}\n\n[Ver](https://shop.example/)",
        },
    )
    client.post(url, {"action": "add", "type": "branch", "on": "clicked", "within_hours": "24"})
    client.post(
        url,
        {
            "action": "add",
            "where": "s3:then",
            "type": "send_whatsapp_template",
            "template": "follow_up",
            "template_language": "es",
        },
    )
    journey.refresh_from_db()
    assert [s["type"] for s in journey.steps] == ["wait", "send_email", "branch"]
    assert journey.steps[2]["then"][0]["type"] == "send_whatsapp_template"
    assert journey.steps[2]["within"] == {"hours": 24}
    page = client.get(url).content.decode()
    assert page.index("step-s1") < page.index("step-s2") < page.index("step-s3") < page.index("step-s4")
    client.post(url, {"action": "remove", "step": "s4"})
    journey.refresh_from_db()
    assert journey.steps[2]["then"] == []
    client.post(url, {"action": "activate"})
    journey.refresh_from_db()
    assert journey.status == "active" and journey.steps[1]["campaign_id"]


def test_another_workspaces_pages_are_404(shop, world):
    campaign = make_campaign(shop.workspace)
    journey = make_journey(shop.workspace)
    sms = make_sms_campaign(shop.workspace)
    other = world["B"]
    client = _browser(other)
    slug = other.workspace.slug
    for url in (
        f"/en/w/{slug}/email/campaigns/{campaign.pk}/",
        f"/en/w/{slug}/email/campaigns/{campaign.pk}/report/",
        f"/en/w/{slug}/journeys/{journey.pk}/",
        f"/en/w/{slug}/sms/{sms.pk}/",
    ):
        assert client.get(url).status_code == 404, url
        if not url.endswith("/report/"):  # the report is read-only (a POST is 405 for any id)
            assert client.post(url, {"action": "send"}).status_code == 404, url
