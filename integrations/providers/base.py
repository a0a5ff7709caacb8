"""What a provider client returns, and the errors it raises.

`InvalidCredentials` (400 `invalid_credentials`) means the provider looked
at the credentials and said no — its own reason goes in `details.reason`
(with the secret scrubbed out). Anything else going wrong on the way (down,
slow, unreadable) is a `ProviderError` (502/504) and says nothing about the
credentials.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from nexusone.errors import ApplicationError, ProviderError

REASON_LIMIT = 300


@dataclass
class Verified:
    """The outcome of a successful verification, check or token exchange."""

    account_id: str = ""
    account_name: str = ""
    scopes: list[str] = field(default_factory=list)
    access_token: str = ""
    refresh_token: str = ""
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    assets: dict[str, Any] | None = None  # None: unchanged

    def __repr__(self) -> str:  # never print tokens
        return f"Verified(account_id={self.account_id!r}, account_name={self.account_name!r})"


class InvalidCredentials(ApplicationError):
    status_code = 400
    code = "invalid_credentials"
    default_message = _("The provider refused these credentials. Nothing was stored.")

    def __init__(self, *, provider: str, reason: str, message=None, secrets: tuple[str, ...] = ()):
        super().__init__(message, details={"provider": provider, "reason": scrub(reason, secrets)})
        self.provider = provider
        self.reason = self.details["reason"]


class TokenRejected(ProviderError):
    """A stored token the provider no longer accepts (Meta 190, HTTP 401):
    the connection becomes `expired` (or `revoked`) and admins are told."""

    status_code = 400
    code = "integration_expired"
    default_message = _("The connection has expired. An admin needs to reconnect it.")

    def __init__(self, *, provider: str, reason: str, revoked: bool = False):
        super().__init__(details={"provider": provider, "reason": reason[:REASON_LIMIT]})
        self.provider = provider
        self.reason = reason[:REASON_LIMIT]
        self.revoked = revoked


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    text = str(text or "")
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "***")
    return text[:REASON_LIMIT]


def provider_failure(provider: str, reason: str, *, status: int | None = None) -> ProviderError:
    details: dict[str, Any] = {"provider": provider, "reason": reason}
    if status is not None:
        details["status"] = status
    return ProviderError(
        _("The provider could not be reached or answered with an error. Try again later."), details=details
    )


def json_body(answer) -> Any:
    try:
        return json.loads(answer.content or b"null")
    except ValueError:
        return None
