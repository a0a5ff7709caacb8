"""A web worker's boot (issue 19, cold start): the web entry points leave
django-celery-beat out of INSTALLED_APPS, so Celery is not imported until a
request enqueues a task. Measured in docs/PERFORMANCE.md ("Cold start")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys, nexusone.wsgi; from django.conf import settings; "
    "print('django_celery_beat' in settings.INSTALLED_APPS, 'celery' in sys.modules)"
)


def test_a_web_worker_boots_without_celery():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "NEXUSONE_PROCESS")}
    env["DEBUG"] = "1"
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert probe.stdout.split()[-2:] == ["False", "False"]


def test_other_processes_keep_every_app():
    from django.conf import settings

    assert "django_celery_beat" in settings.INSTALLED_APPS  # the tests, manage.py, the worker and beat
