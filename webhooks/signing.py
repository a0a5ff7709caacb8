"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The secret is `whsec_` + base64 of 32 random bytes; the HMAC key is the
decoded bytes. `webhook-signature` is a space-separated list of
`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per live secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def key_of(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    payload = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), payload, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: list[str], *, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets_),
        "content-type": "application/json",
    }
