"""SPEC: API keys need pro or premium (issue 16, point 13: `plan_required`
was never raised). Creating a key on another plan answers 403
`plan_required` and the page offers the upgrade; a key made on a paid plan
answers 403 `plan_required` after a downgrade — it is genuine, so not 401 —
and works again after an upgrade."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiKey
from billing import services as billing
from billing.models import Plan
from billing.tests.factories import paid_features

pytestmark = pytest.mark.django_db


def _page(user, workspace) -> str:
    client = Client()
    client.force_login(user)
    return client.get(f"/en/w/{workspace.slug}/settings/api-keys/").content.decode()


def test_a_free_workspace_cannot_create_keys(world):
    a = world["A"]
    response = a.client("owner").post("/api/v1/api-keys/", {"name": "ci"}, format="json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "plan_required"
    assert error["details"]["feature"] == "api_keys" and set(error["details"]["available_on"]) == {"pro", "premium"}
    html = _page(a.users["owner"], a.workspace)
    assert 'value="create"' not in html and f'href="/en/w/{a.workspace.slug}/billing/"' in html
    # the page's form action is refused the same way
    page = Client()
    page.force_login(a.users["owner"])
    page.post(f"/en/w/{a.workspace.slug}/settings/api-keys/", {"action": "create", "name": "CI", "role": "member"})
    assert not ApiKey.unscoped.filter(workspace=a.workspace).exists()


def test_a_key_stops_after_a_downgrade_and_works_again_after_an_upgrade(world):
    a = world["A"]
    paid_features(a.workspace)
    assert 'value="create"' in _page(a.users["owner"], a.workspace)
    created = a.client("owner").post("/api/v1/api-keys/", {"name": "ci", "role": "member"}, format="json")
    assert created.status_code == 201, created.content
    machine = APIClient(HTTP_AUTHORIZATION=f"Api-Key {created.json()['key']}")
    assert machine.get("/api/v1/me").status_code == 200

    account = billing.billing_account_ensure(workspace=a.workspace)
    billing.plan_change(workspace=a.workspace, plan=Plan.objects.get(key="free"), reason="downgrade", actor=None)
    billing.RATE_LIMITS.delete(a.workspace.pk)  # (the commit hook does this; tests run in one transaction)
    refused = machine.get("/api/v1/me")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "plan_required"

    billing.plan_change(workspace=a.workspace, plan=Plan.objects.get(key="premium"), reason="upgrade", actor=None)
    billing.RATE_LIMITS.delete(account.workspace_id)
    assert machine.get("/api/v1/me").status_code == 200
