"""Sign-in lands on the workspace used last, never on one the user left."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from nexusone.pages import LAST_WORKSPACE_COOKIE

pytestmark = pytest.mark.django_db


def test_the_dashboard_link_opens_the_workspace_used_last(world):
    a, b = world["A"], world["B"]
    user = a.users["member"]
    Membership.objects.create(user=user, workspace=b.workspace, role="member")
    client = Client()
    client.force_login(user)
    first = client.get(reverse("dashboard"))["Location"]
    other = b.workspace if f"/w/{a.workspace.slug}/" in first else a.workspace
    assert client.get(f"/en/w/{other.slug}/").cookies[LAST_WORKSPACE_COOKIE].value == other.slug
    assert client.get(reverse("dashboard"))["Location"].endswith(f"/w/{other.slug}/")
    Membership.objects.filter(user=user, workspace=other).delete()  # left it: back to one still joined
    assert not client.get(reverse("dashboard"))["Location"].endswith(f"/w/{other.slug}/")


def test_a_new_browser_opens_the_team_workspace_joined_last_before_the_personal_one(world):
    from accounts.services import workspace_create_personal

    a, b = world["A"], world["B"]
    user = a.users["member"]
    personal = workspace_create_personal(user=user)
    Membership.objects.create(user=user, workspace=b.workspace, role="member")
    client = Client()
    client.force_login(user)
    assert client.get(reverse("dashboard"))["Location"].endswith(f"/w/{b.workspace.slug}/")
    Membership.objects.filter(user=user).exclude(workspace=personal).delete()
    assert client.get(reverse("dashboard"))["Location"].endswith(f"/w/{personal.slug}/")
