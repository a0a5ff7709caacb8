"""Codes are stored, labels are shown: every audit action written anywhere in
the code has a label, and the labels come out in the reader's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from nexusone.audit import ACTION_LABELS, AuditEntry

ROOT = Path(settings.BASE_DIR)
ACTION_LITERAL = re.compile(r"""action=["']([a-z_]+\.[a-z_]+\.[a-z_]+)["']""")
SKIP_PARTS = {".venv", "tests", "bench", "node_modules", "staticfiles"}


def _actions_in_the_code() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if SKIP_PARTS & set(path.relative_to(ROOT).parts):
            continue
        found |= set(ACTION_LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_audit_action_in_the_code_has_a_label():
    actions = _actions_in_the_code()
    assert len(actions) >= 50  # the scan really reads the services
    assert sorted(actions - set(ACTION_LABELS)) == []


@pytest.mark.parametrize(
    ("action", "language", "expected"),
    [
        ("billing.plan.changed", "ar", "تم تغيير الخطة"),
        ("billing.plan.changed", "he", "התוכנית שונתה"),
        ("webhooks.endpoint.created", "es", "Endpoint de webhook creado"),
    ],
)
def test_audit_labels_are_shown_in_the_readers_language(action, language, expected):
    entry = AuditEntry(action=action, actor_type=AuditEntry.ActorType.SYSTEM)
    with translation.override(language):
        assert entry.action_label == expected
        assert entry.actor_label != "system"


def test_whatsapp_template_categories_and_rejections_are_translated():
    from whatsapp.models import MessageTemplate as Template

    template = Template(category="MARKETING", rejected_reason="INVALID_FORMAT")
    with translation.override("pt"):
        assert template.category_label == "Marketing"
        assert template.rejected_reason_label == "Formato inválido"
    with translation.override("he"):
        assert template.category_label == "שיווק"
    assert Template(category="NEW_KIND").category_label == "NEW_KIND"  # an unknown code is shown as sent
    assert Template(rejected_reason="NONE").rejected_reason_label == ""


def test_a_label_translated_eagerly_at_import_is_still_shown_in_the_readers_language(monkeypatch):
    monkeypatch.setitem(ACTION_LABELS, "tests.thing.changed", "Plan changed")  # gettext() ran at import, in English
    with translation.override("he"):
        assert AuditEntry(action="tests.thing.changed").action_label == "התוכנית שונתה"


# Internal states never shown to a workspace (staff tools) and brand names.
UNTRANSLATED_CHOICES = {
    ("platform.AuditEntry", "actor_type"),  # shown through ACTOR_LABELS
    ("platform.IdempotencyRecord", "state"),
    ("billing.StripeEvent", "status"),
    ("integrations.Connection", "provider"),
    ("integrations.OAuthState", "provider"),
}


def test_every_status_and_choice_of_our_models_has_a_translatable_label():
    from django.apps import apps
    from django.utils.functional import Promise

    ours = {path.name for path in ROOT.iterdir() if (path / "apps.py").exists()}
    eager = []
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in ours:
            continue
        for field in model._meta.get_fields():
            choices = getattr(field, "choices", None) or ()
            if (model._meta.label, field.name) in UNTRANSLATED_CHOICES:
                continue
            eager += [
                (model._meta.label, field.name, label) for _value, label in choices if not isinstance(label, Promise)
            ]
    assert eager == []
