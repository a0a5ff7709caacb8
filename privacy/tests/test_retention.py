"""Retention: bounded, idempotent batches with per-workspace periods."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import MetricRollup, UsageEvent
from analytics.tests.factories import rollup, usage_event
from nexusone.audit import AuditEntry
from privacy import retention
from privacy.models import RetentionPolicy
from whatsapp.models import Message
from whatsapp.tests.factories import make_conversation

pytestmark = pytest.mark.django_db


def _old_message(workspace, days: int) -> Message:
    conversation = make_conversation(workspace)
    message = Message.unscoped.create(
        workspace=workspace, conversation=conversation, direction=Message.Direction.INBOUND,
        from_number="+14155550100", body="private words", payload={"text": "private words"}, status="received",
    )  # fmt: skip
    Message.unscoped.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=days))
    return message


def test_defaults_and_custom_periods_in_bounded_idempotent_batches(world, monkeypatch):
    a, b = world["A"], world["B"]
    now = timezone.now()
    for ws in (a.workspace, b.workspace):
        for days in (10, 200, 500):
            usage_event(ws, at=now - timedelta(days=days))
        rollup(ws, hour=(now - timedelta(days=500)).replace(minute=0, second=0, microsecond=0))
    old_a, old_b = _old_message(a.workspace, 400), _old_message(b.workspace, 400)
    # A keeps raw usage 180 days and message bodies 3 years; B has the defaults.
    RetentionPolicy.unscoped.create(workspace=a.workspace, usage_events_days=180, whatsapp_bodies_days=1095)
    monkeypatch.setattr(retention, "BATCH", 1)
    totals = retention.run()
    assert totals == {"usage_events": 2, "whatsapp_bodies": 1}  # one per group and rule per run
    retention.run()
    assert retention.run() == {}  # nothing left: idempotent
    assert UsageEvent.unscoped.filter(workspace=a.workspace).count() == 1  # 10 days
    assert UsageEvent.unscoped.filter(workspace=b.workspace).count() == 2  # 10 and 200 days (13 months)
    assert MetricRollup.unscoped.count() == 2  # rollups outlive raw events
    old_a.refresh_from_db()
    old_b.refresh_from_db()
    assert old_a.body == "private words"
    assert (old_b.body, old_b.payload) == ("", None)
    entry = AuditEntry.objects.filter(action="privacy.retention.applied", workspace=b.workspace).first()
    assert entry is not None and entry.metadata["counts"]


def test_retention_settings_api(world):
    a = world["A"]
    client = a.client("admin")
    assert client.get("/api/v1/workspace/retention").json()["usage_events_days"] == 395
    bad = client.patch("/api/v1/workspace/retention", {"webhook_logs_days": 0}, format="json")
    assert bad.status_code == 400
    ok = client.patch("/api/v1/workspace/retention", {"webhook_logs_days": 14}, format="json")
    assert ok.status_code == 200 and ok.json()["webhook_logs_days"] == 14
    assert (
        a.client("member").patch("/api/v1/workspace/retention", {"webhook_logs_days": 20}, format="json").status_code
        == 403
    )
