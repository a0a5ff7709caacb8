"""Celery app. Broker from CELERY_BROKER_URL (Redis in production; the
embedded default is in-process and eager). Beat uses the database scheduler."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")

app = Celery("nexusone")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
