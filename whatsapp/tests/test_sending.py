"""T18/T19 — one provider call per message whatever happens: tasks run
twice, a worker dies mid-call, an answer is lost, the broker is down; and the
per-number rate limit holds across workers."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from django.db import connection, transaction
from django.utils import timezone

from nexusone.tenancy import workspace_scope
from whatsapp.models import Broadcast, Message, SendBatch
from whatsapp.ratelimit import NumberRateLimiter
from whatsapp.services.broadcasts import broadcast_create, broadcast_dispatch
from whatsapp.services.sending import batch_send
from whatsapp.tasks import whatsapp_tick, workspace_maintenance_task
from whatsapp.tests.conftest import TOKEN, balance, give_credits, post_webhook, status, status_payload
from whatsapp.tests.factories import make_account

TEMPLATE = {"type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}}}
RECIPIENTS = [f"+1415555{i:04d}" for i in range(2671, 2678)]  # 7 → batches of 3, 3, 1


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside the task: nothing after it runs."""


def _create_held(tenant, account, django_capture_on_commit_callbacks, recipients=RECIPIENTS):
    """A broadcast whose tasks are held back (not run)."""
    with workspace_scope(tenant.workspace), django_capture_on_commit_callbacks(execute=False):
        created = broadcast_create(
            workspace=tenant.workspace, user=tenant.users["member"], account=account, message=TEMPLATE,
            recipients=recipients,
        )  # fmt: skip
        broadcast_dispatch(broadcast_id=created.broadcast.pk)
    return created.broadcast


