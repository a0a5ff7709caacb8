"""The free plan's credits once per verified person, and the free workspaces
one person may own (issue 16, point 4: one user made 10 workspaces and held
500 credits)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User, Workspace
from accounts.tests.factories import UserFactory
from billing import services
from billing.models import BillingAccount, FreeAllowance, LedgerEntry, Plan

pytestmark = pytest.mark.django_db

STRONG = "Sup3r-Secret-Passphrase"


@pytest.fixture(autouse=True)
def _catalogue():
    services.plans_ensure_defaults()


def _credits(workspace) -> int:
    return services.billing_account_ensure(workspace=workspace).balance


def _owned_credits(user) -> int:
    owned = Workspace.objects.filter(owner=user)
    return BillingAccount.unscoped.filter(workspace__in=owned).aggregate(n=Sum("plan_credits"))["n"] or 0


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _personal(user) -> Workspace:
    return Workspace.objects.get(owner=user, is_personal=True)


def _confirm(address: EmailAddress) -> None:
    address.set_verified()
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)


def test_one_person_with_ten_workspaces_holds_one_allowance(settings):
    settings.BILLING_FREE_WORKSPACES_PER_PERSON = 10
    user = UserFactory()  # verified, like after the confirmation link
    client = _client(user)
    for n in range(9):
        assert client.post("/api/v1/workspaces/", {"name": f"Shop {n}"}, format="json").status_code == 201
    assert Workspace.objects.filter(owner=user).count() == 10
    assert _credits(_personal(user)) == 50
    assert _owned_credits(user) == 50
    # and a month later only the personal workspace's period grants credits again
    later = timezone.now() + timedelta(days=40)
    services.billing_periods_tick(now=later)
    assert _owned_credits(user) == 50
    assert FreeAllowance.objects.count() == 1


def test_an_unverified_address_gets_no_credits():
    user = UserFactory(email_verified=False)
    assert _credits(_personal(user)) == 0
    assert FreeAllowance.objects.count() == 0


def test_verification_grants_once_even_when_the_signal_fires_twice():
    user = UserFactory(email_verified=False)
    address = EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    _confirm(address)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)  # fired again
    workspace = _personal(user)
    assert _credits(workspace) == 50
    assert LedgerEntry.unscoped.filter(workspace=workspace, kind=LedgerEntry.Kind.GRANT).count() == 1
    # a second verified address of the same user adds nothing either
    _confirm(EmailAddress.objects.create(user=user, email=f"other-{user.email}", verified=False))
    assert _credits(workspace) == 50


def test_sign_up_then_the_confirmation_link_grants_the_allowance():
    client = Client()
    response = client.post(
        "/en/accounts/signup/", {"email": "noa@example.test", "password1": STRONG, "password2": STRONG}
    )
    assert response.status_code == 302
    user = User.objects.get(email="noa@example.test")
    assert _credits(_personal(user)) == 0  # nothing before the address is proven
    link = re.search(r"https?://\S+/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    assert client.post("/en" + urlsplit(link).path).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert _credits(_personal(user)) == 50


def test_deleting_the_account_and_signing_up_again_earns_nothing():
    user = UserFactory(email="lena@example.test")
    assert _credits(_personal(user)) == 50
    deleted = _client(user).delete("/api/v1/me", {"password": "Correct-horse-battery-9"}, format="json")
    assert deleted.status_code == 204, deleted.content
    again = APIClient().post(
        "/api/v1/auth/register",
        json.dumps({"email": "lena@example.test", "password": STRONG}),
        content_type="application/json",
    )
    assert again.status_code == 201, again.content
    newcomer = User.objects.get(email="lena@example.test")
    _confirm(EmailAddress.objects.get(user=newcomer))
    assert _credits(_personal(newcomer)) == 0
    # nor does an alias of the same inbox
    alias = UserFactory(email="Lena+second@Example.test")
    assert _credits(_personal(alias)) == 0
    assert FreeAllowance.objects.count() == 1  # lena, once


def test_the_person_key_is_a_keyed_hash_of_the_normalised_address(settings):
    key = services.person_key("J.Doe+promo@GoogleMail.com")
    assert key == services.person_key("jdoe@gmail.com") and len(key) == 64
    assert "jdoe" not in key
    settings.SECRET_KEY = "another-server-key-" * 3
    assert services.person_key("jdoe@gmail.com") != key


def test_a_second_free_workspace_is_refused_on_the_api_and_the_page():
    user = UserFactory()
    response = _client(user).post("/api/v1/workspaces/", {"name": "Second"}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "free_workspace_limit" and "free workspaces" in error["message"]
    assert error["details"]["limit"] == 1
    page = Client()
    page.force_login(user)
    html = page.post("/es/workspaces/new/", {"name": "Second"})
    assert html.status_code == 409
    assert "espacios de trabajo gratuitos" in html.content.decode()
    assert Workspace.objects.filter(owner=user).count() == 1


def test_a_paid_workspace_frees_the_slot(settings):
    user = UserFactory()
    pro = Plan.objects.get(key="pro")
    services.plan_change(workspace=_personal(user), plan=pro, reason="upgrade", actor=None)
    response = _client(user).post("/api/v1/workspaces/", {"name": "Side shop"}, format="json")
    assert response.status_code == 201
    created = Workspace.objects.get(pk=response.json()["id"])
    assert _credits(created) == 0  # a free workspace without the allowance
    # the personal workspace keeps the allowance when its paid plan lapses
    account = services.billing_account_ensure(workspace=_personal(user))
    services._downgrade_to_default(account, now=timezone.now(), key="test-lapse", reason="test")
    assert _credits(_personal(user)) == 50


def test_the_billing_page_says_where_the_free_credits_come_from(settings):
    settings.BILLING_FREE_WORKSPACES_PER_PERSON = 2
    user = UserFactory(email_verified=False)
    page = Client()
    page.force_login(user)
    html = page.get(f"/en/w/{_personal(user).slug}/billing/").content.decode()
    assert "arrive when your e-mail address is verified" in html
    second = _client(user).post("/api/v1/workspaces/", {"name": "Team"}, format="json").json()
    html = page.get(f"/en/w/{second['slug']}/billing/").content.decode()
    assert "given once per person" in html
