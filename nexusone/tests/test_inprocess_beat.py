"""`make run`'s in-process scheduler: every CELERY_BEAT_SCHEDULE entry is a
registered task, each runs at start and then on its period, a failing job
does not stop the others, and a stale hold settles through the real task —
and the usage page lists held credits the ledger already shows."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from billing.charging import charge_reserve
from billing.models import Charge
from billing.tests.factories import account
from nexusone.inprocess_beat import InProcessBeat, resolve_task


def test_every_scheduled_job_is_a_registered_task():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert resolve_task(entry["task"]).name == entry["task"], name


def test_jobs_run_at_start_then_on_their_period_and_a_failure_does_not_stop_the_rest():
    ran = []

    def runner(task):
        ran.append(task)
        if task == "boom":
            raise RuntimeError("job failed")

    beat = InProcessBeat({"a": {"task": "a", "schedule": 60}, "b": {"task": "boom", "schedule": 300}}, runner=runner)
    assert beat.tick(1000.0) == ["a", "b"]
    assert beat.tick(1030.0) == [] and beat.seconds_to_next(1030.0) == 30.0
    assert beat.tick(1060.0) == ["a"]
    assert beat.tick(1300.0) == ["a", "b"] and ran == ["a", "boom", "a", "a", "boom"]


@pytest.mark.django_db
def test_a_stale_hold_is_released_by_the_in_process_job(world):
    workspace = world["A"].workspace
    account(workspace, plan_credits=100)
    charge_id = charge_reserve(workspace=workspace, module="content", idempotency_key="hold-1", hold_seconds=60)
    page = Client()
    page.force_login(world["A"].users["owner"])
    html = page.get(f"/en/w/{workspace.slug}/usage/").content.decode()
    assert "5 credits held now" in html and 'id="held"' in html  # the ledger's debit, shown as held
    entry = settings.CELERY_BEAT_SCHEDULE["billing-release-stale-charges"]
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2), tick=False):
        InProcessBeat({"release": entry}).tick(0.0)
    assert Charge.unscoped.get(pk=charge_id).status == Charge.Status.REFUNDED
    assert 'id="held"' not in page.get(f"/en/w/{workspace.slug}/usage/").content.decode()
