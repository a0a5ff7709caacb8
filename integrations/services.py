"""Writes to the vault. Views, tasks and the OAuth callback call these; they
never touch `Connection` rows themselves.

- `connection_put_api_key` verifies a key with the provider before storing
  anything; a refused key stores nothing.
- `connection_save` stores what a successful verification or OAuth exchange
  returned (used by the OAuth flows too).
- `connection_check`, `connection_refresh` keep a connection honest; a token
  the provider rejects marks it `expired` (or `revoked`) through
  `connection_mark_problem`, which tells the admins once.
- `connection_disconnect` revokes at the provider where it can and deletes
  the row with every secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations import signals
from integrations.models import Connection, Kind, Status
from integrations.providers.base import InvalidCredentials, TokenRejected, Verified
from integrations.registry import KEY_PROVIDERS, PROVIDERS, spec_for
from nexusone.audit import audit_record
from nexusone.crypto import SecretUnavailable, last4
from nexusone.errors import ProviderError, ValidationFailed

logger = logging.getLogger(__name__)

# provider → {setting: (asset list, id field)}: the defaults a workspace may
# pick, each only among the ids its connection reaches.
SETTING_CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "meta": {
        "ad_account_id": ("ad_accounts", "id"),
        "page_id": ("pages", "id"),
        "instagram_account_id": ("instagram_accounts", "id"),
    },
    "tiktok": {"advertiser_id": ("advertisers", "id")},
    "elevenlabs": {"voice_id": ("voices", "voice_id")},
    "openai": {"model": ("models", None)},
}

# OAuth providers plug their check / refresh / revoke in here (integrations.oauth).
OAUTH_HOOKS: dict[str, dict[str, Callable]] = {}


def _oauth_hooks() -> dict[str, dict[str, Callable]]:
    """`OAUTH_HOOKS`, filled: `integrations.oauth` is imported at first use rather than at boot (its
    provider modules bring the outbound door and httpx; issue 19, "Cold start")."""
    import integrations.oauth  # noqa: F401  (registers the hooks on import)

    return OAUTH_HOOKS


class NotAKeyProvider(ValidationFailed):
    code = "not_a_key_provider"
    default_message = _("This provider connects with its own sign-in, not with an API key.")


# --- helpers ----------------------------------------------------------------------------------


def _on_commit_send(signal, **kwargs: Any) -> None:
    transaction.on_commit(lambda: signal.send(sender=Connection, **kwargs))


def _apply(connection: Connection, verified: Verified) -> None:
    if verified.account_id:
        connection.account_id = verified.account_id
    if verified.account_name:
        connection.account_name = verified.account_name
    if verified.scopes:
        connection.scopes = list(verified.scopes)
    if verified.access_token:
        connection.access_token = verified.access_token
        connection.expires_at = verified.expires_at
    if verified.refresh_token:
        connection.refresh_token = verified.refresh_token
        connection.refresh_expires_at = verified.refresh_expires_at
    if verified.assets is not None:
        connection.assets = verified.assets
        connection.assets_synced_at = timezone.now()


def _set_status(connection: Connection, status: str, *, reason: str = "", actor=None, request=None) -> None:
    previous = connection.status
    connection.status = status
    connection.last_error = reason[:500]
    if previous != status:
        audit_record(
            action="integrations.connection.status_changed",
            request=request,
            user=actor,
            workspace=connection.workspace,
            target=connection,
            metadata={"provider": connection.provider, "from": previous, "to": status, "reason": reason[:200]},
        )


# --- connect ----------------------------------------------------------------------------------


def connection_save(
    *,
    workspace,
    provider: str,
    kind: str,
    verified: Verified,
    api_key: str = "",
    user=None,
    request=None,
) -> Connection:
    """Store a verified connection (new or replacing the previous one) and
    announce it after commit. The caller has already verified the secret."""
    now = timezone.now()
    with transaction.atomic():
        connection = Connection.objects.select_for_update().filter(provider=provider).first()
        reconnected = connection is not None
        if connection is None:
            connection = Connection(provider=provider, workspace=workspace)
        connection.kind = kind
        # A new connection starts clean: no token, account or pick of the previous one survives.
        connection.api_key = api_key
        connection.access_token = ""
        connection.refresh_token = ""
        connection.expires_at = connection.refresh_expires_at = None
        connection.account_id = connection.account_name = ""
        connection.scopes = []
        _apply(connection, verified)
        connection.secret_last4 = last4(api_key or verified.access_token)
        connection.status = Status.CONNECTED
        connection.last_error = ""
        connection.last_checked_at = connection.last_refreshed_at = now
        connection.connected_by = user
        connection.connected_at = now
        connection.problem_notified_at = None
        connection.settings = _valid_settings(provider, dict(connection.settings or {}), connection.assets)
        connection.save()
        audit_record(
            action="integrations.connection.connected",
            request=request,
            user=user,
            workspace=workspace,
            target=connection,
            metadata={
                "provider": provider,
                "kind": kind,
                "reconnected": reconnected,
                "account_id": connection.account_id,
            },
        )
        _on_commit_send(
            signals.connection_connected,
            workspace_id=connection.workspace_id,
            provider=provider,
            connection_id=connection.pk,
            reconnected=reconnected,
        )
    return connection


def connection_put_api_key(*, workspace, provider: str, api_key: str, user=None, request=None) -> Connection:
    """Verify `api_key` with one cheap live call, then store it. A refused key
    raises InvalidCredentials (400) and stores nothing."""
    if provider not in KEY_PROVIDERS:
        raise NotAKeyProvider()
    api_key = api_key.strip()
    if provider == "cj_dropshipping":
        from integrations.providers.cj import cj_verify

        verified = cj_verify(api_key)
    else:
        from integrations.providers.keys import VERIFIERS

        verified = VERIFIERS[provider](api_key)
    return connection_save(
        workspace=workspace,
        provider=provider,
        kind=Kind.API_KEY,
        verified=verified,
        api_key=api_key,
        user=user,
        request=request,
    )


def connection_set_secret(
    *, workspace, provider: str, secret: str, account_name: str = "", user=None, request=None
) -> Connection:
    """Store a secret the caller has verified itself (e.g. the Slack incoming
    webhook URL, checked by the notifications app before saving)."""
    kind = spec_for(provider).kind
    return connection_save(
        workspace=workspace,
        provider=provider,
        kind=kind,
        verified=Verified(account_name=account_name),
        api_key=secret,
        user=user,
        request=request,
    )


def connection_put_slack(*, workspace, webhook_url: str, user=None, request=None) -> Connection:
    """Connect Slack with an incoming-webhook URL: it must point at Slack
    (`SLACK_WEBHOOK_URL_PREFIX`), and a test message is posted through the
    outbound door before anything is stored — Slack refusing it is a 400
    `slack_refused` with Slack's reason, an address the SSRF rules refuse a
    400 `url_not_allowed`. The URL is a secret: stored encrypted, never returned."""
    from notifications.slack import slack_post, validate_webhook_url

    url = validate_webhook_url(webhook_url)
    slack_post(
        url,
        text=str(
            _("NexusOne is now connected to this channel: notifications for %(workspace)s will appear here.")
            % {"workspace": workspace.name}
        ),
    )
    return connection_set_secret(
        workspace=workspace, provider="slack", secret=url, account_name="Slack", user=user, request=request
    )


# --- settings -----------------------------------------------------------------------------------


def _asset_ids(assets: dict, asset_list: str, id_field: str | None) -> set[str]:
    items = (assets or {}).get(asset_list) or []
    return {str(item if id_field is None else (item or {}).get(id_field)) for item in items}


def _valid_settings(provider: str, current: dict, assets: dict) -> dict:
    """Keep only picks that are still among the connection's assets."""
    choices = SETTING_CHOICES.get(provider, {})
    return {
        key: value
        for key, value in current.items()
        if key in choices and str(value) in _asset_ids(assets, *choices[key])
    }


