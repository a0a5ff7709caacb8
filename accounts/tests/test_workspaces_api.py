"""Workspaces, members, invitations: behaviour and the role × action table (T07)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import Invitation, Membership, Role, Workspace
from accounts.tests.factories import UserFactory, make_api_key
from billing.tests.factories import paid_features
from nexusone.audit import AuditEntry

pytestmark = pytest.mark.django_db

ROLES = ["owner", "admin", "member", "viewer"]


def _member_id(tenant, role):
    return Membership.objects.get(workspace=tenant.workspace, user=tenant.users[role]).pk


# action → (callable(tenant, client) → response, roles allowed)
def _invite(t, c):
    return c.post(f"/api/v1/workspaces/{t.workspace.pk}/invitations/", {"email": "new@example.test"}, format="json")


def _list_invitations(t, c):
    return c.get(f"/api/v1/workspaces/{t.workspace.pk}/invitations/")


def _change_role(t, c):
    return c.patch(
        f"/api/v1/workspaces/{t.workspace.pk}/members/{_member_id(t, 'viewer')}/", {"role": "member"}, format="json"
    )


def _remove_member(t, c):
    # the admin's membership: above member and viewer, removable by owner (and by the admin: leaving)
    return c.delete(f"/api/v1/workspaces/{t.workspace.pk}/members/{_member_id(t, 'admin')}/")


def _rename(t, c):
    return c.patch(f"/api/v1/workspaces/{t.workspace.pk}/", {"name": "Renamed"}, format="json")


def _delete_workspace(t, c):
    # The one deletion path: privacy's, with its grace period (202).
    return c.delete("/api/v1/workspace", {"confirm": t.workspace.slug}, format="json")


def _create_key(t, c):
    paid_features(t.workspace)  # SPEC: API keys need pro or premium
    return c.post("/api/v1/api-keys/", {"name": "k", "role": "viewer"}, format="json")


def _revoke_key(t, c):
    return c.delete(f"/api/v1/api-keys/{make_api_key(t.workspace).pk}/")


def _audit_log(t, c):
    return c.get(f"/api/v1/workspaces/{t.workspace.pk}/audit-log/")


def _list_members(t, c):
    return c.get(f"/api/v1/workspaces/{t.workspace.pk}/members/")


TABLE = {
    "list members": (_list_members, {"owner", "admin", "member", "viewer"}),
    "invite": (_invite, {"owner", "admin"}),
    "list invitations": (_list_invitations, {"owner", "admin"}),
    "change role": (_change_role, {"owner", "admin"}),
    "remove member": (_remove_member, {"owner", "admin"}),
    "rename workspace": (_rename, {"owner", "admin"}),
    "create API key": (_create_key, {"owner", "admin"}),
    "revoke API key": (_revoke_key, {"owner", "admin"}),
    "read audit log": (_audit_log, {"owner"}),
    "delete workspace": (_delete_workspace, {"owner"}),
}


@pytest.mark.parametrize("action", list(TABLE))
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_role_action_table(world, role, action):
    call, allowed = TABLE[action]
    tenant = world["A"]
    client = APIClient() if role == "anonymous" else tenant.client(role)
    response = call(tenant, client)
    if role == "anonymous":
        assert response.status_code == 401
    elif role in allowed:
        assert 200 <= response.status_code < 300, (response.status_code, response.content[:200])
    else:
        assert response.status_code == 403, (response.status_code, response.content[:200])


def test_workspaces_list_create_and_retrieve(world, settings):
    settings.BILLING_FREE_WORKSPACES_PER_PERSON = 2  # the member's personal workspace and this one
    client = world["A"].client("member")
    listed = client.get("/api/v1/workspaces/").json()
    names = {w["name"] for w in listed["results"]}
    assert "Tenant A" in names and "Tenant B" not in names
    created = client.post("/api/v1/workspaces/", {"name": "Side project"}, format="json")
    assert created.status_code == 201 and created.json()["role"] == "owner"
    workspace = Workspace.objects.get(pk=created.json()["id"])
    assert workspace.slug == "side-project"
    assert client.get(f"/api/v1/workspaces/{workspace.slug}/").json()["id"] == workspace.pk  # id or slug
    assert client.get(f"/api/v1/workspaces/{workspace.pk}/").json()["name"] == "Side project"


def test_personal_workspace_cannot_be_deleted():
    user = UserFactory()
    personal = Workspace.objects.get(owner=user, is_personal=True)
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_X_WORKSPACE=str(personal.pk))
    response = client.delete("/api/v1/workspace", {"confirm": personal.slug}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "personal_workspace"


def test_the_old_immediate_deletion_route_is_gone(world):
    """One deletion path (privacy's grace period): the workspace detail route deletes nothing."""
    a = world["A"]
    response = a.client("owner").delete(f"/api/v1/workspaces/{a.workspace.pk}/")
    assert response.status_code == 405
    assert Workspace.objects.filter(pk=a.workspace.pk, is_suspended=False).exists()


def test_admin_cannot_touch_owners_and_the_last_owner_stays(world):
    a = world["A"]
    admin = a.client("admin")
    owner_membership = _member_id(a, "owner")
    response = admin.patch(
        f"/api/v1/workspaces/{a.workspace.pk}/members/{owner_membership}/", {"role": "viewer"}, format="json"
    )
    assert response.status_code == 403
    assert (
        admin.patch(
            f"/api/v1/workspaces/{a.workspace.pk}/members/{_member_id(a, 'member')}/", {"role": "owner"}, format="json"
        ).status_code
        == 403
    )
    owner = a.client("owner")
    last = owner.patch(
        f"/api/v1/workspaces/{a.workspace.pk}/members/{owner_membership}/", {"role": "admin"}, format="json"
    )
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_owner"
    assert Membership.objects.get(pk=owner_membership).role == Role.OWNER


def test_role_change_is_audited(world):
    a = world["A"]
    a.client("owner").patch(
        f"/api/v1/workspaces/{a.workspace.pk}/members/{_member_id(a, 'viewer')}/", {"role": "admin"}, format="json"
    )
    entry = AuditEntry.unscoped.get(action="accounts.member.role_changed")
    assert entry.workspace == a.workspace and entry.actor_user == a.users["owner"]
    assert entry.metadata == {"user": a.users["viewer"].email, "from": "viewer", "to": "admin"}


def test_a_member_can_leave(world):
    a = world["A"]
    response = a.client("viewer").delete(f"/api/v1/workspaces/{a.workspace.pk}/members/{_member_id(a, 'viewer')}/")
    assert response.status_code == 204
    assert not Membership.objects.filter(workspace=a.workspace, user=a.users["viewer"]).exists()


def test_removing_a_member_revokes_their_api_keys(world):
    a = world["A"]
    key = make_api_key(a.workspace)
    key.created_by = a.users["admin"]
    key.save()
    a.client("owner").delete(f"/api/v1/workspaces/{a.workspace.pk}/members/{_member_id(a, 'admin')}/")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_invitation_by_email_and_accept(world, django_capture_on_commit_callbacks):
    a = world["A"]
    invitee = UserFactory(email="friend@example.test", preferred_language="pt")
    with django_capture_on_commit_callbacks(execute=True):
        created = a.client("admin").post(
            f"/api/v1/workspaces/{a.workspace.pk}/invitations/",
            {"email": "Friend@Example.test", "role": "member"},
            format="json",
        )
    assert created.status_code == 201
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["friend@example.test"]
    link = re.search(r"https?://\S+/invitations/(\S+)/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    token = link.group(1)
    assert Invitation.unscoped.get().token_hash != token  # only a digest is stored

    duplicate = a.client("admin").post(
        f"/api/v1/workspaces/{a.workspace.pk}/invitations/", {"email": "friend@example.test"}, format="json"
    )
    assert duplicate.status_code == 409

    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    assert stranger.post("/api/v1/invitations/accept", {"token": token}, format="json").status_code == 403

    client = APIClient()
    client.force_authenticate(invitee)
    accepted = client.post("/api/v1/invitations/accept", {"token": token}, format="json")
    assert accepted.status_code == 200 and accepted.json()["id"] == a.workspace.pk
    assert Membership.objects.get(workspace=a.workspace, user=invitee).role == Role.MEMBER
    again = client.post("/api/v1/invitations/accept", {"token": token}, format="json")
    assert again.status_code == 404


def test_revoked_invitation_cannot_be_accepted(world, django_capture_on_commit_callbacks):
    a = world["A"]
    with django_capture_on_commit_callbacks(execute=True):
        created = a.client("admin").post(
            f"/api/v1/workspaces/{a.workspace.pk}/invitations/", {"email": "late@example.test"}, format="json"
        )
    token = re.search(r"/invitations/(\S+)/", mail.outbox[0].body).group(1)
    assert (
        a.client("admin").delete(f"/api/v1/workspaces/{a.workspace.pk}/invitations/{created.json()['id']}/").status_code
        == 204
    )
    client = APIClient()
    client.force_authenticate(UserFactory(email="late@example.test"))
    assert client.post("/api/v1/invitations/accept", {"token": token}, format="json").status_code == 404


def test_suspended_workspace_disappears_for_its_members(world):
    a = world["A"]
    a.workspace.is_suspended = True
    a.workspace.save()
    assert a.client("owner").get("/api/v1/me").status_code == 404
