"""WhatsApp fan-out: a 100,000-recipient broadcast through the real Cloud API
client against a local HTTP double of the Graph API.

Measures, in one run:
1. the double's own capacity (a tight keep-alive httpx loop, 1 and N threads,
   no database) — the ceiling any sender can reach on this machine;
2. time to accept the broadcast: the API POST (JSON parse, validation,
   normalising 100,000 numbers, dedupe, opt-outs, one charge per batch, COPY
   of the message rows), and the request process's peak RSS;
3. messages/s sent by ONE Celery worker process (`--pool solo`, sender threads
   inside the task, the per-number rate limit lifted), from the double's
   first to last request, and that worker's peak RSS (VmHWM) — at two sizes, to
   show memory stays flat in the recipient count.

Run (PostgreSQL and Redis on loopback; the database is dropped and recreated):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexusone_wa_bench \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/whatsapp_fanout.py [--recipients 100000]
The broker and cache use Redis databases 14 and 15 so no other worker can
take the bench's tasks. Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOUBLE_PORT = 18765
AREA_CODES = ["212", "305", "312", "415", "503", "617", "646", "702", "713", "818", "917", "972"]


def _env() -> dict:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL, see the docstring.")
    base = redis_url.rsplit("/", 1)[0]
    return {
        "DJANGO_SETTINGS_MODULE": "nexusone.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": f"{base}/14",
        "CACHE_URL": f"{base}/15",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "WHATSAPP_GRAPH_URL": f"http://127.0.0.1:{DOUBLE_PORT}/v21.0",
        "WHATSAPP_RATE_LIMIT_PER_SECOND": "1000000",  # lifted: measure the worker, not Meta's limit
        "WHATSAPP_MAX_RECIPIENTS": "200000",
        "DATA_UPLOAD_MAX_MEMORY_SIZE": str(8 * 1024 * 1024),
        "LOG_LEVEL": "WARNING",
    }


def recreate_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def numbers(count: int) -> list[str]:
    """Valid, distinct US numbers (555-01xx fictional range avoided)."""
    out = []
    for area in AREA_CODES:
        for line in range(1000, 10000):
            out.append(f"+1{area}555{line:04d}")
            if len(out) == count:
                return out
    raise ValueError("ask for at most 108,000 numbers")


def peak_rss_mb(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def double_capacity(requests: int, threads: int) -> float:
    import httpx

    client = httpx.Client(base_url=f"http://127.0.0.1:{DOUBLE_PORT}/v21.0", limits=httpx.Limits(max_connections=64))
    body = {"messaging_product": "whatsapp", "to": "14155550100", "type": "text", "text": {"body": "x"}}
    per_thread = requests // threads

    def run():
        for _ in range(per_thread):
            client.post("/106540352242922/messages", json=body, headers={"Authorization": "Bearer x"})

    workers = [threading.Thread(target=run) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    client.close()
    return per_thread * threads / elapsed


def double_stats() -> dict:
    import httpx

    return httpx.get(f"http://127.0.0.1:{DOUBLE_PORT}/_stats", timeout=10).json()


def double_reset() -> None:
    import httpx

    httpx.post(f"http://127.0.0.1:{DOUBLE_PORT}/_reset", timeout=10)


def setup_schema() -> None:
    """All tables straight from the models (as the test suite does): dj-stripe's
    migrations alone take ~90 s and are not what this measures."""
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)


def make_workspace(credits: int):
    from accounts.models import Membership, Role, User, Workspace
    from billing.services import credits_purchase, plans_ensure_defaults
    from nexusone.tenancy import workspace_scope
    from whatsapp.models import WhatsAppAccount

    plans_ensure_defaults()
    user = User.objects.create_user(email=f"bench{time.time_ns()}@example.test", password="x" * 16)
    workspace = Workspace.objects.create(name="Bench", slug=f"bench-{time.time_ns()}", owner=user)
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    credits_purchase(workspace=workspace, credits=credits, idempotency_key=f"bench-{workspace.pk}")
    with workspace_scope(workspace):
        account = WhatsAppAccount(
            waba_id="102290129340398",
            phone_number_id=f"1065403{workspace.pk:08d}",
            display_phone_number="+15550001111",
            access_token="EAAG-bench-token-0000",
            access_token_last4="0000",
        )
        account.save()
    return user, workspace, account


def accept(user, workspace, account, recipients: list[str]) -> tuple[float, int, dict]:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    body = json.dumps(
        {
            "whatsapp_account_id": account.pk,
            "message": {"type": "template", "template": {"name": "spring_sale", "language": {"code": "en_US"}}},
            "recipients": recipients,
        },
        separators=(",", ":"),
    )
    started = time.perf_counter()
    response = client.post(
        "/api/v1/whatsapp/broadcasts/", data=body, content_type="application/json",
        HTTP_X_WORKSPACE=str(workspace.pk), HTTP_IDEMPOTENCY_KEY=f"bench-{time.time_ns()}",
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if response.status_code != 201:
        sys.exit(f"accept failed: {response.status_code} {response.content[:500]!r}")
    return elapsed, len(body), response.json()


def wait_sent(broadcast_id: int, total: int, timeout: float) -> None:
    from whatsapp.models import Broadcast

    deadline = time.time() + timeout
    while time.time() < deadline:
        broadcast = Broadcast.unscoped.get(pk=broadcast_id)
        if broadcast.count_queued == 0 and broadcast.count_sent >= total:
            return
        time.sleep(0.5)
    sys.exit(f"timeout: {Broadcast.unscoped.get(pk=broadcast_id).counters()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="a second, smaller run for the memory comparison")
    parser.add_argument("--threads", type=int, default=8, help="WHATSAPP_SEND_CONCURRENCY in the worker")
    args = parser.parse_args()

    env = _env()
    os.environ.update(env)
    recreate_database(env["DATABASE_URL"])
    import redis

    for db in ("14", "15"):
        redis.Redis.from_url(env["REDIS_URL"].rsplit("/", 1)[0] + f"/{db}").flushdb()

    double = subprocess.Popen([sys.executable, "-m", "whatsapp.tests.graph_double", "--port", str(DOUBLE_PORT)],
                              cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
    worker = None
    try:
        time.sleep(1.0)
        capacity_1 = double_capacity(5000, 1)
        capacity_n = double_capacity(8000, args.threads)
        double_reset()

        import django

        django.setup()
        setup_schema()
        from django.db import connection

        worker_env = {**os.environ, **env, "WHATSAPP_SEND_CONCURRENCY": str(args.threads)}
        worker_log = open("/tmp/whatsapp_fanout_worker.log", "w")  # noqa: SIM115 — closed at the end
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "nexusone", "worker", "--pool", "solo", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
            cwd=ROOT, env=worker_env, stdout=subprocess.DEVNULL, stderr=worker_log,
        )  # fmt: skip
        time.sleep(3.0)

        results = []
        for size in (args.small, args.recipients):
            user, workspace, account = make_workspace(credits=5 * size + 1000)
            recipients = numbers(size)
            rss_before = peak_rss_mb()
            accept_seconds, body_bytes, body = accept(user, workspace, account, recipients)
            rss_after = peak_rss_mb()
            double_reset()
            started = time.time()
            wait_sent(body["id"], body["counters"]["total"], timeout=1800)
            stats = double_stats()
            sending_seconds = (stats["last_at"] or time.time()) - (stats["first_at"] or started)
            results.append(
                {
                    "recipients": size,
                    "accepted": body["counters"]["total"],
                    "rejected": body["counters"]["rejected"],
                    "body_mb": body_bytes / 1e6,
                    "accept_s": accept_seconds,
                    "accept_peak_rss_mb": rss_after,
                    "accept_rss_growth_mb": rss_after - rss_before,
                    "sent": stats["total"],
                    "max_per_recipient": stats["max_per_recipient"],
                    "send_s": sending_seconds,
                    "msgs_per_s": stats["total"] / sending_seconds if sending_seconds else 0,
                    "worker_peak_rss_mb": peak_rss_mb(worker.pid),
                }
            )
            connection.close()
    finally:
        if worker is not None:
            worker_log.close()
        for process in (worker, double):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()

    summary = {"double_capacity_1_thread": capacity_1, f"double_capacity_{args.threads}_threads": capacity_n}
    print(json.dumps({**summary, "load_average": os.getloadavg(), "runs": results}, indent=2))
    print()
    print(f"| recipients | accept (s) | accept peak RSS (MB) | sent | worker msgs/s ({args.threads} sender threads) "
          "| worker peak RSS (MB) | max requests per recipient |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for row in results:
        print(
            f"| {row['recipients']:,} | {row['accept_s']:.2f} | {row['accept_peak_rss_mb']:.0f} | {row['sent']:,} "
            f"| {row['msgs_per_s']:.0f} | {row['worker_peak_rss_mb']:.0f} | {row['max_per_recipient']} |"
        )
    print(f"\nDouble alone: {capacity_1:.0f} req/s (1 thread), {capacity_n:.0f} req/s ({args.threads} threads).")


if __name__ == "__main__":
    main()
