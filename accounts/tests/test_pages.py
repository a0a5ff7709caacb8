"""Server-rendered pages: sign-up in Arabic, workspace pages and their
isolation, roles, settings, API keys shown once, social buttons, and every
page route closed to anonymous visitors (T01, pages side)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import ApiKey, Invitation, Membership, User, Workspace
from accounts.tests.factories import PASSWORD
from billing.tests.factories import paid_features

pytestmark = pytest.mark.django_db

# Reviewed allowlist of page routes open to anonymous visitors.
PUBLIC_PAGE_PREFIXES = ("accounts/", "invitations/", "unsubscribe/")  # unsubscribe: signed token
PUBLIC_PAGE_NAMES = {"home"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sign_up_in_arabic_lands_on_a_right_to_left_dashboard():
    client = Client()
    response = client.post(
        "/ar/accounts/signup/",
        {"email": "layla@example.test", "password1": "Sup3r-Secret-Passphrase", "password2": "Sup3r-Secret-Passphrase"},
        follow=True,
    )
    assert response.status_code == 200
    user = User.objects.get(email="layla@example.test")
    workspace = Workspace.objects.get(owner=user, is_personal=True)
    assert response.redirect_chain[-1][0] == f"/ar/w/{workspace.slug}/"
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "لوحة التحكم" in html  # "Dashboard", translated
    assert user.preferred_language == "ar"


def test_dashboard_of_another_workspace_is_404(world):
    client = signed_in(world["B"].users["owner"])
    assert client.get(f"/en/w/{world['A'].workspace.slug}/").status_code == 404
    assert client.get(f"/en/w/{world['B'].workspace.slug}/").status_code == 200
    assert client.get("/en/w/no-such-workspace/").status_code == 404


def test_dashboard_shows_plan_credits_and_members(world):
    html = signed_in(world["A"].users["member"]).get(f"/en/w/{world['A'].workspace.slug}/").content.decode()
    assert "Tenant A" in html and "Credits" in html and "Members" in html


def test_workspace_switcher_lists_my_workspaces_only(world):
    user = world["A"].users["member"]
    html = signed_in(user).get(f"/en/w/{world['A'].workspace.slug}/").content.decode()
    assert f"/en/w/{world['A'].workspace.slug}/" in html
    assert world["B"].workspace.slug not in html


def test_viewer_cannot_rename_and_admin_can(world):
    a = world["A"]
    url = f"/en/w/{a.workspace.slug}/settings/"
    assert signed_in(a.users["viewer"]).post(url, {"name": "Hacked"}).status_code == 403
    response = signed_in(a.users["admin"]).post(url, {"name": "Renamed A"})
    assert response.status_code == 302
    a.workspace.refresh_from_db()
    assert a.workspace.name == "Renamed A"


def test_members_page_invites_and_changes_roles(world, django_capture_on_commit_callbacks):
    a = world["A"]
    client = signed_in(a.users["admin"])
    url = f"/en/w/{a.workspace.slug}/settings/members/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "invite", "email": "newbie@example.test", "role": "member"})
    assert Invitation.unscoped.filter(workspace=a.workspace, email="newbie@example.test").exists()
    viewer_membership = Membership.objects.get(workspace=a.workspace, user=a.users["viewer"])
    client.post(url, {"action": "role", "membership": viewer_membership.pk, "role": "member"})
    viewer_membership.refresh_from_db()
    assert viewer_membership.role == "member"
    # an invalid e-mail shows a form error instead of failing
    response = client.post(url, {"action": "invite", "email": "not-an-email", "role": "member"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_api_key_page_shows_the_secret_once(world):
    a = world["A"]
    paid_features(a.workspace)  # SPEC: API keys need pro or premium
    client = signed_in(a.users["owner"])
    url = f"/en/w/{a.workspace.slug}/settings/api-keys/"
    assert "No API keys yet." in client.get(url).content.decode()
    created = client.post(url, {"action": "create", "name": "CI", "role": "member"}).content.decode()
    secret = re.search(r"nx_[0-9a-f]{8}_[\w-]+", created).group(0)
    assert ApiKey.unscoped.filter(workspace=a.workspace, name="CI").exists()
    assert secret not in client.get(url).content.decode()
    assert signed_in(a.users["member"]).get(url).status_code == 403


def test_empty_states_are_translated(world):
    a = world["A"]
    html = signed_in(a.users["owner"]).get(f"/es/w/{a.workspace.slug}/settings/api-keys/").content.decode()
    assert "No API keys yet." not in html and '<html lang="es"' in html


def test_profile_changes_language_and_timezone(world):
    user = world["A"].users["member"]
    response = signed_in(user).post(
        "/en/profile/", {"name": "New Name", "preferred_language": "he", "timezone": "Asia/Jerusalem"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/he/")
    user.refresh_from_db()
    assert (user.name, user.preferred_language, user.timezone) == ("New Name", "he", "Asia/Jerusalem")
    bad = signed_in(user).post("/en/profile/", {"name": "x", "preferred_language": "he", "timezone": "Mars/Base"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_social_buttons_appear_only_for_configured_providers(settings):
    html = Client().get("/en/accounts/login/").content.decode()
    assert "Google" not in html and "Facebook" not in html
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "google": {"APPS": [{"client_id": "id", "secret": "s", "key": ""}], "SCOPE": ["email"]},
    }
    html = Client().get("/en/accounts/login/").content.decode()
    assert "Google" in html and "Facebook" not in html


def test_page_login_works_and_wrong_password_is_refused():
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    client = Client()
    bad = client.post("/en/accounts/login/", {"login": user.email, "password": "wrong"})
    assert bad.status_code == 200 and "_auth_user_id" not in client.session
    good = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert good.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_admin_login_goes_through_allauth():
    response = Client().get("/admin/login/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_invitation_page_accepts(world, django_capture_on_commit_callbacks):
    from django.core import mail

    from accounts.tests.factories import UserFactory

    a = world["A"]
    invitee = UserFactory(email="guest@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(a.users["owner"]).post(
            f"/en/w/{a.workspace.slug}/settings/members/",
            {"action": "invite", "email": "guest@example.test", "role": "viewer"},
        )
    path = re.search(r"https?://[^/]+(/\S+/invitations/\S+/)", mail.outbox[-1].body).group(1)
    client = signed_in(invitee)
    assert "Tenant A" in client.get(path).content.decode()
    response = client.post(path)
    assert response.status_code == 302
    assert Membership.objects.get(workspace=a.workspace, user=invitee).role == "viewer"


def _page_patterns(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _page_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def test_every_page_route_sends_anonymous_visitors_to_login(world):
    slug = world["A"].workspace.slug
    checked = 0
    for route, pattern in _page_patterns(get_resolver().url_patterns):
        if not route.startswith("en/") or route.startswith("en/accounts/"):
            continue  # only i18n pages; allauth's own routes are the public sign-in flows
        path = route.removeprefix("en/")
        if pattern.name in PUBLIC_PAGE_NAMES or path.startswith(PUBLIC_PAGE_PREFIXES):
            continue
        url = "/en/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: slug if m.group(1) == "slug" else "1", path)
        response = Client().get(url)
        assert response.status_code == 302, (url, response.status_code)
        assert "/accounts/login/" in response["Location"], url
        checked += 1
    assert checked >= 6


def test_login_never_redirects_off_site():
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        client = Client()
        response = client.post(f"/en/accounts/login/?next={target}", {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert not response["Location"].startswith(("http", "//", "/\\")), (target, response["Location"])
    switched = Client().post("/i18n/setlang/", {"language": "es", "next": "https://evil.example/"})
    assert "evil.example" not in switched.get("Location", "")


def test_password_reset_sends_a_link(django_capture_on_commit_callbacks):
    from django.core import mail

    from accounts.tests.factories import UserFactory

    user = UserFactory()
    response = Client().post("/en/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body


def test_mfa_pages_are_reachable_when_signed_in(world):
    client = signed_in(world["A"].users["member"])
    assert client.get("/en/accounts/2fa/").status_code == 200
    assert client.get("/en/accounts/2fa/totp/activate/").status_code in (200, 302)


def test_oauth_callback_with_a_forged_state_signs_nobody_in(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "google": {"APPS": [{"client_id": "id", "secret": "s", "key": ""}], "SCOPE": ["email"]},
    }
    client = Client()
    response = client.get("/en/accounts/google/login/callback/?state=forged&code=whatever")
    assert "_auth_user_id" not in client.session
    assert response.status_code == 401  # allauth's authentication error page
    assert User.objects.count() == 0
