"""T19 for e-mail: a real Celery worker (prefork, acks_late,
reject_on_worker_lost, prefetch 1) on Redis sends a campaign over SMTP to a
slow local server; its child is SIGKILLed mid-send and the task redelivered.
Every recipient receives at most one message; what was in flight when the
worker died is never sent again, is failed by the reaper and given back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from billing.models import Charge
from crm.tests.factories import make_contact
from emails.models import EmailMessage
from emails.tests.conftest import balance
from emails.tests.smtp_sink import SmtpSink
from nexusone.tenancy import workspace_scope

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs a server database"),
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_killed_mid_send_never_sends_twice(shop, settings, tmp_path, monkeypatch):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL")
    from emails.services.campaigns import campaign_create
    from emails.services.dispatch import campaign_send
    from emails.tests.factories import BLOCKS

    for n in range(9):
        make_contact(shop.workspace, email=f"crash{n}@clientes.example", email_opt_in=True, tags=["otono"])
    sink = SmtpSink(delay=0.25).start()
    monkeypatch.setattr("emails.tasks.enqueue", lambda task, **kwargs: None)  # only the real worker sends
    before = balance(shop.workspace)
    with workspace_scope(shop.workspace):
        campaign = campaign_create(
            workspace=shop.workspace,
            data={"name": "Crash", "subject": "Hola", "sender_id": shop.sender.pk, "body": BLOCKS,
                  "audience": {"segment_id": shop.segment.pk}, "language": "es"},
        )  # fmt: skip
        campaign = campaign_send(campaign=campaign)
    ids = list(EmailMessage.unscoped.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 12 and balance(shop.workspace) == before - 1

    base = redis_url.rsplit("/", 1)[0]
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nexusone.settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": f"{base}/0",
        "CELERY_BROKER_URL": f"{base}/10",
        "CACHE_URL": f"{base}/11",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": "30",
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "EMAIL_RATE_LIMIT_PER_SECOND": "0",
        "SITE_URL": settings.SITE_URL,
        "LOG_LEVEL": "WARNING",
    }
    import redis as redis_lib

    redis_lib.Redis.from_url(f"{base}/10").flushdb()
    log_path = tmp_path / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115 — closed in the finally below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "nexusone", "worker", "-Q", "em-t19", "--concurrency", "1",
         "--prefetch-multiplier", "1", "-O", "fair", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-l", "WARNING"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        from celery import current_app

        from emails.tasks import chunk_send_task

        current_app.conf.task_always_eager = False
        with current_app.connection_for_write(f"{base}/10") as conn:
            chunk_send_task.apply_async(
                kwargs={"workspace_id": shop.workspace.pk, "campaign_id": campaign.pk, "first_id": ids[0],
                        "last_id": ids[-1]},
                queue="em-t19", connection=conn, ignore_result=True,
            )  # fmt: skip
        deadline = time.time() + 40
        while sink.count < 4 and time.time() < deadline:
            time.sleep(0.05)
        assert sink.count >= 4, log_path.read_text()[-3000:]
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
        assert children, "the prefork child is not running"
        os.kill(int(children[0]), signal.SIGKILL)  # the child dies in the middle of a group
        queued = EmailMessage.unscoped.filter(campaign=campaign, status="queued")
        deadline = time.time() + 40
        while queued.exists() and time.time() < deadline:
            time.sleep(0.1)
        assert not queued.exists(), log_path.read_text()[-3000:]
    finally:
        current_app.conf.task_always_eager = True
        worker.send_signal(signal.SIGTERM)
        log.close()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        sink.stop()
    assert "WorkerLostError" in log_path.read_text()  # the kill really hit a running task
    assert max(sink.per_recipient.values()) == 1  # nobody got a message twice

    messages = EmailMessage.unscoped.filter(campaign=campaign)
    in_flight = set(messages.filter(status="sending").values_list("to_email", flat=True))
    assert in_flight  # the kill left a group in flight: never re-sent
    settings.EMAIL_SENDING_STALE_SECONDS = 0
    from emails.tasks import workspace_maintenance_task

    workspace_maintenance_task.apply(kwargs={"workspace_id": shop.workspace.pk})
    assert not messages.filter(status__in=["queued", "sending"]).exists()
    sent = set(messages.filter(status="sent").values_list("to_email", flat=True))
    failed = messages.filter(status="failed")
    assert set(failed.values_list("error__reason", flat=True)) == {"unknown_outcome"}
    assert sent | set(failed.values_list("to_email", flat=True)) == set(messages.values_list("to_email", flat=True))
    assert sent <= set(sink.per_recipient)  # recorded as sent ⇒ really received
    campaign.refresh_from_db()
    assert campaign.status == "sent" and campaign.count_sent + campaign.count_failed == 12
    assert Charge.unscoped.filter(workspace=shop.workspace, module="email_send", status="reserved").count() == 0
