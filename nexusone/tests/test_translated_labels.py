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
