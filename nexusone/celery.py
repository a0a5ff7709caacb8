"""Celery app. Broker from CELERY_BROKER_URL (Redis in production; the
embedded default is in-process and eager). Beat uses the database scheduler."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")
if not settings.configured:
    # The worker and beat run with every app (beat's scheduler, dj-stripe), even in an environment
    # meant for the web process (settings: WEB_PROCESS). A web process imports this module at its
    # first enqueue, its settings loaded already: nothing changes there.
    os.environ.pop("NEXUSONE_PROCESS", None)

app = Celery("nexusone")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _fail_fast(**kwargs) -> None:
    """A worker or beat with a broken production configuration does not start."""
    from nexusone.checks import fail_fast

    fail_fast()
