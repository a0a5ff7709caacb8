"""Issue 16 item 8: client addresses behind a proxy. X-Forwarded-For is
believed only through TRUSTED_PROXIES; failed credentials are counted per
address and per account; a valid credential is never refused because of
someone else's failures."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import api_key_create
from billing.tests.factories import paid_features
from nexusone.api.authentication import FAILED_AUTH_LIMIT
from nexusone.clientip import client_address
from nexusone.tenancy import workspace_scope

PROXY = "10.0.0.5"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]


def meta(remote, xff=None):
    values = {"REMOTE_ADDR": remote}
    if xff is not None:
        values["HTTP_X_FORWARDED_FOR"] = xff
    return values


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(meta("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_through_a_trusted_proxy_the_client_is_the_rightmost_untrusted_hop(behind_proxy):
    assert client_address(meta(PROXY, "203.0.113.7")) == "203.0.113.7"
    # a made-up entry sent by the client lands on the left of what our proxy appended
    assert client_address(meta(PROXY, "198.51.100.1, 203.0.113.7")) == "203.0.113.7"
    # two proxies of ours in a row
    assert client_address(meta(PROXY, "203.0.113.7, 10.1.2.3")) == "203.0.113.7"
    # ports, brackets and IPv6 are parsed; an IPv4-mapped peer is still our proxy
    assert client_address(meta("::ffff:10.0.0.5", "[2001:db8::1]:4711")) == "2001:db8::1"
    assert client_address(meta("2001:db8:ffff::1", "203.0.113.9:5555")) == "203.0.113.9"
    # every hop ours (a health check from inside): the leftmost one
    assert client_address(meta(PROXY, "10.9.9.9")) == "10.9.9.9"
    # an empty or broken header: the proxy itself
    assert client_address(meta(PROXY, "")) == PROXY
    assert client_address(meta(PROXY, "not-an-address")) == PROXY


def test_a_client_talking_directly_cannot_claim_an_address(behind_proxy):
    assert client_address(meta("203.0.113.7", "10.0.0.9, 198.51.100.1")) == "203.0.113.7"


def test_a_misconfigured_proxy_list_fails_loudly(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured):
        client_address(meta(PROXY, "203.0.113.7"))


# --- credentials ----------------------------------------------------------------------------------


def _key(tenant) -> str:
    paid_features(tenant.workspace)  # SPEC: API keys need pro or premium
    with workspace_scope(tenant.workspace):
        _key, secret = api_key_create(
            workspace=tenant.workspace, name="ci", role=Role.MEMBER, actor=tenant.users["owner"], actor_role="owner"
        )
    return secret


def _me(secret: str, client_address: str):
    return APIClient().get(
        "/api/v1/me", HTTP_AUTHORIZATION=f"Api-Key {secret}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address
    )


@pytest.mark.django_db
def test_one_clients_bad_keys_do_not_lock_out_another_client_behind_the_same_proxy(world, behind_proxy):
    secret = _key(world["A"])
    codes = [_me(f"nx_dead{i:04d}_guess", "203.0.113.7").status_code for i in range(FAILED_AUTH_LIMIT + 5)]
    assert codes[0] == 401 and codes[-1] == 429  # the guesser is slowed down…
    assert _me(secret, "198.51.100.20").status_code == 200  # …the neighbour behind the same proxy is not
    assert _me(secret, "203.0.113.7").status_code == 200  # and a valid key is never refused, even from there


@pytest.mark.django_db
def test_failures_on_one_key_are_counted_across_addresses_without_refusing_the_key(world, behind_proxy):
    secret = _key(world["A"])
    prefix = secret.split("_")[1]
    codes = [_me(f"nx_{prefix}_wrong{i}", f"203.0.113.{i % 250}").status_code for i in range(FAILED_AUTH_LIMIT + 3)]
    assert codes[0] == 401 and codes[-1] == 429  # rotating addresses does not reset the key's counter
    assert _me(secret, "198.51.100.20").status_code == 200


@pytest.mark.django_db
def test_rotating_forwarded_for_without_a_trusted_proxy_gives_no_extra_attempts(settings):
    settings.TRUSTED_PROXIES = []
    codes = [
        APIClient()
        .get("/api/v1/me", HTTP_AUTHORIZATION=f"Api-Key nx_beef{i:04d}_x", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        .status_code
        for i in range(FAILED_AUTH_LIMIT + 2)
    ]
    assert codes[-1] == 429


@pytest.mark.django_db
def test_bad_tokens_do_not_lock_out_a_valid_token(world, behind_proxy):
    from accounts.tests.factories import PASSWORD

    user = world["A"].users["member"]
    login = APIClient().post(
        "/api/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json", REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.30",
    )  # fmt: skip
    access = login.json()["access"]
    for i in range(FAILED_AUTH_LIMIT + 2):
        APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer not.a.token{i}", REMOTE_ADDR=PROXY,
                        HTTP_X_FORWARDED_FOR="198.51.100.30")  # fmt: skip
    response = APIClient().get(
        "/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {access}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.30"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_failed_logins_from_one_client_do_not_block_another_behind_the_proxy(world, behind_proxy):
    """allauth's per-address login limit sees the forwarded address too."""
    from accounts.tests.factories import PASSWORD

    def login(email, password, address):
        return APIClient().post(
            "/api/v1/auth/login", {"email": email, "password": password}, format="json", REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=address,
        )  # fmt: skip

    codes = [login(f"nobody{i}@example.test", "wrong-password", "203.0.113.7").status_code for i in range(15)]
    assert codes[-1] == 429  # the address is limited
    user = world["A"].users["member"]
    assert login(user.email, PASSWORD, "198.51.100.40").status_code == 200