def _batches(broadcast):
    return list(SendBatch.unscoped.filter(broadcast=broadcast).order_by("index").values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_batch_run_twice_or_redelivered_sends_each_message_once(world, cloud_api, django_capture_on_commit_callbacks):
    tenant = world["A"]
    give_credits(tenant.workspace, 1000)
    account = make_account(tenant.workspace, access_token=TOKEN)
    broadcast = _create_held(tenant, account, django_capture_on_commit_callbacks)
    with workspace_scope(tenant.workspace), django_capture_on_commit_callbacks(execute=True):
        for batch_id in _batches(broadcast) * 3:  # every task delivered three times
            batch_send(batch_id=batch_id)
    assert len(cloud_api.sent) == 7
    assert max(Counter(cloud_api.sent_to()).values()) == 1
    assert Broadcast.unscoped.get(pk=broadcast.pk).status == Broadcast.Status.COMPLETED


@pytest.mark.django_db
def test_a_worker_killed_mid_group_never_sends_twice(
    world, cloud_api, django_capture_on_commit_callbacks, time_machine, monkeypatch
):
    """The process dies (SIGKILL: no `finally` runs) during the second call of
    a group of three claimed messages: the first went out but was not recorded,
    the second and third never left. The redelivered task skips all three; a
    status webhook settles the first; the reaper fails and refunds the others."""
    from django.test import Client

    from whatsapp.services import sending

    tenant = world["A"]
    give_credits(tenant.workspace, 1000)
    before = balance(tenant.workspace)
    account = make_account(tenant.workspace, access_token=TOKEN)
    broadcast = _create_held(tenant, account, django_capture_on_commit_callbacks)
    calls = {"n": 0}
    original = cloud_api._send
    dead = {"yes": False}

    def dies_on_the_second_call(request):
        calls["n"] += 1
        if calls["n"] == 2:
            dead["yes"] = True
            raise WorkerKilled
        return original(request)

    real_record, real_release = sending._record_sent, sending._release
    monkeypatch.setattr(sending, "_record_sent", lambda *a, **k: None if dead["yes"] else real_record(*a, **k))
    monkeypatch.setattr(sending, "_release", lambda *a, **k: None if dead["yes"] else real_release(*a, **k))
    cloud_api.router.routes[0].side_effect = dies_on_the_second_call
    first_batch, *others = _batches(broadcast)
    with workspace_scope(tenant.workspace), pytest.raises(WorkerKilled):
        batch_send(batch_id=first_batch)
    dead["yes"] = False
    cloud_api.router.routes[0].side_effect = original
    stuck = list(Message.unscoped.filter(status=Message.Status.SENDING).order_by("pk"))
    assert [m.to for m in stuck] == ["+14155552671", "+14155552672", "+14155552673"]
    assert cloud_api.sent_to() == ["14155552671"]  # only the first left before the death
    # The broker redelivers the task (acks_late + reject_on_worker_lost), other workers run the rest.
    with workspace_scope(tenant.workspace), django_capture_on_commit_callbacks(execute=True):
        for batch_id in [first_batch, *others]:
            batch_send(batch_id=batch_id)
    assert max(Counter(cloud_api.sent_to()).values()) == 1  # nobody got a message twice
    assert len(cloud_api.sent) == 5  # the four of the other batches, plus the first one
    # Meta reports the one that went out (matched by its callback data) …
    sent = status("wamid.HBgL000000000001", "sent", biz_opaque_callback_data=f"nx:{stuck[0].pk}")
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(Client(), status_payload(account.phone_number_id, [sent]))
    # … and after the stale window the reaper fails and refunds the two that never left.
    time_machine.move_to(timezone.now() + timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        workspace_maintenance_task.delay(workspace_id=tenant.workspace.pk)
    outcome = {m.to: (m.status, m.refund_state) for m in Message.unscoped.filter(pk__in=[m.pk for m in stuck])}
    assert outcome == {"+14155552671": ("sent", ""), "+14155552672": ("failed", "refunded"),
                       "+14155552673": ("failed", "refunded")}  # fmt: skip
    assert Broadcast.unscoped.get(pk=broadcast.pk).status == Broadcast.Status.COMPLETED
    assert balance(tenant.workspace) == before - 5 * 5  # five sent, two refunded


@pytest.mark.django_db
def test_a_lost_answer_is_not_retried_and_a_later_status_settles_it(
    world, cloud_api, django_capture_on_commit_callbacks
):
    tenant = world["A"]
    give_credits(tenant.workspace, 1000)
    account = make_account(tenant.workspace, access_token=TOKEN)
    broadcast = _create_held(tenant, account, django_capture_on_commit_callbacks, recipients=["+14155552671"])
    original = cloud_api._send
    seen = []

    def times_out_after_sending(request):
        seen.append(request)
        original(request)  # Meta accepted it …
        raise httpx.ReadTimeout("timed out", request=request)  # … but the answer never came back

    cloud_api.router.routes[0].side_effect = times_out_after_sending
    with workspace_scope(tenant.workspace), django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            batch_send(batch_id=_batches(broadcast)[0])
    assert len(seen) == 1
    message = Message.unscoped.get(broadcast=broadcast)
    assert (message.status, message.error_reason) == ("sending", "unknown_outcome")
    from django.test import Client

    delivered = status("wamid.meta-knows-it", "delivered", biz_opaque_callback_data=f"nx:{message.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(Client(), status_payload(account.phone_number_id, [delivered]))
    message.refresh_from_db()
    assert (message.status, message.wamid) == ("delivered", "wamid.meta-knows-it")


@pytest.mark.django_db
def test_a_rolled_back_creation_enqueues_nothing(world, cloud_api, django_capture_on_commit_callbacks):
    tenant = world["A"]
    give_credits(tenant.workspace, 1000)
    before = balance(tenant.workspace)
    account = make_account(tenant.workspace, access_token=TOKEN)
    with (
        workspace_scope(tenant.workspace),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        broadcast_create(workspace=tenant.workspace, user=None, account=account, message=TEMPLATE,
                         recipients=["+14155552671"])  # fmt: skip
        raise RuntimeError("the surrounding request failed")
    assert callbacks == [] and cloud_api.sent == []
    assert Broadcast.unscoped.count() == 0 and balance(tenant.workspace) == before


@pytest.mark.django_db
def test_broker_down_at_creation_then_the_relay_sends_exactly_once(
    world, cloud_api, django_capture_on_commit_callbacks, monkeypatch, time_machine
):
    tenant = world["A"]
    give_credits(tenant.workspace, 1000)
    account = make_account(tenant.workspace, access_token=TOKEN)
    from celery.app.task import Task
    from kombu.exceptions import OperationalError

    def broker_down(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = tenant.client("member").post(
            "/api/v1/whatsapp/broadcasts/",
            {"whatsapp_account_id": account.pk, "message": TEMPLATE, "recipients": RECIPIENTS},
            format="json",
            HTTP_IDEMPOTENCY_KEY="outage",
        )
    assert response.status_code == 201  # the request is not failed by the outage
    assert cloud_api.sent == []
    monkeypatch.undo()  # the broker is back
    time_machine.move_to(timezone.now() + timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        whatsapp_tick.delay()
        whatsapp_tick.delay()  # a second tick finds nothing left to do
    assert sorted(cloud_api.sent_to()) == sorted(r.lstrip("+") for r in RECIPIENTS)
    assert Broadcast.unscoped.get().status == Broadcast.Status.COMPLETED


# --- rate limit ------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 1_800_000_000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


@pytest.mark.django_db
def test_two_workers_share_the_per_number_rate(settings):
    """Two limiter instances (as two worker processes would have) on one
    number, asking greedily: never more than the limit in any second."""
    clock = FakeClock()
    workers = [NumberRateLimiter("106540352242922", 80, clock=clock, sleep=clock.sleep) for _ in range(2)]
    granted: Counter = Counter()
    end = clock.now + 5
    while clock.now < end:
        for worker in workers:
            tokens = worker.acquire(7)
            granted[int(clock.now)] += tokens
    assert max(granted.values()) == 80  # the budget is used …
    assert all(count <= 80 for count in granted.values())  # … and never exceeded in any clock second
    # another number has its own budget
    other = NumberRateLimiter("999", 80, clock=clock, sleep=clock.sleep)
    assert other.acquire(8) == 8  # one 100 ms slot of 80/s


@pytest.mark.django_db
def test_the_limit_holds_between_real_threads():
    """Real threads and the real cache (Redis under the PostgreSQL run)."""
    limit = 15
    grants: Counter = Counter()
    lock = threading.Lock()
    stop_at = time.time() + 1.6

    def worker():
        limiter = NumberRateLimiter("106540352242923", limit)
        while time.time() < stop_at:
            got, _wait = limiter.try_acquire(1)
            if got:
                with lock:
                    grants[int(time.time())] += got
            else:
                time.sleep(0.005)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # ≤ the rate per clock second, plus at most one 100 ms slot (2 tokens here) for a grant
    # stamped just after the boundary it was made before
    assert grants and max(grants.values()) <= limit + 2
    assert sum(grants.values()) >= limit


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent workers need a server database"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_worker_threads_on_one_number_stay_within_the_rate(world, settings, monkeypatch):
    """Two workers send two batches of one broadcast at the same time through
    the real HTTP client to a local double: per clock second, the double never
    sees more than the number's limit, and every message arrives once."""
    from whatsapp.tests.graph_double import GraphDouble

    settings.WHATSAPP_BATCH_SIZE = 15
    settings.WHATSAPP_RATE_LIMIT_PER_SECOND = 10
    double = GraphDouble().start()
    settings.WHATSAPP_GRAPH_URL = double.base_url
    arrivals: list[float] = []
    original_route = double._route

    async def timed_route(method, path, body):
        if path.endswith("/messages"):
            arrivals.append(time.time())
        return await original_route(method, path, body)

    double._route = timed_route
    monkeypatch.setattr("whatsapp.tasks.enqueue", lambda task, **kwargs: None)  # the workers below do the sending
    tenant = world["A"]
    give_credits(tenant.workspace, 1000)
    account = make_account(tenant.workspace, access_token=TOKEN)
    with workspace_scope(tenant.workspace):
        created = broadcast_create(workspace=tenant.workspace, user=None, account=account, message=TEMPLATE,
                                   recipients=[f"+1415555{i:04d}" for i in range(3000, 3030)])  # fmt: skip
        broadcast_dispatch(broadcast_id=created.broadcast.pk)
    batch_ids = _batches(created.broadcast)
    assert len(batch_ids) == 2

    def worker(batch_id):
        with workspace_scope(tenant.workspace):
            batch_send(batch_id=batch_id)
        connection.close()

    threads = [threading.Thread(target=worker, args=(batch_id,)) for batch_id in batch_ids]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - started
    double.stop()
    per_second = Counter(int(t) for t in arrivals)
    assert double.total == 30 and double.stats()["max_per_recipient"] == 1
    # Grant-to-arrival jitter can carry one 100 ms slot (1 token at 10/s) across a second's boundary.
    assert max(per_second.values()) <= 10 + 1, per_second
    assert len(per_second) >= 3 and elapsed >= 1.0  # 30 messages at 10/s need at least three windows


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_t19_real_worker_killed_mid_batch(world, settings, tmp_path, monkeypatch):
    """A real Celery worker (prefork, acks_late, reject_on_worker_lost,
    prefetch 1) against Redis, sending through the real client to a slow local
    double. Its child is SIGKILLed mid-batch; the task is redelivered. Every
    message gets at most one provider request; after the stale window the lost
    one is failed and refunded, and the ledger equals cost × sent."""
    import signal
    import subprocess
    import sys

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL")
    from whatsapp.tests.graph_double import GraphDouble

    double = GraphDouble(delay=0.25).start()
    settings.WHATSAPP_GRAPH_URL = double.base_url
    settings.WHATSAPP_BATCH_SIZE = 12
    monkeypatch.setattr("whatsapp.tasks.enqueue", lambda task, **kwargs: None)  # only the real worker sends
    tenant = world["A"]
    give_credits(tenant.workspace, 1000)
    before = balance(tenant.workspace)
    account = make_account(tenant.workspace, access_token=TOKEN)
    with workspace_scope(tenant.workspace):
        created = broadcast_create(workspace=tenant.workspace, user=None, account=account, message=TEMPLATE,
                                   recipients=[f"+1415555{i:04d}" for i in range(4000, 4012)])  # fmt: skip
        Broadcast.objects.filter(pk=created.broadcast.pk).update(status=Broadcast.Status.SENDING)
    batch_id = _batches(created.broadcast)[0]

    base = redis_url.rsplit("/", 1)[0]
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nexusone.settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": f"{base}/0",
        "CELERY_BROKER_URL": f"{base}/12",
        "CACHE_URL": f"{base}/13",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": "30",
        "WHATSAPP_GRAPH_URL": double.base_url,
        "WHATSAPP_SEND_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
    }
    import redis as redis_lib

    redis_lib.Redis.from_url(f"{base}/12").flushdb()
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 — closed in the finally below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "nexusone", "worker", "-Q", "wa-t19", "--concurrency", "1",
         "--prefetch-multiplier", "1", "-O", "fair", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-l", "WARNING"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        from celery import current_app

        from whatsapp.tasks import batch_send_task

        current_app.conf.task_always_eager = False  # publish to Redis, not in-process (restored below)
        with current_app.connection_for_write(f"{base}/12") as conn:
            batch_send_task.apply_async(
                kwargs={"workspace_id": tenant.workspace.pk, "batch_id": batch_id}, queue="wa-t19",
                connection=conn, ignore_result=True,
            )  # fmt: skip
        deadline = time.time() + 90  # a loaded CI machine starts Celery slowly
        while double.total < 4 and time.time() < deadline:
            time.sleep(0.05)
        assert double.total >= 4, (tmp_path / "worker.log").read_text()[-2000:]
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
        assert children, "the prefork child is not running"
        os.kill(int(children[0]), signal.SIGKILL)  # the child dies mid-call
        done = lambda: not Message.unscoped.filter(batch_id=batch_id, status__in=["queued"]).exists()  # noqa: E731
        deadline = time.time() + 90  # a loaded CI machine starts Celery slowly
        while not done() and time.time() < deadline:
            time.sleep(0.1)
        assert done(), (tmp_path / "worker.log").read_text()[-2000:]
    finally:
        current_app.conf.task_always_eager = True
        worker.send_signal(signal.SIGTERM)
        log.close()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
        double.stop()
    stats = double.stats()
    assert "WorkerLostError" in (tmp_path / "worker.log").read_text()  # the kill really hit a running task
    assert stats["max_per_callback"] == 1 and stats["max_per_recipient"] == 1  # never twice
    # Messages of the killed group stay `sending` (never re-sent). Meta reports the ones it
    # received (their callback data echoed in status webhooks); the reaper fails the rest.
    from django.test import Client

    received = {int(callback.removeprefix("nx:")) for callback in stats["callbacks"]}
    messages = Message.unscoped.filter(batch_id=batch_id)
    assert messages.filter(status="sending").exists()  # the kill left some in flight
    rows = [status(f"wamid.meta.{pk}", "sent", biz_opaque_callback_data=f"nx:{pk}") for pk in sorted(received)]
    monkeypatch.setattr("whatsapp.tasks.enqueue", lambda task, **kwargs: task.apply(kwargs=kwargs))
    post_webhook(Client(), status_payload(account.phone_number_id, rows))
    settings.WHATSAPP_SENDING_STALE_SECONDS = 0
    workspace_maintenance_task.apply(kwargs={"workspace_id": tenant.workspace.pk})
    assert not messages.filter(status__in=["queued", "sending"]).exists()
    assert set(messages.filter(status="sent").values_list("pk", flat=True)) == received
    failed = messages.filter(status="failed")
    assert set(failed.values_list("refund_state", flat=True)) <= {"refunded"}
    assert len(received) + failed.count() == 12
    assert balance(tenant.workspace) == before - 5 * len(received)  # cost × messages Meta accepted
