"""Five languages: every message really translated and compiled, catalogs
current with the code, right-to-left markup for Arabic and Hebrew, and CSS
written with logical properties so layouts mirror."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(settings.BASE_DIR)
TRANSLATED = ["es", "pt", "ar", "he"]
# Words that are the same in every language (product and technical names).
SAME_EVERYWHERE = {
    "NexusOne",
    "WhatsApp",
    "API",
    "CRM",
    "CSV",
    "JSON",
    "Stripe",
    "OpenAI",
    "Cloud API",
    "Plan",
    "E.164",
    "Email",
    "Api-Key",
    "Total",
    "Normal",
}


# Loanwords that a language really uses unchanged.
LOANWORDS = {
    "pt": {"E-mail", "e-mail", "Lead", "Marketing"},
    "es": {"Audio", "Marketing", "Asia", "Australia"},
    "ar": set(),
    "he": set(),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{\s*\w+\s*\}\}|\{\w+\}|<[^>]+>")


def _has_words(msgid: str) -> bool:
    """False for strings made only of placeholders and punctuation (e.g. "%(ms)s ms")."""
    return any(len(word) > 3 for word in re.findall(r"[^\W\d_]+", PLACEHOLDER.sub(" ", msgid)))


def _catalog(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language):
    catalog = _catalog(language)
    assert len(catalog) >= 100
    problems = []
    for entry in catalog:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(("fuzzy", entry.msgid))
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not all(t.strip() for t in translations):
            problems.append(("empty", entry.msgid))
        elif (
            entry.msgstr == entry.msgid
            and _has_words(entry.msgid)
            and entry.msgid not in SAME_EVERYWHERE | LOANWORDS[language]
        ):
            problems.append(("english copy", entry.msgid))
        placeholders = set(re.findall(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}", entry.msgid))
        for translation in translations:
            if placeholders != set(re.findall(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}", translation)):
                problems.append(("placeholders", entry.msgid))
    assert problems == []


@pytest.mark.parametrize("language", ["ar", "he"])
def test_rtl_translations_are_in_their_script(language):
    script = {"ar": ("\u0600", "\u06ff"), "he": ("\u0590", "\u05ff")}[language]
    catalog = _catalog(language)
    in_script = [e for e in catalog if any(script[0] <= ch <= script[1] for ch in e.msgstr)]
    assert len(in_script) >= 0.9 * len([e for e in catalog if e.msgid not in SAME_EVERYWHERE])


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalogs_match_their_sources(language):
    directory = ROOT / "locale" / language / "LC_MESSAGES"
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(directory / "django.mo"))}
    for entry in polib.pofile(str(directory / "django.po")).translated_entries():
        if entry.msgid_plural:
            continue
        assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, f"{language}: recompile ({entry.msgid!r})"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is needed to extract messages")
def test_catalogs_contain_every_message_in_the_code(tmp_path):
    """Extract into a copy of the sources: a msgid missing from the committed
    catalogs means someone forgot `make messages`."""
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(".venv", "staticfiles", "media", "*.pyc", "__pycache__", ".git", "node_modules")
    shutil.copytree(ROOT, copy, ignore=ignore)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "es",
            "--ignore=bench",
            "--ignore=*/tests/*",
            "--no-obsolete",
            "-v",
            "0",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        timeout=120,
    )
    extracted = {e.msgid for e in polib.pofile(str(copy / "locale/es/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in _catalog("es")}
    assert sorted(extracted - committed) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "direction"), [("en", "ltr"), ("es", "ltr"), ("pt", "ltr"), ("ar", "rtl"), ("he", "rtl")]
)
def test_pages_declare_language_and_direction(language, direction):
    for path in ("", "accounts/login/", "accounts/signup/"):
        html = Client().get(f"/{language}/{path}").content.decode()
        assert f'<html lang="{language}" dir="{direction}">' in html, path
        assert 'id="language-select"' in html  # the switcher is on every page


def test_stylesheet_uses_logical_properties_only():
    css = (ROOT / "static" / "css" / "app.css").read_text()
    physical = re.findall(
        r"(?:margin|padding|border)-(?:left|right)|(?<![-\w])(?:left|right)\s*:|text-align:\s*(?:left|right)|"
        r"float:\s*(?:left|right)",
        css,
    )
    assert physical == []
