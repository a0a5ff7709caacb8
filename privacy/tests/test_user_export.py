"""GET /api/v1/me/export: the caller's own data, and nothing of anyone else
or of a workspace beyond the membership."""

from __future__ import annotations

import json

import pytest

from accounts.models import Membership, User
from accounts.tests.factories import make_api_key, make_invitation
from crm.tests.factories import make_contact
from nexusone.audit import AuditEntry, audit_record
from nexusone.personal_data import user_export_holdings
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _traces(user, workspace, *, tag: str) -> None:
    """Rows about `user` in `workspace`, each also naming other people."""
    key = make_api_key(workspace, name=f"key {tag} of {workspace.name}")
    type(key).unscoped.filter(pk=key.pk).update(created_by=user)
    invitation = make_invitation(workspace, email=f"invitee-{tag}@example.test")
    type(invitation).unscoped.filter(pk=invitation.pk).update(invited_by=user)
    audit_record(
        action="accounts.member.invited",
        user=user,
        workspace=workspace,
        target=invitation,
        metadata={"email": f"invitee-{tag}@example.test", "workspace": workspace.name},
    )
    Notification.unscoped.create(
        workspace=workspace,
        recipient=user,
        kind="member_joined",
        title=f"{workspace.owner.email} joined {workspace.name}",
        body=f"Say hello to {workspace.owner.email}",
    )


def test_me_export_holds_only_the_callers_own_data(world):
    a, b = world["A"], world["B"]
    member = a.users["member"]
    _traces(member, a.workspace, tag="in-a")
    # Traces in a workspace the member does not belong to (left, or never
    # joined): B's name must not leak through any of them.
    _traces(member, b.workspace, tag="in-b")
    make_contact(a.workspace, email="customer-of-a@example.test")
    client = a.client("member")

    response = client.get("/api/v1/me/export")
    assert response.status_code == 200, response.content
    body = response.json()
    records = body["records"]
    assert body["user_id"] == member.pk and body["format_version"] == 1
    assert set(records) == {h.label for h in user_export_holdings()}
    assert records["accounts.User"] == [
        {
            "id": member.pk,
            "email": member.email,
            "name": member.name,
            "preferred_language": member.preferred_language,
            "timezone": member.timezone,
            "date_joined": records["accounts.User"][0]["date_joined"],
            "last_login": records["accounts.User"][0]["last_login"],
        }
    ]
    memberships = {row["workspace_id"]: row for row in records["accounts.Membership"]}
    assert set(memberships) == set(Membership.objects.filter(user=member).values_list("workspace_id", flat=True))
    assert memberships[a.workspace.pk]["workspace__name"] == a.workspace.name
    assert memberships[a.workspace.pk]["role"] == "member"
    keys = records["accounts.ApiKey"]
    assert [k["workspace_id"] for k in keys] == [a.workspace.pk] and "key_hash" not in keys[0]
    assert [i["workspace_id"] for i in records["accounts.Invitation"]] == [a.workspace.pk]
    assert "email" not in records["accounts.Invitation"][0]
    invited = [e for e in records["platform.AuditEntry"] if e["action"] == "accounts.member.invited"]
    assert [e["workspace_id"] for e in invited] == [a.workspace.pk]
    assert {e["workspace_id"] for e in records["platform.AuditEntry"]} <= {*memberships, None}
    assert [n["kind"] for n in records["notifications.Notification"]] == ["member_joined"]
    assert "sessions" in body and body["sessions"]["active"] >= 0

    blob = json.dumps(body)
    # Nothing of the workspace the member does not belong to.
    assert b.workspace.name not in blob and b.workspace.slug not in blob
    assert "invitee-in-b" not in blob
    # No other person: other users, invitees, contacts.
    for other in User.objects.exclude(pk=member.pk):
        assert other.email not in blob, other.email
    assert "invitee-in-a" not in blob and "customer-of-a" not in blob
    # Nothing of A beyond the membership: its slug and settings stay out.
    assert a.workspace.slug not in blob
    # The traces are still there for the workspace's own records.
    assert AuditEntry.unscoped.filter(workspace=b.workspace, actor_user=member).exists()


def test_me_export_is_for_people_not_api_keys(world):
    from rest_framework.test import APIClient

    from accounts.models import ApiKey, Role
    from billing.tests.factories import paid_features
    from nexusone.api.authentication import hash_api_key

    a = world["A"]
    paid_features(a.workspace)  # SPEC: API keys need pro or premium
    prefix, secret = ApiKey.generate_secret()
    ApiKey.unscoped.create(
        workspace=a.workspace, name="ci", prefix=prefix, key_hash=hash_api_key(secret), role=Role.OWNER,
        created_by=a.users["owner"],
    )  # fmt: skip
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get("/api/v1/me").status_code == 200  # the key works
    assert client.get("/api/v1/me/export").status_code == 403


def test_account_page_downloads_the_same_export(world):
    a = world["A"]
    member = a.users["member"]
    from django.test import Client

    client = Client()
    client.force_login(member)
    response = client.post(f"/en/w/{a.workspace.slug}/account/privacy/", {"action": "export"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.content)
    assert data["records"]["accounts.User"][0]["email"] == member.email
    assert a.workspace.slug not in response.content.decode()
