"""The first hour (issue 17, point 4): the getting-started checklist that
follows the workspace's real state and remembers it, and invitation sign-up
with the invited address filled in and the workspace named."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from accounts import onboarding, services
from accounts.models import Membership, User, Workspace
from nexusone.tenancy import workspace_scope

pytestmark = pytest.mark.django_db

STEPS = ["settings", "first_post", "publish_page", "import_contacts", "whatsapp", "invite"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _state(workspace) -> dict:
    with workspace_scope(workspace):
        return {step.key: step.done for step in onboarding.checklist(workspace=workspace)}


def test_a_new_workspace_starts_with_six_open_steps():
    client = Client()
    response = client.post(
        "/he/accounts/signup/",
        {"email": "noa@example.test", "password1": "Sup3r-Secret-Passphrase", "password2": "Sup3r-Secret-Passphrase"},
        follow=True,
    )
    html = response.content.decode()
    assert 'dir="rtl"' in html and 'class="checklist"' in html
    assert html.count("data-step=") == 6
    workspace = Workspace.objects.get(owner__email="noa@example.test")
    assert _state(workspace) == dict.fromkeys(STEPS, False)


def test_steps_follow_the_real_state_and_are_remembered(world):
    from content.tests.factories import make_generation, make_landing_page
    from crm.models import ContactImport, ImportStatus
    from whatsapp.tests.factories import make_account

    a = world["A"]
    owner = a.users["owner"]
    assert _state(a.workspace)["invite"] is True  # the world's workspace has four members
    services.workspace_update_settings(
        workspace=a.workspace, data={"default_region": "PT"}, actor=owner, actor_role="owner"
    )
    with workspace_scope(a.workspace):
        generation = make_generation(a.workspace)
        make_landing_page(a.workspace, status="published")
        ContactImport.objects.create(workspace=a.workspace, file_name="c.csv", status=ImportStatus.DONE)
        make_account(a.workspace)
    assert _state(a.workspace) == dict.fromkeys(STEPS, True)
    a.workspace.refresh_from_db()
    assert set(a.workspace.onboarding["completed"]) == set(STEPS)
    with workspace_scope(a.workspace):
        generation.delete()
    assert _state(a.workspace)["first_post"] is True  # remembered


def test_dashboard_checklist_links_and_hides(world):
    a = world["A"]
    client = signed_in(a.users["member"])
    url = f"/en/w/{a.workspace.slug}/"
    html = client.get(url).content.decode()
    assert "Getting started" in html
    assert f'href="/en/w/{a.workspace.slug}/content/"' in html  # first post: the member may start it
    assert "Ask an admin" in html  # the settings step needs an admin
    assert client.post(url, {"action": "checklist", "hide": "1"}).status_code == 302
    html = client.get(url).content.decode()
    assert 'class="checklist"' not in html and "Show the getting-started checklist" in html
    client.post(url, {"action": "checklist", "hide": "0"})
    assert 'class="checklist"' in client.get(url).content.decode()
    assert signed_in(a.users["viewer"]).post(url, {"action": "checklist", "hide": "1"}).status_code == 403


def test_onboarding_api(world):
    a = world["A"]
    response = a.client("viewer").get(f"/api/v1/workspaces/{a.workspace.pk}/onboarding/")
    assert response.status_code == 200
    body = response.json()
    assert [step["key"] for step in body["steps"]] == STEPS
    assert body["total"] == 6 and body["done"] == 1 and body["dismissed"] is False
    other = world["B"].client("owner").get(f"/api/v1/workspaces/{a.workspace.pk}/onboarding/")
    assert other.status_code == 404


def _invite(world, email, django_capture_on_commit_callbacks) -> str:
    a = world["A"]
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(a.users["owner"]).post(
            f"/en/w/{a.workspace.slug}/settings/members/",
            {"action": "invite", "email": email, "role": "member"},
        )
    return re.search(r"https?://[^/]+(/\S+/invitations/\S+/)", mail.outbox[-1].body).group(1)


def test_invitation_sign_up_prefills_the_address_and_names_the_workspace(world, django_capture_on_commit_callbacks):
    path = _invite(world, "newcomer@example.test", django_capture_on_commit_callbacks)
    client = Client()
    response = client.get(path, follow=True)
    html = response.content.decode()
    assert "/accounts/signup/" in response.redirect_chain[-1][0]
    assert 'value="newcomer@example.test"' in html  # pre-filled
    assert "Tenant A" in html  # the workspace is named
    response = client.post(
        response.redirect_chain[-1][0],
        {
            "email": "newcomer@example.test",
            "password1": "Sup3r-Secret-Passphrase",
            "password2": "Sup3r-Secret-Passphrase",
            "next": path,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == path  # back to the invitation
    response = client.post(path, follow=True)
    user = User.objects.get(email="newcomer@example.test")
    assert Membership.objects.get(workspace=world["A"].workspace, user=user).role == "member"
    assert response.redirect_chain[-1][0] == f"/en/w/{world['A'].workspace.slug}/"


def test_invitation_for_an_existing_account_asks_to_sign_in(world, django_capture_on_commit_callbacks):
    from accounts.tests.factories import UserFactory

    UserFactory(email="known@example.test")
    path = _invite(world, "known@example.test", django_capture_on_commit_callbacks)
    response = Client().get(path, follow=True)
    assert "/accounts/login/" in response.redirect_chain[-1][0]
    assert "Tenant A" in response.content.decode()


def test_a_bad_invitation_token_is_a_404_for_anyone():
    assert Client().get("/en/invitations/not-a-token/").status_code == 404
