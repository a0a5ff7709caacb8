"""Issue 16, items 3 and 6: the members page follows the permission table
like the API does, and API keys follow their creator."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiKey, Invitation, Membership, Role
from accounts.services import api_key_create, membership_change_role
from accounts.tests.factories import make_invitation
from billing.tests.factories import paid_features
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _membership(tenant, role) -> Membership:
    return Membership.objects.get(workspace=tenant.workspace, user=tenant.users[role])


# --- item 3: the members page ---------------------------------------------------------------------


def test_a_viewer_can_neither_invite_nor_revoke_on_the_members_page(world, django_capture_on_commit_callbacks):
    a = world["A"]
    invitation = make_invitation(a.workspace)
    viewer = signed_in(a.users["viewer"])
    url = f"/en/w/{a.workspace.slug}/settings/members/"
    with django_capture_on_commit_callbacks(execute=True):
        invited = viewer.post(url, {"action": "invite", "email": "friend@example.test", "role": "viewer"})
    revoked = viewer.post(url, {"action": "revoke_invitation", "invitation": invitation.pk})
    assert (invited.status_code, revoked.status_code) == (403, 403)
    assert not Invitation.unscoped.filter(email="friend@example.test").exists() and not mail.outbox
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    # and the page shows a viewer neither the invite form nor the pending invitations
    html = viewer.get(url).content.decode()
    assert 'value="invite"' not in html and invitation.email not in html


def test_a_member_can_neither_change_roles_nor_remove_others_on_the_members_page(world):
    a = world["A"]
    member = signed_in(a.users["member"])
    url = f"/en/w/{a.workspace.slug}/settings/members/"
    viewer_membership = _membership(a, "viewer")
    changed = member.post(url, {"action": "role", "membership": viewer_membership.pk, "role": "admin"})
    removed = member.post(url, {"action": "remove", "membership": viewer_membership.pk}, follow=True)
    assert changed.status_code == 403
    assert removed.status_code == 200  # leaving is a member's right: the service refuses removing someone else
    viewer_membership.refresh_from_db()
    assert viewer_membership.role == Role.VIEWER


def test_services_refuse_by_the_table_whatever_the_caller(world):
    from nexusone.errors import PermissionDenied

    a = world["A"]
    with pytest.raises(PermissionDenied):
        membership_change_role(
            workspace=a.workspace,
            membership_id=_membership(a, "viewer").pk,
            role=Role.MEMBER,
            actor=a.users["member"],
            actor_role=Role.MEMBER,
        )


# --- item 6: API keys follow their creator -----------------------------------------------------------


def _key_client(tenant, creator_role: str, key_role: str) -> tuple[ApiKey, APIClient]:
    paid_features(tenant.workspace)  # SPEC: API keys need pro or premium
    with workspace_scope(tenant.workspace):
        key, secret = api_key_create(
            workspace=tenant.workspace,
            name="robot",
            role=key_role,
            actor=tenant.users[creator_role],
            actor_role=creator_role,
        )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return key, client


def test_a_key_loses_what_its_creator_loses(world):
    a = world["A"]
    _key, client = _key_client(a, "admin", Role.ADMIN)
    rename = {"name": "Renamed by a key"}
    assert client.patch(f"/api/v1/workspaces/{a.workspace.pk}/", rename, format="json").status_code == 200
    # the creator is demoted to viewer: the admin key now acts as a viewer, at once
    membership_change_role(
        workspace=a.workspace,
        membership_id=_membership(a, "admin").pk,
        role=Role.VIEWER,
        actor=a.users["owner"],
        actor_role=Role.OWNER,
    )
    refused = client.patch(f"/api/v1/workspaces/{a.workspace.pk}/", {"name": "Again"}, format="json")
    assert refused.status_code == 403
    assert client.post("/api/v1/crm/contacts/", {"first_name": "Ann"}, format="json").status_code == 403
    me = client.get("/api/v1/me").json()
    assert me["workspace"]["role"] == Role.VIEWER


def test_a_key_whose_creator_left_stops_working(world):
    a = world["A"]
    _key, client = _key_client(a, "admin", Role.MEMBER)
    assert client.get("/api/v1/me").status_code == 200
    # even if the key row was not revoked (e.g. the membership was deleted in the admin)
    Membership.objects.filter(workspace=a.workspace, user=a.users["admin"]).delete()
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_key_cannot_mint_keys_invite_or_edit_its_creators_profile(world):
    a = world["A"]
    _key, client = _key_client(a, "owner", Role.OWNER)
    minted = client.post("/api/v1/api-keys/", {"name": "child", "role": "owner"}, format="json")
    invited = client.post(
        f"/api/v1/workspaces/{a.workspace.pk}/invitations/", {"email": "x@example.test"}, format="json"
    )
    profile = client.patch("/api/v1/me", {"name": "Changed by a key"}, format="json")
    listed = client.get("/api/v1/api-keys/")
    assert [r.status_code for r in (minted, invited, profile, listed)] == [403, 403, 403, 403]
    assert ApiKey.unscoped.filter(workspace=a.workspace).count() == 1
    a.users["owner"].refresh_from_db()
    assert a.users["owner"].name != "Changed by a key"
    # the key still does the work it was made for
    assert client.get("/api/v1/billing/credits").status_code == 200
