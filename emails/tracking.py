"""Signed tracking tokens and the public URLs built from them.

A token names one message (and, for clicks, one link of the campaign by its
index) and carries a truncated HMAC (SHA-256, keyed by SECRET_KEY with a
purpose-specific salt), so it cannot be forged or moved to another purpose:
`<message id base 36>.<link index or ->.<signature>`. The click endpoint
redirects only to `campaign.rendered["links"][index]` — a URL that was in the
e-mail — never to a URL taken from the request.
"""

from __future__ import annotations

import base64
import functools
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

PURPOSES = ("open", "click", "unsubscribe")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _b36(number: int) -> str:
    digits = []
    while True:
        number, rest = divmod(number, 36)
        digits.append(_ALPHABET[rest])
        if not number:
            return "".join(reversed(digits))


def _signature(purpose: str, body: str) -> str:
    digest = salted_hmac(f"nexusone.emails.{purpose}", body, algorithm="sha256").digest()[:15]
    return base64.urlsafe_b64encode(digest).decode()


def token_make(*, purpose: str, message_id: int, index: int | None = None) -> str:
    body = f"{_b36(message_id)}.{'-' if index is None else index}"
    return f"{body}.{_signature(purpose, body)}"


@dataclass(frozen=True)
class Token:
    message_id: int
    index: int | None


def token_read(*, purpose: str, token: str) -> Token | None:
    """The message (and link index) a valid token names, else None."""
    parts = (token or "").split(".")
    if len(parts) != 3 or len(token) > 80:
        return None
    message_part, index_part, signature = parts
    if not hmac.compare_digest(signature.encode(), _signature(purpose, f"{message_part}.{index_part}").encode()):
        return None
    try:
        message_id = int(message_part, 36)
        index = None if index_part == "-" else int(index_part)
    except ValueError:
        return None
    return Token(message_id=message_id, index=index)


@functools.cache
def _route(name: str) -> tuple[str, str]:
    """The path around the token, reversed once (a send builds several URLs per message)."""
    path = reverse(name, args=["TOKEN"])
    head, _sep, tail = path.partition("TOKEN")
    return head, tail


def _absolute(name: str, token: str) -> str:
    head, tail = _route(name)
    return f"{settings.SITE_URL}{head}{token}{tail}"


def open_url(message_id: int) -> str:
    return _absolute("emails-open", token_make(purpose="open", message_id=message_id))


def click_url(message_id: int, index: int) -> str:
    return _absolute("emails-click", token_make(purpose="click", message_id=message_id, index=index))


def unsubscribe_url(message_id: int) -> str:
    return _absolute("emails-unsubscribe", token_make(purpose="unsubscribe", message_id=message_id))


def test_unsubscribe_url() -> str:
    """Test sends carry this: the page explains that a test changes nothing."""
    return _absolute("emails-unsubscribe", "test")
