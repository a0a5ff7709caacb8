"""OAuth connections (Meta, Shopify, TikTok): starting one, and finishing it
when the browser comes back to `GET /integrations/callback/<provider>/`.

    authorize_url = oauth.connect_start(workspace=w, user=u, provider="shopify", shop="my-store")
    # … the browser consents at the provider and comes back …
    outcome = oauth.connect_finish(provider="shopify", query=request.GET, user=request.user)

The `state` is 32 random bytes (URL-safe), single-use, bound to the user, the
workspace and the provider, and valid for 10 minutes; only its SHA-256 is
stored (`OAuthState`). Every failure — a missing, unknown, reused, expired or
foreign state, a denied consent, a bad Shopify HMAC or shop, a refused
exchange — stores nothing and returns an `OAuthFailure` whose `message` the
callback page shows.

One redirect URI per provider, without a language prefix:
`{SITE_URL}/integrations/callback/<provider>/` (register it with the provider).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ROLE_RANK, Membership, Role
from integrations import services
from integrations.models import Connection, Kind, OAuthState
from integrations.providers import meta, shopify, tiktok
from integrations.registry import OAUTH_PROVIDERS, spec_for
from nexusone.audit import audit_record
from nexusone.errors import ApplicationError, ProviderError, ValidationFailed
from nexusone.tenancy import workspace_scope

logger = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)
PROVIDER_MODULES = {"meta": meta, "shopify": shopify, "tiktok": tiktok}
for _name, _module in PROVIDER_MODULES.items():
    services.OAUTH_HOOKS[_name] = _module.HOOKS


class ProviderNotConfigured(ApplicationError):
    status_code = 400
    code = "provider_not_configured"
    default_message = _("This provider is not configured on this installation.")


class NotAnOAuthProvider(ValidationFailed):
    code = "not_an_oauth_provider"
    default_message = _("This provider does not connect with a sign-in at the provider.")


# Why a callback failed: a code (logged, audited) and what the page says.
FAILURES = {
    "missing_state": _("The link is incomplete: it has no state. Start the connection again."),
    "unknown_state": _("This connection request is unknown. Start the connection again."),
    "reused_state": _("This connection request was already used. Start the connection again."),
    "expired_state": _("This connection request expired (they last 10 minutes). Start the connection again."),
    "foreign_state": _("This connection request was started by someone else or for another provider."),
    "not_allowed": _("Your role in this workspace does not allow connecting integrations."),
    "denied": _("The connection was not authorized at the provider."),
    "bad_hmac": _("The provider's signature on this request is not valid."),
    "bad_shop": _("The shop in this request is not the shop the connection was started for."),
    "exchange_failed": _("The provider refused to complete the connection."),
    "provider_unavailable": _("The provider could not be reached. Try again later."),
    "not_configured": ProviderNotConfigured.default_message,
}


@dataclass
class OAuthFailure:
    code: str
    reason: str = ""  # the provider's own words, when it gave some
    workspace: object | None = None

    @property
    def message(self):
        return FAILURES[self.code]


@dataclass
class OAuthSuccess:
    connection: Connection
    workspace: object


def redirect_uri(provider: str) -> str:
    return f"{settings.SITE_URL}/integrations/callback/{provider}/"


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def connect_start(*, workspace, user, provider: str, shop: str = "", request=None) -> str:
    """A fresh state and the provider's consent URL. Refuses a provider without
    app credentials (400 `provider_not_configured`) and a shop that is not a
    `*.myshopify.com` name (400 `invalid_shop`) before anything is stored."""
    if provider not in OAUTH_PROVIDERS:
        raise NotAnOAuthProvider()
    spec = spec_for(provider)
    if not spec.is_configured:
        raise ProviderNotConfigured(details={"provider": provider, "missing": spec.missing_settings})
    shop = shopify.normalize_shop(shop) if provider == "shopify" else ""
    state = secrets.token_urlsafe(32)
    OAuthState.unscoped.create(
        workspace=workspace,
        user=user,
        provider=provider,
        shop=shop,
        state_hash=_hash(state),
        expires_at=timezone.now() + STATE_LIFETIME,
    )
    OAuthState.unscoped.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()  # old, unused
    audit_record(
        action="integrations.oauth.started",
        request=request,
        user=user,
        workspace=workspace,
        metadata={"provider": provider, "shop": shop},
    )
    return PROVIDER_MODULES[provider].HOOKS["authorize"](state=state, redirect_uri=redirect_uri(provider), shop=shop)


def _claim_state(provider: str, state: str, user) -> OAuthState | OAuthFailure:
    if not state:
        return OAuthFailure("missing_state")
    row = OAuthState.unscoped.select_related("workspace").filter(state_hash=_hash(state)).first()
    if row is None:
        return OAuthFailure("unknown_state")
    if row.user_id != getattr(user, "pk", None) or row.provider != provider:
        return OAuthFailure("foreign_state")  # not consumed: it is not this person's to spend
    if row.used_at is not None:
        return OAuthFailure("reused_state", workspace=row.workspace)
    if row.expires_at <= timezone.now():
        return OAuthFailure("expired_state", workspace=row.workspace)
    # Single use, also against two tabs racing: only one update wins.
    if not OAuthState.unscoped.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now()):
        return OAuthFailure("reused_state", workspace=row.workspace)
    return row


def _may_manage(user, workspace) -> bool:
    membership = Membership.objects.filter(user=user, workspace=workspace, workspace__is_suspended=False).first()
    return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[Role.ADMIN]


def connect_finish(*, provider: str, query, user, request=None) -> OAuthSuccess | OAuthFailure:
    """Check the callback, exchange the code, store the connection. Nothing is
    stored unless every check and the exchange succeed."""
    claimed = _claim_state(provider, str(query.get("state") or ""), user)
    if isinstance(claimed, OAuthFailure):
        return _failed(provider, claimed, user, request)
    workspace = claimed.workspace
    module = PROVIDER_MODULES[provider]
    if not _may_manage(user, workspace):
        return _failed(provider, OAuthFailure("not_allowed", workspace=workspace), user, request)
    if not spec_for(provider).is_configured:
        return _failed(provider, OAuthFailure("not_configured", workspace=workspace), user, request)
    if provider == "shopify":
        problem = shopify.verify_callback(query, expected_shop=claimed.shop)
        if problem:
            return _failed(provider, OAuthFailure(problem, workspace=workspace), user, request)
    refusal = module.HOOKS["denied"](query)
    if refusal:
        return _failed(provider, OAuthFailure("denied", reason=refusal, workspace=workspace), user, request)
    try:
        verified = module.HOOKS["exchange"](query=query, redirect_uri=redirect_uri(provider), shop=claimed.shop)
    except module.ExchangeRefused as exc:
        return _failed(provider, OAuthFailure("exchange_failed", reason=exc.reason, workspace=workspace), user, request)
    except ProviderError:
        return _failed(provider, OAuthFailure("provider_unavailable", workspace=workspace), user, request)
    with workspace_scope(workspace), transaction.atomic():
        connection = services.connection_save(
            workspace=workspace, provider=provider, kind=Kind.OAUTH, verified=verified, user=user, request=request
        )
    return OAuthSuccess(connection=connection, workspace=workspace)


def _failed(provider: str, failure: OAuthFailure, user, request) -> OAuthFailure:
    logger.info("integrations: %s callback refused (%s)", provider, failure.code)
    if failure.workspace is not None:
        audit_record(
            action="integrations.oauth.failed",
            request=request,
            user=user,
            workspace=failure.workspace,
            metadata={"provider": provider, "code": failure.code, "reason": failure.reason[:200]},
        )
    return failure