def connection_update_settings(*, connection: Connection, settings: dict, user=None, request=None) -> Connection:
    """Pick defaults (e.g. `ad_account_id`, `page_id`) among the ids the
    connection reaches; anything else is a 400 naming the field. A null
    value clears a pick."""
    choices = SETTING_CHOICES.get(connection.provider, {})
    errors: dict[str, list] = {}
    updated = dict(connection.settings or {})
    for key, value in settings.items():
        if key not in choices:
            errors[key] = [_("This setting does not exist for this provider.")]
        elif value in (None, ""):
            updated.pop(key, None)
        elif str(value) not in _asset_ids(connection.assets, *choices[key]):
            errors[key] = [_("Pick one of the accounts this connection reaches.")]
        else:
            updated[key] = str(value)
    if errors:
        raise ValidationFailed(details=errors)
    if updated != connection.settings:
        connection.settings = updated
        connection.save(update_fields=["settings", "updated_at"])
        audit_record(
            action="integrations.connection.settings_changed",
            request=request,
            user=user,
            workspace=connection.workspace,
            target=connection,
            metadata={"provider": connection.provider, "settings": updated},
        )
    return connection


# --- keeping it honest --------------------------------------------------------------------------


def _check(connection: Connection) -> Verified:
    provider = connection.provider
    hooks = _oauth_hooks()
    if provider in hooks:
        return hooks[provider]["check"](connection)
    if provider == "cj_dropshipping":
        from integrations.providers.cj import cj_check

        return cj_check(connection.access_token)
    if provider in KEY_PROVIDERS:
        from integrations.providers.keys import VERIFIERS

        try:
            return VERIFIERS[provider](connection.api_key)
        except InvalidCredentials as exc:
            raise TokenRejected(provider=provider, reason=exc.reason) from exc
    return Verified()  # webhook URLs: checked by their owner when used


