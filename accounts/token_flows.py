"""The API's sign-up / login / refresh / logout as a thin layer over
django-allauth's headless "app" flows and its JWT token strategy.

Nothing here checks a password or issues a token by itself: allauth's inputs
validate (password validators, unique e-mail), its adapter authenticates
(with its `login_failed` rate limit), its login stages run (MFA, e-mail
verification), and its token strategy mints and rotates JWTs bound to a
server-side session. Logging out deletes that session, which revokes both
the access and the refresh tokens (stateful validation is on).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from types import SimpleNamespace

from allauth.account.internal import flows
from allauth.account.internal.stagekit import get_pending_stage
from allauth.core import ratelimit
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.headless import app_settings as headless_settings
from allauth.headless.account.inputs import LoginInput, SignupInput
from allauth.headless.constants import Client
from allauth.headless.internal import authkit
from allauth.headless.tokens.strategies.jwt import internal as jwt_internal
from allauth.mfa.base.forms import AuthenticateForm
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from nexusone.errors import ApplicationError, ValidationFailed


class AuthFailed(ApplicationError):
    status_code = 401
    code = "invalid_credentials"


class TooManyAttempts(ApplicationError):
    status_code = 429
    code = "rate_limited"


@dataclass
class TokenPair:
    access: str
    refresh: str


def _form_details(form) -> dict:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def _too_many(form) -> bool:
    return any(err.code == "too_many_login_attempts" for errs in form.errors.as_data().values() for err in errs)


class _AppClientContext:
    """Enter allauth's headless *app* client context on a Django request:
    a fresh server-side session that becomes the token's session."""

    def __init__(self, request):
        self.request = request
        self._ctx = None

    def __enter__(self):
        self.request.allauth.headless = SimpleNamespace(client=Client.APP)
        self._ctx = authkit.authentication_context(self.request)
        self._ctx.__enter__()
        return self.request

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def _issue_tokens(request) -> TokenPair:
    payload = headless_settings.TOKEN_STRATEGY.create_access_token_payload(request)
    return TokenPair(access=payload["access_token"], refresh=payload["refresh_token"])


def _rate_limit(request, action: str) -> None:
    if not ratelimit.consume(request, action=action):
        raise TooManyAttempts(_("Too many attempts. Try again later."))


def register(
    *, request, email: str, password: str, name: str = "", preferred_language: str = ""
) -> tuple[User, TokenPair]:
    """Create the account through allauth's sign-up input and flow (which sends
    the verification e-mail); the adapter creates the personal workspace."""
    _rate_limit(request, "signup")
    # The verification e-mail goes out in the language the user chose.
    with translation.override(preferred_language or translation.get_language()), _AppClientContext(request):
        form = SignupInput({"email": email, "password": password})
        if not form.is_valid():
            raise ValidationFailed(details=_form_details(form))
        request._nexusone_signup_profile = {"name": name, "preferred_language": preferred_language}
        with transaction.atomic():
            user, _response = form.try_save(request)
            if user is None:  # allauth's anti-enumeration path: treat as a duplicate
                raise ValidationFailed(details={"email": [_("A user is already registered with this e-mail address.")]})
        with contextlib.suppress(ImmediateHttpResponse):
            flows.signup.complete_signup(request, user=user)
        if not request.user.is_authenticated:
            raise AuthFailed(_("The account was created but could not be signed in."))
        tokens = _issue_tokens(request)
    return user, tokens


def login(*, request, email: str, password: str, otp: str | None = None) -> TokenPair:
    """Password login through allauth; an MFA-enabled account also needs `otp`
    (a TOTP code or a recovery code)."""
    _rate_limit(request, "login")
    with _AppClientContext(request):
        form = LoginInput({"email": email, "password": password})
        if not form.is_valid():
            if _too_many(form):
                raise TooManyAttempts(_("Too many failed login attempts. Try again later."))
            malformed = {
                field: errors
                for field, errors in form.errors.as_data().items()
                if field != "__all__" and any(e.code in ("required", "invalid") for e in errors)
            }
            if malformed:
                raise ValidationFailed(details=_form_details(form))
            raise AuthFailed(_("The e-mail address and/or password you specified are not correct."))
        flows.login.perform_password_login(request, form.cleaned_data, form.login)
        if not request.user.is_authenticated:
            stage = get_pending_stage(request)
            if stage is None or stage.key != "mfa_authenticate":
                raise AuthFailed(_("This account cannot sign in right now."), code="login_blocked")
            if not otp:
                raise AuthFailed(_("Enter the code from your authenticator app."), code="mfa_required")
            mfa_form = AuthenticateForm({"code": otp}, user=stage.login.user)
            if not mfa_form.is_valid():
                if any(e.code == "too_many_login_attempts" for e in mfa_form.errors.as_data().get("code", [])):
                    raise TooManyAttempts(_("Too many failed attempts. Try again later."))
                raise AuthFailed(_("The authentication code is not valid."), code="mfa_invalid")
            mfa_form.save()
            stage.exit()
            if not request.user.is_authenticated:
                raise AuthFailed(_("This account cannot sign in right now."), code="login_blocked")
        tokens = _issue_tokens(request)
    return tokens


def refresh(*, refresh_token: str) -> TokenPair:
    """Rotate: the presented refresh token is spent, a new pair is returned."""
    result = headless_settings.TOKEN_STRATEGY.refresh_token(refresh_token or "")
    if result is None:
        raise AuthFailed(_("The refresh token is invalid, expired or already used."), code="invalid_token")
    access, new_refresh = result
    return TokenPair(access=access, refresh=new_refresh)


def logout(*, token: str) -> None:
    """Revoke the session behind a refresh (or access) token: every token of
    that login stops working at once."""
    payload = jwt_internal.decode_token(token or "", "refresh") or jwt_internal.decode_token(token or "", "access")
    if payload is None:
        raise AuthFailed(_("The token is invalid or expired."), code="invalid_token")
    session = jwt_internal.get_token_session(payload)
    if session is not None:
        session.flush()
