"""THE way to get a third party's credentials for a workspace.

    from integrations.vault import credentials_for

    creds = credentials_for(workspace=workspace, provider="elevenlabs")
    if creds is None:
        provider = OfflineTTS()          # no key anywhere: the offline twin serves
    else:
        client = ElevenLabs(api_key=creds.secret)   # creds.source says whose key it is

Order: the workspace's own connection when it is `connected` (its token
refreshed first if it has expired), else the platform's key from the
environment (OPENAI_API_KEY, ELEVENLABS_API_KEY, DID_API_KEY), else None. An
expired or broken workspace key falls back to the platform key, so work goes
on while the banner asks an admin to reconnect; usage records say which key
served (`creds.source`, `creds.last4`). OAuth providers (Meta, Shopify,
TikTok) have no platform key: only the workspace's connection serves.

`Credentials.secret` is the value to send: the API key, the access token
(OAuth, CJ) or the webhook URL. Never log it or put it in a response.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from integrations.models import Connection, Status
from integrations.registry import PROVIDERS
from nexusone.crypto import SecretUnavailable, last4

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Credentials:
    provider: str
    source: str  # "workspace" | "platform"
    secret: str = field(repr=False)
    last4: str = ""
    connection_id: int | None = None
    account_id: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. {"shop": "x.myshopify.com"}

    def usage_metadata(self) -> dict[str, str]:
        """What a usage event records about the key that served."""
        return {"key_source": self.source, "key_last4": self.last4}


def _workspace_credentials(connection: Connection) -> Credentials | None:
    from integrations import services  # services import the vault's types

    if connection.expires_at is not None and connection.expires_at <= timezone.now() and connection.refresh_token:
        connection = services.connection_refresh(connection=connection, quiet=True)
        if connection.status != Status.CONNECTED:
            return None
    try:
        secret = connection.access_token or connection.api_key
    except SecretUnavailable:
        logger.warning(
            "integrations: %s secret of workspace %s cannot be decrypted", connection.provider, connection.workspace_id
        )
        services.connection_mark_problem(
            connection=connection, status=Status.ERROR, reason="The stored secret cannot be decrypted."
        )
        return None
    if not secret:
        return None
    return Credentials(
        provider=connection.provider,
        source="workspace",
        secret=secret,
        last4=connection.secret_last4,
        connection_id=connection.pk,
        account_id=connection.account_id,
        settings=dict(connection.settings or {}),
        extra={"shop": connection.account_id} if connection.provider == "shopify" else {},
    )


def credentials_for(*, workspace, provider: str) -> Credentials | None:
    """The credentials for `provider` of `workspace` (see the module docstring)."""
    if provider not in PROVIDERS:
        raise ValueError(f"Unknown provider {provider!r}")
    # Keyed by the explicit workspace argument, so the query needs no active scope.
    connection = Connection.unscoped.filter(workspace_id=workspace.pk, provider=provider).first()
    if connection is not None and connection.status == Status.CONNECTED:
        credentials = _workspace_credentials(connection)
        if credentials is not None:
            return credentials
    return platform_credentials(provider)


def platform_credentials(provider: str) -> Credentials | None:
    """The platform's own key for `provider`, if the environment sets one."""
    key = PROVIDERS[provider].platform_key
    if not key:
        return None
    return Credentials(provider=provider, source="platform", secret=key, last4=last4(key))