def connection_check(*, connection: Connection, user=None, request=None) -> Connection:
    """Check the connection now with a cheap live call. A rejected token marks
    it expired/revoked (admins told once); an unreachable provider only
    records the error — the credentials may be fine."""
    now = timezone.now()
    if connection.refresh_token and connection.expires_at is not None and connection.expires_at <= now:
        connection = connection_refresh(connection=connection, quiet=True)
        if connection.status != Status.CONNECTED:
            return connection
    try:
        verified = _check(connection)
    except TokenRejected as exc:
        status = Status.REVOKED if exc.revoked else Status.EXPIRED
        return connection_mark_problem(
            connection=connection, status=status, reason=exc.reason, user=user, request=request
        )
    except SecretUnavailable:
        return connection_mark_problem(
            connection=connection,
            status=Status.ERROR,
            user=user,
            request=request,
            reason="The stored secret cannot be decrypted.",
        )
    except ProviderError as exc:
        connection.last_checked_at = now
        connection.last_error = str(exc.details.get("reason") or exc.message)[:500]
        connection.save(update_fields=["last_checked_at", "last_error", "updated_at"])
        return connection
    _apply(connection, verified)
    connection.settings = _valid_settings(connection.provider, dict(connection.settings or {}), connection.assets)
    connection.last_checked_at = now
    connection.problem_notified_at = None
    _set_status(connection, Status.CONNECTED, actor=user, request=request)
    connection.save()
    return connection


