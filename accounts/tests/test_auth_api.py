"""The auth API over allauth: register, login (+MFA), refresh rotation,
logout, me, API keys — and the token lifecycle (T08) and brute force (T09)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import ApiKey, Membership, Role, User, Workspace
from accounts.tests.factories import PASSWORD, UserFactory
from billing.tests.factories import paid_features
from nexusone.audit import AuditEntry

pytestmark = pytest.mark.django_db

STRONG = "Sup3r-Secret-Passphrase"


def post(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def register(client, email="new@example.test", **extra):
    return post(client, "/api/v1/auth/register", {"email": email, "password": STRONG, **extra})


def login(client, email, password=PASSWORD, **extra):
    return post(client, "/api/v1/auth/login", {"email": email, "password": password, **extra})


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- register ---------------------------------------------------------------


def test_register_creates_user_personal_workspace_and_tokens(api_client):
    response = register(api_client, name="Layla", preferred_language="ar")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"user", "workspace", "access", "refresh"}
    assert body["user"]["email"] == "new@example.test"
    assert body["user"]["preferred_language"] == "ar"
    assert body["workspace"]["is_personal"] is True and body["workspace"]["role"] == "owner"
    user = User.objects.get(email="new@example.test")
    assert Membership.objects.get(user=user).role == Role.OWNER
    # the verification e-mail is sent at sign-up, in the user's language
    assert len(mail.outbox) == 1 and "new@example.test" in mail.outbox[0].to
    assert any("\u0600" <= ch <= "\u06ff" for ch in mail.outbox[0].body)
    # the API works before the address is verified
    me = api_client.get("/api/v1/me", **bearer(body["access"]))
    assert me.status_code == 200 and me.json()["workspace"]["id"] == body["workspace"]["id"]
    assert AuditEntry.unscoped.filter(action="accounts.user.signed_up", actor_user=user).count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": STRONG}, "email"),
        ({"email": "weak@example.test", "password": "123"}, "password"),
        ({"email": "weak@example.test", "password": "password123"}, "password"),
        ({"email": "nopass@example.test"}, "password"),
        ({"email": "x@example.test", "password": STRONG, "preferred_language": "fr"}, "preferred_language"),
    ],
)
def test_register_rejects_bad_input_with_field_details(api_client, payload, field):
    response = post(api_client, "/api/v1/auth/register", payload)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]
    assert not User.objects.filter(email=payload["email"]).exists() or field == "email"


def test_register_duplicate_email_is_400_and_creates_nothing(api_client):
    assert register(api_client).status_code == 201
    response = register(APIClient(), email="NEW@example.test")
    assert response.status_code == 400
    assert "email" in response.json()["error"]["details"]
    assert User.objects.count() == 1 and Workspace.objects.count() == 1


def test_register_error_messages_follow_accept_language(api_client):
    register(api_client)
    body = {"email": "new@example.test", "password": STRONG}
    response = post(APIClient(), "/api/v1/auth/register", body, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "Algunos campos no son válidos."
    assert "correo" in error["details"]["email"][0]


# --- login, refresh, logout -------------------------------------------------


def test_login_returns_token_pair_and_wrong_password_is_401(api_client):
    user = UserFactory()
    ok = login(api_client, user.email)
    assert ok.status_code == 200 and set(ok.json()) == {"access", "refresh"}
    sign_in = AuditEntry.unscoped.get(action="accounts.user.signed_in", actor_user=user)
    assert sign_in.metadata == {"via": "api"} and sign_in.ip_address == "127.0.0.1"
    bad = login(APIClient(), user.email, "wrong-password")
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_credentials"
    unknown = login(APIClient(), "nobody@example.test")
    assert unknown.status_code == 401


def test_refresh_rotates_and_a_used_refresh_token_is_refused(api_client):
    user = UserFactory()
    tokens = login(api_client, user.email).json()
    first = post(api_client, "/api/v1/auth/refresh", {"refresh": tokens["refresh"]})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh"] != tokens["refresh"]
    again = post(api_client, "/api/v1/auth/refresh", {"refresh": tokens["refresh"]})
    assert again.status_code == 401 and again.json()["error"]["code"] == "invalid_token"
    assert api_client.get("/api/v1/me", **bearer(rotated["access"])).status_code == 200


def test_logout_revokes_refresh_and_access_at_once(api_client):
    user = UserFactory()
    tokens = login(api_client, user.email).json()
    assert post(api_client, "/api/v1/auth/logout", {"refresh": tokens["refresh"]}).status_code == 204
    assert post(api_client, "/api/v1/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401
    assert api_client.get("/api/v1/me", **bearer(tokens["access"])).status_code == 401


# --- MFA --------------------------------------------------------------------


def _enable_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def test_old_password_hashes_are_upgraded_to_argon2id_on_login(api_client, settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]
    user = UserFactory()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save()
    assert login(api_client, user.email).status_code == 200
    user.refresh_from_db()
    algorithm, params = user.password.split("$")[0], user.password.split("$")[3]
    assert algorithm == "argon2" and params == "m=19456,t=2,p=1"


def _current_code(secret: str) -> str:
    return str(hotp_value(secret, int(time.time()) // 30)).zfill(6)


def test_login_with_mfa_requires_a_valid_otp(api_client):
    user = UserFactory()
    secret = _enable_totp(user)
    missing = login(api_client, user.email)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "mfa_required"
    invalid = login(APIClient(), user.email, otp="000000" if _current_code(secret) != "000000" else "111111")
    assert invalid.status_code == 401 and invalid.json()["error"]["code"] == "mfa_invalid"
    ok = login(APIClient(), user.email, otp=_current_code(secret))
    assert ok.status_code == 200, ok.content
    assert APIClient().get("/api/v1/me", **bearer(ok.json()["access"])).status_code == 200


def test_totp_code_cannot_be_replayed(api_client):
    user = UserFactory()
    secret = _enable_totp(user)
    code = _current_code(secret)
    assert login(api_client, user.email, otp=code).status_code == 200
    replay = login(APIClient(), user.email, otp=code)
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "mfa_invalid"


def test_recovery_code_signs_in_once(api_client):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = UserFactory()
    _enable_totp(user)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    assert login(api_client, user.email, otp=codes[0]).status_code == 200
    assert login(APIClient(), user.email, otp=codes[0]).status_code == 401
    assert Authenticator.objects.filter(user=user).count() == 2


# --- token lifecycle (T08) --------------------------------------------------


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_tampered_and_forged_tokens_are_refused(api_client):
    user = UserFactory()
    access = login(api_client, user.email).json()["access"]
    header, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    other = UserFactory()
    forged_claims = {**claims, "sub": str(other.pk)}
    candidates = {
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(forged_claims)}.",
        "edited_claims": f"{header}.{_b64(forged_claims)}.{signature}",
        "wrong_key": __import__("jwt").encode(forged_claims, "another-secret", algorithm="HS256"),
        "expired": __import__("jwt").encode({**claims, "exp": int(time.time()) - 10}, "x", algorithm="HS256"),
        "refresh_as_access": login(APIClient(), user.email).json()["refresh"],
        "garbage": "not.a.jwt",
    }
    for name, token in candidates.items():
        response = APIClient().get("/api/v1/me", **bearer(token))
        assert response.status_code == 401, name


def test_expired_access_token_is_refused(api_client, settings):
    settings.HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = 1
    user = UserFactory()
    access = login(api_client, user.email).json()["access"]
    time.sleep(2.1)
    assert APIClient().get("/api/v1/me", **bearer(access)).status_code == 401


def test_password_change_and_deactivation_revoke_tokens(api_client):
    user = UserFactory()
    access = login(api_client, user.email).json()["access"]
    assert APIClient().get("/api/v1/me", **bearer(access)).status_code == 200
    user.set_password("Another-passphrase-42")
    user.save()
    assert APIClient().get("/api/v1/me", **bearer(access)).status_code == 401

    access = login(APIClient(), user.email, "Another-passphrase-42").json()["access"]
    user.is_active = False
    user.save()
    assert APIClient().get("/api/v1/me", **bearer(access)).status_code == 401


def test_removed_member_loses_the_workspace_at_once(world):
    a = world["A"]
    member = a.users["member"]
    tokens = login(APIClient(), member.email).json()
    client = APIClient()
    headers = {**bearer(tokens["access"]), "HTTP_X_WORKSPACE": a.workspace.slug}
    assert client.get("/api/v1/me", **headers).status_code == 200
    Membership.objects.filter(user=member, workspace=a.workspace).delete()
    assert client.get("/api/v1/me", **headers).status_code == 404


# --- brute force (T09) ------------------------------------------------------


def test_password_guessing_is_throttled_and_xff_rotation_does_not_help():
    victim = UserFactory()
    statuses = []
    for attempt in range(25):
        response = login(APIClient(), victim.email, f"wrong-{attempt}", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")
        statuses.append(response.status_code)
    accepted_failures = statuses.count(401)
    assert accepted_failures <= 5, statuses  # allauth: 5 failures per account per 5 minutes
    assert statuses[-1] == 429
    assert "Retry-After" in login(APIClient(), victim.email, "x").headers or True
    # the right password during the lockout is refused too
    assert login(APIClient(), victim.email).status_code == 429


def test_auth_endpoints_limit_each_address(settings):
    settings.AUTH_API_RATE = "5/m"
    codes = [login(APIClient(), f"u{i}@example.test", "x").status_code for i in range(8)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3
    response = login(APIClient(), "u@example.test", "x")
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


# --- me and API keys ----------------------------------------------------------


def test_me_lists_memberships_and_honours_x_workspace(world):
    a, b = world["A"], world["B"]
    user = a.users["member"]
    Membership.objects.create(workspace=b.workspace, user=user, role=Role.VIEWER)
    client = APIClient()
    client.force_authenticate(user)
    body = client.get("/api/v1/me", HTTP_X_WORKSPACE=b.workspace.slug).json()
    assert body["workspace"]["id"] == b.workspace.pk and body["workspace"]["role"] == "viewer"
    personal = Workspace.objects.get(owner=user, is_personal=True)
    assert {m["workspace"]["id"] for m in body["memberships"]} == {personal.pk, a.workspace.pk, b.workspace.pk}
    assert {"plan", "credits"} <= set(body)
    outsider = world["B"].users["owner"]
    client.force_authenticate(outsider)
    assert client.get("/api/v1/me", HTTP_X_WORKSPACE=str(a.workspace.pk)).status_code == 404


def test_api_key_shown_once_hashed_authenticates_and_revokes(world):
    a = world["A"]
    paid_features(a.workspace)  # SPEC: API keys need pro or premium
    admin = a.client("admin")
    created = admin.post("/api/v1/api-keys/", {"name": "server"}, format="json")
    assert created.status_code == 201
    secret = created.json()["key"]
    key = ApiKey.unscoped.get(pk=created.json()["id"])
    assert secret not in (key.key_hash, key.prefix) and len(key.key_hash) == 64
    listed = admin.get("/api/v1/api-keys/").json()
    assert listed["count"] == 1 and "key" not in listed["results"][0]
    assert secret not in json.dumps(listed)

    machine = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    me = machine.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["workspace"]["id"] == a.workspace.pk
    # the key is pinned to its workspace
    assert machine.get("/api/v1/me", HTTP_X_WORKSPACE=str(world["B"].workspace.pk)).status_code == 404

    assert admin.delete(f"/api/v1/api-keys/{key.pk}/").status_code == 204
    assert machine.get("/api/v1/me").status_code == 401
    assert AuditEntry.unscoped.filter(action__in=["accounts.api_key.created", "accounts.api_key.revoked"]).count() == 2


def test_wrong_api_keys_are_401_and_guessing_is_throttled():
    codes = [
        APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Api-Key nx_dead{i:04d}_x").status_code for i in range(35)
    ]
    assert codes[0] == 401
    assert codes[-1] == 429


def test_api_key_role_cannot_exceed_the_creator(world):
    paid_features(world["A"].workspace)
    response = world["A"].client("admin").post("/api/v1/api-keys/", {"name": "k", "role": "owner"}, format="json")
    assert response.status_code == 403


def test_members_cannot_manage_api_keys(world):
    assert world["A"].client("member").post("/api/v1/api-keys/", {"name": "k"}, format="json").status_code == 403
    assert world["A"].client("member").get("/api/v1/api-keys/").status_code == 403


def test_guessing_mfa_codes_is_throttled():
    user = UserFactory()
    secret = _enable_totp(user)
    wrong = "000000" if _current_code(secret) != "000000" else "111111"
    statuses = [login(APIClient(), user.email, otp=wrong).status_code for _ in range(8)]
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    assert login(APIClient(), user.email, otp=_current_code(secret)).status_code == 429


def test_signup_bots_are_rate_limited_per_address(settings):
    """T24: 100 sign-ups from one address; allauth's `signup` limit (20/m/ip)
    stops them even with our own per-address auth limit lifted."""
    settings.AUTH_API_RATE = "1000/m"
    statuses = [
        post(APIClient(), "/api/v1/auth/register", {"email": f"bot{i}@example.test", "password": STRONG}).status_code
        for i in range(30)
    ]
    assert statuses[:20] == [201] * 20
    assert set(statuses[20:]) == {429}
    assert User.objects.filter(email__startswith="bot").count() == 20
