"""Every page in every language: walk the workspace's pages (and the public
and account pages) as its owner in es, pt, ar and he, and fail on any text
that is still an English msgid of the project's own catalog — a label
evaluated at import time, a string never passed through gettext at render,
a code shown instead of its label."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

from nexusone.audit import ACTION_LABELS, AuditEntry
from nexusone.tests import pagewalk
from nexusone.tests.test_i18n import LOANWORDS, SAME_EVERYWHERE
from nexusone.tests.test_permissions import _seed

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
# Attributes a reader sees or hears.
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
# Elements whose text is data or machine text, not interface.
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "textarea", "option"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{\s*\w+\s*\}\}|\{\w+\}")
PUBLIC_PAGES = ("", "accounts/login/", "accounts/signup/", "accounts/password/reset/")


@cache
def english_msgids(language: str) -> frozenset[str]:
    """The msgids that this language translates to something else."""
    catalog = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    return frozenset(
        entry.msgid
        for entry in catalog
        if not entry.obsolete
        and not entry.msgid_plural
        and entry.msgstr
        and entry.msgstr != entry.msgid
        and not PLACEHOLDER.search(entry.msgid)
        and entry.msgid not in SAME_EVERYWHERE | LOANWORDS[language]
        and re.search(r"[^\W\d_]{4,}", entry.msgid)
    )


class _ShownText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.lang = ""
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang") or ""
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag in SKIPPED_ELEMENTS or attrs.get("translate") == "no":
            self._skipping.append(tag)

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.texts.append(data)


def untranslated(html: str, language: str) -> set[str]:
    parser = _ShownText()
    parser.feed(html)
    if parser.lang != language:
        return set()  # a page in its own content's language (a landing page's preview)
    msgids = english_msgids(language)
    found = set()
    for text in parser.texts:
        text = " ".join(text.split())
        for candidate in (text, text.rstrip(":.· ")):
            if candidate in msgids:
                found.add(candidate)
    return found


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("language", ["es", "pt", "ar", "he"])
def test_every_page_is_in_the_readers_language(world, language):
    tenant = world["A"]
    _seed(tenant)
    for action in ACTION_LABELS:  # the dashboard's activity and the audit log show every label
        AuditEntry.unscoped.create(workspace=tenant.workspace, action=action, actor_type=AuditEntry.ActorType.SYSTEM)
    problems: dict[str, set[str]] = {}

    anonymous = Client()
    for path in PUBLIC_PAGES:
        response = anonymous.get(f"/{language}/{path}")
        assert response.status_code == 200, path
        if found := untranslated(response.content.decode(), language):
            problems[f"/{language}/{path}"] = found

    owner = Client()
    owner.force_login(tenant.users["owner"])
    prefix = f"/{language}/w/{tenant.workspace.slug}/"
    _pages, _forms = pagewalk.crawl(owner, prefix, prefix, html_seen=(seen := {}))
    assert len(seen) >= 60, len(seen)
    for path, html in seen.items():
        if found := untranslated(html, language):
            problems[path] = found
    assert problems == {}, "\n".join(f"{p}: {sorted(f)}" for p, f in sorted(problems.items()))
