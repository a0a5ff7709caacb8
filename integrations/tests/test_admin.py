"""The staff console lists connections read-only, never shows a secret or
its ciphertext, and "check now" checks."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from integrations.models import Connection
from integrations.tests.doubles import ProviderDouble, openai_models
from integrations.tests.factories import make_connection

pytestmark = pytest.mark.django_db
KEY = "sk-admin-visible-never-1234"


@pytest.fixture
def staff():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True, personal_workspace=False))
    return client


def test_connections_are_read_only_and_masked(world, staff, settings):
    connection = make_connection(
        world["A"].workspace, "openai", api_key=KEY, access_token="tok-secret-5678", refresh_token="ref-secret-9012"
    )
    base = f"/{settings.ADMIN_URL}integrations/connection/"
    for url in (base, f"{base}{connection.pk}/change/"):
        response = staff.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        for secret in (KEY, "tok-secret-5678", "ref-secret-9012", "gAAAAA"):
            assert secret not in body
        assert "…1234" in body
    assert staff.post(f"{base}{connection.pk}/change/", {"status": "revoked"}).status_code == 403
    assert staff.get(f"{base}add/").status_code == 403


def test_check_now_action(world, staff, settings):
    connection = make_connection(world["A"].workspace, "openai", api_key=KEY)
    with ProviderDouble().on("GET", "/v1/models", openai_models(set())).installed():
        response = staff.post(
            f"/{settings.ADMIN_URL}integrations/connection/",
            {"action": "check_now", "_selected_action": [connection.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert Connection.unscoped.get(pk=connection.pk).status == "expired"
