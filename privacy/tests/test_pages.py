"""Privacy and webhook pages: translated, right-to-left, doing what they say."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from billing.tests.factories import paid_features
from crm.models import Contact
from crm.tests.factories import make_contact
from privacy.models import WorkspaceDeletion, WorkspaceExport
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_privacy_settings_page_in_arabic_exports_and_deletes(world):
    a = world["A"]
    slug = a.workspace.slug
    owner = _client(a.users["owner"])
    page = owner.get(f"/ar/w/{slug}/privacy/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'dir="rtl"' in html and "تصدير" in html
    assert owner.post(f"/en/w/{slug}/privacy/", {"action": "export"}).status_code == 302
    assert WorkspaceExport.unscoped.filter(workspace=a.workspace).count() == 1
    owner.post(f"/en/w/{slug}/privacy/", {"action": "delete", "confirm": "wrong"})
    assert not WorkspaceDeletion.objects.exists()
    owner.post(f"/en/w/{slug}/privacy/", {"action": "delete", "confirm": slug})
    assert WorkspaceDeletion.objects.filter(workspace=a.workspace, status="pending").exists()
    assert _client(a.users["member"]).get(f"/en/w/{slug}/crm/contacts/").status_code == 404


def test_member_cannot_open_privacy_settings(world):
    a = world["A"]
    assert _client(a.users["member"]).get(f"/en/w/{a.workspace.slug}/privacy/").status_code == 403


def test_account_page_downloads_my_data(world):
    a = world["A"]
    client = _client(a.users["member"])
    assert client.get(f"/he/w/{a.workspace.slug}/account/privacy/").status_code == 200
    response = client.post(f"/en/w/{a.workspace.slug}/account/privacy/", {"action": "export"})
    assert response["Content-Disposition"].startswith("attachment")
    assert json.loads(response.content)["records"]["accounts.User"][0]["email"] == a.users["member"].email


def test_contact_page_exports_and_erases(world):
    a = world["A"]
    contact = make_contact(a.workspace)
    admin = _client(a.users["admin"])
    url = f"/es/w/{a.workspace.slug}/privacy/contacts/{contact.pk}/"
    assert "crm.Contact" in admin.get(url).content.decode()
    exported = admin.post(url, {"action": "export"})
    assert json.loads(exported.content)["records"]["crm.Contact"][0]["id"] == contact.pk
    assert admin.post(url, {"action": "erase"}).status_code == 302
    assert not Contact.unscoped.filter(pk=contact.pk).exists()
    other = world["B"]
    assert (
        _client(other.users["owner"]).get(f"/en/w/{other.workspace.slug}/privacy/contacts/{contact.pk}/").status_code
        == 404
    )


def test_webhooks_page_adds_an_endpoint_and_shows_the_secret_once(world, settings):
    a = world["A"]
    paid_features(a.workspace)  # SPEC: webhooks need pro or premium
    admin = _client(a.users["admin"])
    url = f"/en/w/{a.workspace.slug}/webhooks/"
    response = admin.post(
        url, {"action": "create", "url": "https://hooks.example.com/in", "events": ["contact.created"]}, follow=True
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.unscoped.get(workspace=a.workspace)
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in admin.get(url).content.decode()
    assert "rtl" in admin.get(f"/he/w/{a.workspace.slug}/webhooks/").content.decode()
