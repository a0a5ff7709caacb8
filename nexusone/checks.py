"""Fail fast in production: what the README marks **required** when
`DEBUG=0` is checked before the first request, with a clear message.

A deployment system check (`nexusone.E001`…), so `manage.py check --deploy`
reports it, and the serving entry points (`nexusone.wsgi`, `nexusone.asgi`, the
Celery worker) call `fail_fast()`, so gunicorn/uvicorn/celery refuse to start
instead of answering 500 on the first encrypted write. Commands that only read
the code (`makemigrations --check`, `spectacular`, `makemessages`) run without
production secrets. With `DEBUG=1` (`make run`) or under the test suite
nothing is required.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop"
FERNET_HINT = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


def _secret_key() -> str:
    try:
        return settings.SECRET_KEY or ""
    except ImproperlyConfigured:  # Django refuses to read an empty SECRET_KEY
        return ""


def _fernet_problem(keys: list[str]) -> str:
    from cryptography.fernet import Fernet

    if not [key for key in keys if key.strip()]:
        return "FIELD_ENCRYPTION_KEYS is required when DEBUG=0 (third-party secrets are encrypted with it)."
    for key in keys:
        if not key.strip():
            continue
        try:
            Fernet(key.strip().encode())
        except (ValueError, TypeError):
            return "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key."
    return ""


@checks.register(checks.Tags.security, deploy=True)
def production_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or getattr(settings, "TESTING", False):
        return []
    errors: list[checks.CheckMessage] = []
    secret = _secret_key()
    if not secret or secret == DEV_SECRET_KEY:
        errors.append(
            checks.Error(
                "SECRET_KEY is required when DEBUG=0 (the development key is public).",
                hint="Set SECRET_KEY to at least 50 random characters.",
                id="nexusone.E001",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(
            checks.Error(
                "ALLOWED_HOSTS is required when DEBUG=0.",
                hint="Set ALLOWED_HOSTS to the public host name(s), comma-separated.",
                id="nexusone.E002",
            )
        )
    problem = _fernet_problem(list(getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or []))
    if problem:
        errors.append(checks.Error(problem, hint=f"Generate a key with `{FERNET_HINT}`.", id="nexusone.E003"))
    return errors


def fail_fast() -> None:
    """Called by the web entry points: refuse to serve with a broken production configuration."""
    errors = [message for message in production_settings() if message.is_serious()]
    if errors:
        lines = "\n".join(f"  {message.id}: {message.msg} {message.hint or ''}".rstrip() for message in errors)
        raise ImproperlyConfigured(f"NexusOne cannot start with DEBUG=0:\n{lines}")
