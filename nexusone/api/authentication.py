"""API authentication: workspace API keys, allauth JWTs, and the session.

- `Authorization: Api-Key nx_<prefix>_<secret>` — a workspace key; the request
  acts in that key's workspace on behalf of its creator, with the lower of the
  key's role and the creator's *current* role (`api_key.effective_role`,
  decided at authentication). A creator no longer in the workspace disables
  the key. What keys may never do (manage keys, people, the profile) is in
  the permission table (`nexusone.permissions`, `api_keys=False`). Keys need
  a plan with the `api_keys` feature (SPEC: pro or premium; the gate is
  billing's, through `accounts.hooks`): on a workspace that downgraded, a key
  answers 403 `plan_required` — it is genuine, so not 401 — until it upgrades.
- `Authorization: Bearer <access>` — allauth's JWT token strategy, validated
  statefully against the token's session (logout revokes at once).
- The browser session, with CSRF enforced on unsafe methods.

Guessing: every *failed* API key or token is counted per client address
(`nexusone.clientip`: X-Forwarded-For only through TRUSTED_PROXIES) and per
account (the key's prefix, or the token's claimed user); past
FAILED_AUTH_LIMIT in FAILED_AUTH_WINDOW on either, failed attempts answer 429
instead of 401. A valid credential is checked first and never refused for
failures — whoever made them — so nobody can lock a key or an address out by
guessing wrong next to it. (Password logins are allauth's: per address and
per account, as T09 asks.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from allauth.headless.contrib.rest_framework.authentication import JWTTokenAuthentication
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from accounts import hooks
from accounts.models import ROLE_RANK, Role
from nexusone.audit import client_ip

FAILED_AUTH_LIMIT = 30  # failed attempts per client address, and per account, per window
FAILED_AUTH_WINDOW = 300  # seconds


def _failure_keys(request, account: str | None) -> list[str]:
    keys = [f"authfail:ip:{client_ip(request)}"]
    if account:
        keys.append(f"authfail:account:{hashlib.sha256(account.encode()).hexdigest()[:32]}")
    return keys


def _count(key: str) -> int:
    if cache.add(key, 1, FAILED_AUTH_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, FAILED_AUTH_WINDOW)
        return 1


def _refuse(request, message: str, *, account: str | None = None) -> exceptions.APIException:
    """Count one failed attempt (per address and per account) and return the
    error to raise: 401, or 429 once either counter is past the limit."""
    counts = [_count(key) for key in _failure_keys(request, account)]
    if max(counts) > FAILED_AUTH_LIMIT:
        return exceptions.Throttled(wait=FAILED_AUTH_WINDOW, detail=_("Too many failed attempts. Try again later."))
    return exceptions.AuthenticationFailed(message)


def _claimed_subject(token: str) -> str | None:
    """The user an access token claims to be (unverified: only to count failures per account)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, UnicodeDecodeError):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return f"user:{subject}" if isinstance(subject, str | int) and str(subject) else None


def _creator_role_subquery():
    """The key creator's current role in the key's workspace (None: no longer a
    member), read in the same query as the key itself."""
    from django.db.models import OuterRef, Subquery

    from accounts.models import Membership

    return Subquery(
        Membership.objects.filter(workspace_id=OuterRef("workspace_id"), user_id=OuterRef("created_by_id")).values(
            "role"
        )[:1]
    )


def hash_api_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(f"{self.keyword} "):
            return None
        secret = header[len(self.keyword) + 1 :].strip()
        api_key = self._lookup(secret)
        if api_key is None:
            parts = secret.split("_")
            account = f"key:{parts[1]}" if len(parts) >= 3 and parts[0] == "nx" else None
            raise _refuse(request, _("Invalid API key."), account=account)
        user = api_key.created_by
        if user is None or not user.is_active or api_key.workspace.is_suspended:
            raise exceptions.AuthenticationFailed(_("This API key can no longer be used."))
        creator_role = api_key.creator_role
        if creator_role is None:  # the creator left or was removed: the key goes with them
            raise exceptions.AuthenticationFailed(_("This API key can no longer be used."))
        # A key never does more than its creator may do now (a demotion applies at once).
        api_key.effective_role = min(api_key.role, creator_role, key=lambda role: ROLE_RANK[Role(role)])
        # SPEC: keys need a plan with API access (pro, premium). After a downgrade the
        # key is still genuine, so it is not a 401 (re-authenticating cannot help):
        # 403 `plan_required` until the workspace is on such a plan again.
        hooks.require_feature(workspace=api_key.workspace, feature=hooks.API_KEYS)
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
        # One query: the key, its workspace, its creator and the creator's current role.
        api_key = (
            ApiKey.unscoped.select_related("workspace", "created_by")
            .annotate(creator_role=_creator_role_subquery())
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
        try:
            result = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            header = authentication.get_authorization_header(request).split()
            token = header[1].decode("latin-1") if len(header) == 2 else ""
            raise _refuse(
                request, _("The access token is invalid or expired."), account=_claimed_subject(token)
            ) from None
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
