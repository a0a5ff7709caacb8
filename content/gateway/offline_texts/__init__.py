"""Template texts of the offline provider, one module per language.

Every module defines `TEXTS` with the same keys (a test checks they match):
`quotes`, `content`, `ideas`, `page`, `generic`. Placeholders are
`str.format` fields ({topic}, {niche}, {title}, {description}, {audience},
{industry}); the values inserted are user data and are never re-parsed.
"""

from __future__ import annotations

from importlib import import_module

LANGUAGES = ("en", "es", "pt", "ar", "he")


def texts(language: str) -> dict:
    code = language if language in LANGUAGES else "en"
    return import_module(f"content.gateway.offline_texts.{code}").TEXTS
