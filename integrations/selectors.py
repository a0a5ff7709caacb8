"""Reads of the vault for pages and the API — never a secret."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from integrations.models import Connection
from integrations.registry import PROVIDERS, ProviderSpec
from nexusone.errors import NotFound


@dataclass
class ProviderState:
    """One provider as a workspace sees it: what it is and, if connected, how."""

    spec: ProviderSpec
    connection: Connection | None

    @property
    def provider(self) -> str:
        return self.spec.name

    @property
    def status(self) -> str:
        return self.connection.status if self.connection else "not_connected"

    @property
    def uses_platform_key(self) -> bool:
        return bool(self.spec.platform_key) and (self.connection is None or self.connection.status != "connected")


def connection_list() -> list[Connection]:
    """The active workspace's connections (scoped)."""
    return list(Connection.objects.all())


def provider_states() -> list[ProviderState]:
    """Every provider, connected or not, for the active workspace: one query."""
    by_provider = {c.provider: c for c in connection_list()}
    return [ProviderState(spec, by_provider.get(name)) for name, spec in PROVIDERS.items()]


def provider_state(provider: str) -> ProviderState:
    return ProviderState(PROVIDERS[provider], Connection.objects.filter(provider=provider).first())


class NotConnected(NotFound):
    code = "not_connected"
    default_message = _("This provider is not connected in this workspace.")


def connection_get(provider: str) -> Connection:
    connection = Connection.objects.filter(provider=provider).first()
    if connection is None:
        raise NotConnected()
    return connection


def slack_webhook_url(*, workspace) -> str | None:
    """The workspace's Slack incoming-webhook URL (notifications posts there), or None."""
    from integrations.vault import credentials_for

    credentials = credentials_for(workspace=workspace, provider="slack")
    return credentials.secret if credentials is not None else None
