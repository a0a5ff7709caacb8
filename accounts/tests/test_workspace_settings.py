"""Workspace settings (issue 17, point 5): region, time zone, default
language, currency, logo and brand colour — through the service, the API
and the page — and the region at work in the CRM and WhatsApp."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from accounts import services
from accounts.forms import ProfileForm, WorkspaceSettingsForm
from nexusone.errors import PermissionDenied, ValidationFailed
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _png(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), color).save(buffer, "PNG")
    return buffer.getvalue()


def test_service_saves_every_setting_and_audits(world):
    a = world["A"]
    data = {
        "name": "Loja do Porto",
        "default_region": "pt",
        "timezone": "Europe/Lisbon",
        "default_language": "pt",
        "currency": "eur",
        "brand_color": "#0A7F3F",
    }
    workspace = services.workspace_update_settings(
        workspace=a.workspace, data=data, actor=a.users["admin"], actor_role="admin"
    )
    workspace.refresh_from_db()
    assert (workspace.name, workspace.default_region, workspace.timezone) == ("Loja do Porto", "PT", "Europe/Lisbon")
    assert (workspace.default_language, workspace.currency, workspace.brand_color) == ("pt", "EUR", "#0a7f3f")
    from nexusone.audit import AuditEntry

    entry = AuditEntry.unscoped.filter(workspace=workspace, action="accounts.workspace.settings_changed").get()
    assert entry.metadata["to"]["default_region"] == "PT"
    assert workspace.onboarding["settings_saved"] is True


def test_service_names_every_bad_field(world):
    a = world["A"]
    with pytest.raises(ValidationFailed) as caught:
        services.workspace_update_settings(
            workspace=a.workspace,
            data={
                "name": " ",
                "default_region": "XX",
                "timezone": "Mars/Olympus",
                "default_language": "fr",
                "currency": "DOGE",
                "brand_color": "red",
            },
            actor=a.users["owner"],
            actor_role="owner",
        )
    assert set(caught.value.details) == {
        "name",
        "default_region",
        "timezone",
        "default_language",
        "currency",
        "brand_color",
    }


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_change_settings(world, role):
    a = world["A"]
    with pytest.raises(PermissionDenied):
        services.workspace_update_settings(
            workspace=a.workspace, data={"default_region": "PT"}, actor=a.users[role], actor_role=role
        )


def test_api_patch_and_read_settings(world):
    a = world["A"]
    url = f"/api/v1/workspaces/{a.workspace.pk}/"
    response = a.client("admin").patch(
        url, {"default_region": "PT", "timezone": "Europe/Lisbon", "currency": "EUR"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["default_region"], body["timezone"], body["currency"]) == ("PT", "Europe/Lisbon", "EUR")
    assert body["name"] == a.workspace.name  # untouched
    bad = a.client("admin").patch(url, {"timezone": "Nowhere/Land"}, format="json")
    assert bad.status_code == 400
    assert "timezone" in bad.json()["error"]["details"]
    assert a.client("member").patch(url, {"currency": "BRL"}, format="json").status_code == 403


def test_timezone_list_is_grouped_and_searchable():
    form = WorkspaceSettingsForm()
    groups = [label for _value, label in form.fields["timezone"].choices if isinstance(label, list)]
    assert 8 <= len(groups) <= 11  # Africa, Americas, Asia, Europe … not 590 flat names
    flat = [name for _label, options in form.fields["timezone"].choices[1:] for name, _text in options]
    assert "Europe/Lisbon" in flat and "US/Eastern" not in flat and "Etc/GMT+5" not in flat
    html = str(form["timezone"])
    assert "<optgroup" in html and "data-choice-filter" in html and "Lisbon (UTC+" in html
    profile = str(ProfileForm(initial={"timezone": "UTC"})["timezone"])
    assert "<optgroup" in profile and "data-choice-filter" in profile


def test_profile_keeps_an_alias_time_zone_selectable(world):
    user = world["A"].users["member"]
    user.timezone = "US/Eastern"
    user.save(update_fields=["timezone"])
    html = str(ProfileForm.for_user(user)["timezone"])
    assert 'value="US/Eastern" selected' in html
    form = ProfileForm.for_user(user, {"name": "x", "preferred_language": "en", "timezone": "US/Eastern"})
    assert form.is_valid(), form.errors


def test_settings_page_saves_and_shows_sections(world):
    a = world["A"]
    client = signed_in(a.users["admin"])
    url = f"/en/w/{a.workspace.slug}/settings/"
    page = client.get(url).content.decode()
    for text in ("Region", "Time zone", "Currency", "Brand colour", "Portugal (+351)", "<optgroup"):
        assert text in page
    response = client.post(
        url,
        {
            "name": "Porto shop",
            "default_region": "PT",
            "timezone": "Europe/Lisbon",
            "default_language": "pt",
            "currency": "EUR",
            "brand_color": "#112233",
        },
    )
    assert response.status_code == 302
    a.workspace.refresh_from_db()
    assert (a.workspace.default_region, a.workspace.timezone, a.workspace.brand_color) == (
        "PT",
        "Europe/Lisbon",
        "#112233",
    )
    bad = client.post(url, {"timezone": "Mars/Olympus"})
    assert bad.status_code == 400
    # the error sits under its field
    assert 'has-error">' in bad.content.decode() or "has-error" in bad.content.decode()


def test_settings_page_in_arabic_names_regions(world):
    a = world["A"]
    page = signed_in(a.users["admin"]).get(f"/ar/w/{a.workspace.slug}/settings/").content.decode()
    assert 'dir="rtl"' in page and "<optgroup" in page
    assert ">إسرائيل (+972)</option>" in page and "United States" not in page
    hebrew = signed_in(a.users["admin"]).get(f"/he/w/{a.workspace.slug}/settings/").content.decode()
    assert ">ישראל (+972)</option>" in hebrew and ">ILS · שקל חדש</option>" in hebrew


def test_viewer_sees_settings_read_only(world):
    a = world["A"]
    page = signed_in(a.users["viewer"]).get(f"/en/w/{a.workspace.slug}/settings/").content.decode()
    assert "Only admins can change these settings." in page and "data-choice-filter" not in page


def test_portuguese_number_is_read_in_a_portuguese_workspace(world):
    from crm.validation import normalize_phone

    a = world["A"]
    services.workspace_update_settings(
        workspace=a.workspace, data={"default_region": "PT"}, actor=a.users["owner"], actor_role="owner"
    )
    assert normalize_phone("912 345 678", a.workspace.default_region) == "+351912345678"
    response = a.client("member").post("/api/v1/crm/contacts/", {"name": "Ana", "phone": "912 345 678"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+351912345678"
    # the same digits are not a valid number in the default (US) region
    b = world["B"]
    refused = b.client("member").post("/api/v1/crm/contacts/", {"name": "Ana", "phone": "912 345 678"}, format="json")
    assert refused.status_code == 400


def test_whatsapp_reads_local_numbers_in_the_workspace_region(world):
    from whatsapp.services.broadcasts import recipients_resolve

    a = world["A"]
    services.workspace_update_settings(
        workspace=a.workspace, data={"default_region": "PT"}, actor=a.users["owner"], actor_role="owner"
    )
    with workspace_scope(a.workspace):
        report, _segment = recipients_resolve(workspace=a.workspace, recipients=["912 345 678"], segment_id=None)
    assert report.numbers == ["+351912345678"] and not report.rejected


def test_logo_upload_and_brand_colour_reach_the_public_page(world):
    from content.tests.factories import make_landing_page

    a = world["A"]
    client = signed_in(a.users["admin"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/en/w/{a.workspace.slug}/media/logo/",
        {"action": "upload", "logo": SimpleUploadedFile("logo.png", _png(), content_type="image/png")},
    )
    assert response.status_code == 302
    a.workspace.refresh_from_db()
    assert a.workspace.logo is not None and a.workspace.logo.bucket == "avatars"
    services.workspace_update_settings(
        workspace=a.workspace, data={"brand_color": "#ffcc00"}, actor=a.users["owner"], actor_role="owner"
    )
    with workspace_scope(a.workspace):
        page = make_landing_page(a.workspace, status="published")
    html = Client().get(f"/p/{page.slug}/").content.decode()
    assert a.workspace.logo_url in html and 'class="brand-logo"' in html
    assert "--accent: #ffcc00" in html and "--accent-ink: #111111" in html  # dark ink on a light colour
    assert (
        signed_in(a.users["member"]).post(f"/en/w/{a.workspace.slug}/media/logo/", {"action": "remove"}).status_code
        == 403
    )
    client.post(f"/en/w/{a.workspace.slug}/media/logo/", {"action": "remove"})
    a.workspace.refresh_from_db()
    assert a.workspace.logo_id is None


def test_logo_must_be_an_image(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    a = world["A"]
    client = signed_in(a.users["admin"])
    client.post(
        f"/en/w/{a.workspace.slug}/media/logo/",
        {"action": "upload", "logo": SimpleUploadedFile("logo.pdf", b"%PDF-1.4 hello", content_type="image/png")},
    )
    a.workspace.refresh_from_db()
    assert a.workspace.logo_id is None
