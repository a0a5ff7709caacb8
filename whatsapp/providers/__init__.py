"""Provider selection: the Cloud API client when the account has an access
token, the offline sandbox otherwise (see `base.py` for the interface)."""

from __future__ import annotations

from nexusone.crypto import SecretUnavailable
from whatsapp.providers.base import OutboundMessage, ProviderFailure, SendResult, WhatsAppProvider

__all__ = ["OutboundMessage", "ProviderFailure", "SendResult", "WhatsAppProvider", "provider_for"]


def provider_for(account) -> WhatsAppProvider:
    """The provider for `account`. A token that cannot be decrypted (keys
    rotated away, a copied ciphertext) is a `token_expired` failure."""
    from whatsapp.providers.cloud_api import CloudApiProvider
    from whatsapp.providers.sandbox import SandboxProvider

    if account.is_sandbox:
        return SandboxProvider(
            phone_number_id=account.phone_number_id,
            waba_id=account.waba_id,
            display_phone_number=account.display_phone_number,
        )
    try:
        token = account.access_token
    except SecretUnavailable as exc:
        raise ProviderFailure(
            "token_expired", "The stored access token cannot be decrypted; reconnect the number."
        ) from exc
    return CloudApiProvider(phone_number_id=account.phone_number_id, waba_id=account.waba_id, access_token=token)
