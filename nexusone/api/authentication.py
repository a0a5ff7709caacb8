"""API authentication: workspace API keys, allauth JWTs, and the session.

- `Authorization: Api-Key nx_<prefix>_<secret>` — a workspace key; the request
  acts in that key's workspace on behalf of its creator, with the lower of the
  key's role and the creator's *current* role (`api_key.effective_role`,
  decided at authentication). A creator no longer in the workspace disables
  the key. What keys may never do (manage keys, people, the profile) is in
  the permission table (`nexusone.permissions`, `api_keys=False`).
- `Authorization: Bearer <access>` — allauth's JWT token strategy, validated
  statefully against the token's session (logout revokes at once).
- The browser session, with CSRF enforced on unsafe methods.
Failed secret guesses are counted per client address and refused past a limit.
"""

from __future__ import annotations

import hashlib
import hmac

from allauth.headless.contrib.rest_framework.authentication import JWTTokenAuthentication
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from accounts.models import ROLE_RANK, Role
from nexusone.audit import client_ip

FAILED_AUTH_LIMIT = 30  # per client address per window
FAILED_AUTH_WINDOW = 300  # seconds


def _failure_key(request) -> str:
    return f"authfail:{client_ip(request)}"


def _guard_guessing(request) -> None:
    if (cache.get(_failure_key(request)) or 0) >= FAILED_AUTH_LIMIT:
        raise exceptions.Throttled(wait=FAILED_AUTH_WINDOW, detail=_("Too many failed attempts. Try again later."))


def _record_failure(request) -> None:
    key = _failure_key(request)
    if not cache.add(key, 1, FAILED_AUTH_WINDOW):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, FAILED_AUTH_WINDOW)


def _creator_role(api_key) -> str | None:
    from accounts.models import Membership

    return (
        Membership.objects.filter(workspace_id=api_key.workspace_id, user_id=api_key.created_by_id)
        .values_list("role", flat=True)
        .first()
    )


def hash_api_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(f"{self.keyword} "):
            return None
        _guard_guessing(request)
        secret = header[len(self.keyword) + 1 :].strip()
        api_key = self._lookup(secret)
        if api_key is None:
            _record_failure(request)
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        user = api_key.created_by
        if user is None or not user.is_active or api_key.workspace.is_suspended:
            raise exceptions.AuthenticationFailed(_("This API key can no longer be used."))
        creator_role = _creator_role(api_key)
        if creator_role is None:  # the creator left or was removed: the key goes with them
            raise exceptions.AuthenticationFailed(_("This API key can no longer be used."))
        # A key never does more than its creator may do now (a demotion applies at once).
        api_key.effective_role = min(api_key.role, creator_role, key=lambda role: ROLE_RANK[Role(role)])
        now = timezone.now()
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
            type(api_key).unscoped.filter(pk=api_key.pk).update(last_used_at=now)
        return user, api_key

    @staticmethod
    def _lookup(secret: str):
        from accounts.models import ApiKey

        parts = secret.split("_")
        if len(parts) < 3 or parts[0] != "nx":
            return None
        # Looking a key up by its prefix defines the tenant, so it is unscoped.
        api_key = (
            ApiKey.unscoped.select_related("workspace", "created_by")
            .filter(prefix=parts[1], revoked_at__isnull=True)
            .first()
        )
        if api_key is None or not hmac.compare_digest(api_key.key_hash, hash_api_key(secret)):
            return None
        return api_key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class JWTAuthentication(JWTTokenAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if header and header[0].lower() == self.keyword.lower().encode():
            _guard_guessing(request)
        try:
            result = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            _record_failure(request)
            raise exceptions.AuthenticationFailed(_("The access token is invalid or expired.")) from None
        if result is None:
            return None
        user, payload = result
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is disabled."))
        return user, payload

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session auth: CSRF is enforced for unsafe methods."""