def connection_refresh(*, connection: Connection, quiet: bool = False) -> Connection:
    """Exchange the refresh token for a new access token (Shopify hourly, CJ
    every 15 days, TikTok daily). The provider's rotated refresh token
    replaces the old one in the same save."""
    provider = connection.provider
    try:
        hooks = _oauth_hooks()
        if provider in hooks and "refresh" in hooks[provider]:
            verified = hooks[provider]["refresh"](connection)
        elif provider == "cj_dropshipping":
            from integrations.providers.cj import cj_refresh

            verified = cj_refresh(connection_id=connection.pk, refresh_token=connection.refresh_token)
        else:
            return connection
    except TokenRejected as exc:
        return connection_mark_problem(connection=connection, status=Status.EXPIRED, reason=exc.reason)
    except (ProviderError, SecretUnavailable) as exc:
        if not quiet:
            raise
        logger.warning(
            "integrations: refreshing %s of workspace %s failed: %s",
            provider,
            connection.workspace_id,
            type(exc).__name__,
        )
        return connection
    _apply(connection, verified)
    if connection.kind == Kind.OAUTH and verified.access_token:  # the hint names the token now in use
        connection.secret_last4 = last4(verified.access_token)
    connection.last_refreshed_at = timezone.now()
    connection.last_error = ""
    connection.save()
    return connection


def connection_mark_problem(*, connection: Connection, status: str, reason: str, user=None, request=None) -> Connection:
    """The provider no longer accepts this connection: record why (audited)
    and tell the workspace's admins — once per loss of access, however many
    checks or refreshes fail afterwards (a reconnect or a passing check
    re-arms it)."""
    _set_status(connection, status, reason=reason, actor=user, request=request)
    connection.last_checked_at = timezone.now()
    # Not a full save: `problem_notified_at` belongs to the claim below.
    connection.save(update_fields=["status", "last_error", "last_checked_at", "updated_at"])
    _notify_admins_once(connection)
    return connection


def _notify_admins_once(connection: Connection) -> None:
    # The claim is one conditional UPDATE: two workers failing at once notify once.
    claimed = Connection.unscoped.filter(pk=connection.pk, problem_notified_at__isnull=True).update(
        problem_notified_at=timezone.now()
    )
    if not claimed:
        return
    connection.problem_notified_at = timezone.now()
    from notifications.services import notify, page_link

    notify(
        workspace=connection.workspace,
        kind="integration_expired",
        params={"integration": spec_for(connection.provider).label},
        link=page_link("workspace_integrations", slug=connection.workspace.slug),
        roles=("owner", "admin"),
    )


def connection_report_rejected(*, workspace, provider: str, reason: str) -> None:
    """For any module whose provider call *with this workspace's own
    credentials* was refused (HTTP 401, Meta error 190): mark the connection
    expired so the vault stops serving it and the admins are told."""
    connection = Connection.unscoped.filter(workspace_id=workspace.pk, provider=provider).first()
    if connection is not None and connection.status == Status.CONNECTED:
        connection_mark_problem(connection=connection, status=Status.EXPIRED, reason=reason)


# --- disconnect -----------------------------------------------------------------------------------


def connection_disconnect(*, connection: Connection, user=None, request=None) -> None:
    """Revoke at the provider where it has an endpoint (best effort: a provider
    that is down must not keep a secret here), then delete the row."""
    provider, account_id, workspace = connection.provider, connection.account_id, connection.workspace
    revoke = _oauth_hooks().get(provider, {}).get("revoke")
    revoked_remotely = None
    if revoke is not None and connection.status == Status.CONNECTED:
        try:
            revoke(connection)
            revoked_remotely = True
        except (ProviderError, TokenRejected, SecretUnavailable) as exc:
            revoked_remotely = False
            logger.warning("integrations: revoking %s at the provider failed: %s", provider, type(exc).__name__)
    with transaction.atomic():
        audit_record(
            action="integrations.connection.disconnected",
            request=request,
            user=user,
            workspace=workspace,
            target=connection,
            metadata={"provider": provider, "account_id": account_id, "revoked_at_provider": revoked_remotely},
        )
        connection.delete()
        _on_commit_send(
            signals.connection_disconnected, workspace_id=workspace.pk, provider=provider, account_id=account_id
        )


def provider_names() -> list[str]:
    return list(PROVIDERS)
