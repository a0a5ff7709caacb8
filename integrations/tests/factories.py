"""Integrations test rows (created with an explicit workspace, no scope needed)
and the route walk's `TENANT_FACTORIES`."""

from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta

from django.utils import timezone

from integrations.models import Connection, Kind, OAuthState, Status

_sequence = itertools.count(1)


def make_connection(workspace, provider: str = "openai", **fields) -> Connection:
    n = next(_sequence)
    key = fields.pop("api_key", f"sk-{workspace.slug}-secret-key-{n:04d}")
    values = {
        "kind": Kind.API_KEY,
        "status": Status.CONNECTED,
        "account_name": f"Account of {workspace.slug}",
        "secret_last4": key[-4:],
        "connected_at": timezone.now(),
        "assets": {"models": ["gpt-4o-mini", f"ft:gpt-4o-mini:{workspace.slug}"]},
        **fields,
    }
    return Connection.unscoped.create(workspace=workspace, provider=provider, api_key=key, **values)


def make_slack_connection(workspace, **fields) -> Connection:
    """The route walk's row: a webhook connection, whose check needs no network."""
    url = f"https://hooks.slack.com/services/T0000/B0000/{workspace.slug}XXXXXXXX"
    values = {"kind": Kind.WEBHOOK, "assets": {}, "account_name": f"#alerts-{workspace.slug}", "api_key": url, **fields}
    return make_connection(workspace, "slack", **values)


def make_oauth_state(workspace, provider: str = "meta", **fields) -> OAuthState:
    values = {
        "state_hash": hashlib.sha256(f"state-{workspace.slug}-{next(_sequence)}".encode()).hexdigest(),
        "user": workspace.owner,
        "expires_at": timezone.now() + timedelta(minutes=10),
        **fields,
    }
    return OAuthState.unscoped.create(workspace=workspace, provider=provider, **values)


TENANT_FACTORIES = {Connection: make_slack_connection, OAuthState: make_oauth_state}
