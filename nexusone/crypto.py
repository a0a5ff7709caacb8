"""Encrypted secrets at rest, bound to their workspace, with rotatable keys.

Contract:
- `EncryptedTextField` stores a Fernet token (`cryptography`'s `MultiFernet`
  over `settings.FIELD_ENCRYPTION_KEYS`): the **first** key encrypts, **every**
  key decrypts, so a rotation deploys `[new, old]`, runs
  `manage.py rotate_encryption_keys`, then deploys `[new]` alone.
- Each ciphertext is bound to its row's context — `<app.model>.<field>:<workspace id>`
  is encrypted *inside* the token and checked on decrypt. A token copied into
  another workspace's row (or another field) does not decrypt there:
  `SecretUnavailable` is raised, never the other tenant's secret.
- Reading the attribute returns the plaintext (decrypted lazily, cached per
  token); assigning a plain `str` stores it encrypted on the next `save()` /
  `bulk_create()`. Values loaded from the database are `SealedToken`s (a `str`
  subclass holding the ciphertext), which is also what `.values()` returns — a
  queryset never yields plaintext. `QuerySet.update(field="plain")` is refused
  (it would bypass encryption); write through the model or `seal()`.
- Keys: with no `FIELD_ENCRYPTION_KEYS` configured, development (`DEBUG=1`) and
  the test suite derive a key from `SECRET_KEY` — convenient, but it means
  rotating `SECRET_KEY` loses the secrets, so it is for development only. In
  production (`DEBUG=0`) encrypting or decrypting without configured keys
  raises `ImproperlyConfigured`: a secret is never stored under a derived key.
- Never log or return plaintext: the API shows at most the last 4 characters,
  kept in a separate column by the owning model.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.query_utils import DeferredAttribute

_SEPARATOR = b"\x1f"  # ASCII unit separator: never part of a context string


class SecretUnavailable(Exception):
    """The stored secret cannot be decrypted here: wrong keys, a damaged token,
    or a token that belongs to another row's context."""


class SealedToken(str):
    """A ciphertext as stored in the database (never plaintext)."""

    __slots__ = ()


def _dev_key() -> bytes:
    digest = hashlib.sha256(b"nexusone-field-encryption:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...], allow_dev_key: bool) -> tuple[MultiFernet, Fernet]:
    if not keys:
        if not allow_dev_key:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS is required when DEBUG=0: generate one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
            )
        keys = (_dev_key().decode(),)
    try:
        fernets = [Fernet(key.strip().encode()) for key in keys if key.strip()]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds an invalid Fernet key.") from exc
    if not fernets:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    return MultiFernet(fernets), fernets[0]


def _keys() -> tuple[MultiFernet, Fernet]:
    configured = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or ())
    allow_dev_key = bool(settings.DEBUG or getattr(settings, "TESTING", False))
    return _fernets(configured, allow_dev_key)


def seal(plaintext: str, *, context: str) -> SealedToken:
    """Encrypt `plaintext` bound to `context` with the primary key."""
    multi, _primary = _keys()
    payload = context.encode() + _SEPARATOR + plaintext.encode()
    return SealedToken(multi.encrypt(payload).decode())


def unseal(token: str, *, context: str) -> str:
    """Decrypt a token made by `seal` for the same `context`; raise
    SecretUnavailable for any other context, a damaged token or unknown keys."""
    multi, _primary = _keys()
    try:
        payload = multi.decrypt(token.encode())
    except (InvalidToken, ValueError, TypeError) as exc:
        raise SecretUnavailable("The secret cannot be decrypted with the configured keys.") from exc
    bound, sep, plaintext = payload.partition(_SEPARATOR)
    if not sep or bound != context.encode():
        raise SecretUnavailable("The secret belongs to another record and is refused here.")
    return plaintext.decode()


def is_current(token: str) -> bool:
    """True when `token` is already encrypted with the primary key."""
    _multi, primary = _keys()
    try:
        primary.decrypt(token.encode())
    except (InvalidToken, ValueError, TypeError):
        return False
    return True


def rotate_token(token: str) -> SealedToken:
    """Re-encrypt `token` with the primary key, keeping its bound context.
    Raises SecretUnavailable when no configured key decrypts it."""
    multi, _primary = _keys()
    try:
        return SealedToken(multi.rotate(token.encode()).decode())
    except (InvalidToken, ValueError, TypeError) as exc:
        raise SecretUnavailable("The secret cannot be decrypted with the configured keys.") from exc


def last4(plaintext: str) -> str:
    """The only part of a secret the API may show."""
    return plaintext[-4:] if len(plaintext) >= 8 else ""


class _EncryptedAttribute(DeferredAttribute):
    """Decrypts on read (with the row's context), caching per token. A data
    descriptor (it defines `__set__`), so reads always pass through it."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if not isinstance(value, SealedToken):
            return value  # plaintext assigned in this process, not saved yet (or None / "")
        cache_name = f"_{self.field.attname}_plain"
        cached = instance.__dict__.get(cache_name)
        if cached is not None and cached[0] == value:
            return cached[1]
        plaintext = unseal(value, context=self.field.context_for(instance))
        instance.__dict__[cache_name] = (value, plaintext)
        return plaintext


class EncryptedTextField(models.TextField):
    """A text column holding a workspace-bound Fernet token (see module docstring).

    The owning model must have `workspace_id` set before saving: the context
    binds the ciphertext to it."""

    descriptor_class = _EncryptedAttribute

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def context_for(self, instance) -> str:
        workspace_id = getattr(instance, "workspace_id", None)
        if workspace_id is None:
            raise SecretUnavailable("An encrypted field needs its row's workspace to be set.")
        return f"{self.model._meta.label_lower}.{self.name}:{workspace_id}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return SealedToken(value)

    def pre_save(self, model_instance, add):
        raw = model_instance.__dict__.get(self.attname)
        if raw is None or raw == "" or isinstance(raw, SealedToken):
            return raw
        token = seal(str(raw), context=self.context_for(model_instance))
        model_instance.__dict__[self.attname] = token
        model_instance.__dict__[f"_{self.attname}_plain"] = (token, str(raw))
        return token

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or isinstance(value, SealedToken):
            return value
        raise ValueError(
            f"{self.model.__name__}.{self.name} only stores ciphertext: save through the model or pass seal(...)."
        )

    def value_to_string(self, obj):
        # Serialisation (dumpdata) keeps the ciphertext, never the plaintext.
        return obj.__dict__.get(self.attname) or ""


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every (model, field) pair using EncryptedTextField (for key rotation)."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
