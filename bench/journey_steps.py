"""Journeys: 100,000 contacts through a 3-step journey, measuring the
engine's step throughput in ONE process (what one Celery worker does per
`journey_run`), sending excluded.

The journey: trigger `tag_added` (existing contacts included) → `wait`
1 minute → `add_tag` → `wait_until` 09:00 in the contact's time zone (a
third of the contacts each in UTC, America/Mexico_City and Asia/Tokyo).
Phases, each timed with the database work included:
1. enrolment: the trigger finds the 100,000 contacts (bounded batches);
2. step 1 (`wait`) for everyone;
3. a minute later, steps 2 and 3 (`add_tag` through crm.services, then
   `wait_until`) for everyone.
contact-steps/s = step runs written / time; the peak RSS (VmHWM) shows
memory stays flat (the engine holds one batch at a time).

Run (PostgreSQL on loopback; the database is dropped and recreated):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexusone_journeys_bench \\
    .venv/bin/python bench/journey_steps.py [--contacts 100000] [--batch 500]
Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# Named journey_steps, not journeys: the script's folder comes first on sys.path and a
# bench/journeys.py would stand in for the journeys app.
sys.path.insert(0, str(ROOT))


def recreate_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def bench_environment() -> dict[str, str]:
    """Production-like settings for a benchmark process and its children: DEBUG=0 (DEBUG=1 keeps
    every query in `connection.queries`, which grows memory and slows a 100,000-row run), with
    throwaway values for what DEBUG=0 requires (SECRET_KEY, ALLOWED_HOSTS, FIELD_ENCRYPTION_KEYS)
    unless the caller set real ones."""
    import secrets

    from cryptography.fernet import Fernet

    values = {
        "DJANGO_SETTINGS_MODULE": "nexusone.settings",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS") or "localhost",
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
    }
    os.environ.update(values)
    return dict(os.environ)


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database, see the docstring.")
    recreate_database(database_url)
    env = bench_environment()
    subprocess.run([sys.executable, str(ROOT / "bench" / "_schema.py")], check=True, env=env)
    os.environ.update(
        {
            "JOURNEYS_BATCH_SIZE": str(args.batch),
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }
    )

    import django

    django.setup()
    from django.utils import timezone

    from accounts.models import User, Workspace
    from billing.services import plans_ensure_defaults
    from crm.models import Contact
    from journeys import engine, services
    from journeys.models import StepRun
    from nexusone.tenancy import workspace_scope

    plans_ensure_defaults()
    owner = User.objects.create_user(email="bench@example.test", password="x" * 20)
    workspace = Workspace.objects.create(name="Bench", slug="bench", owner=owner)
    zones = ["", "America/Mexico_City", "Asia/Tokyo"]
    rows = [
        Contact(workspace=workspace, email=f"c{n}@bench.example", tags=["bench"], timezone=zones[n % 3])
        for n in range(args.contacts)
    ]
    Contact.unscoped.bulk_create(rows, batch_size=5000)
    del rows
    from django.db import connection

    with connection.cursor() as cursor:  # as autovacuum would after a big import: plans need row counts
        cursor.execute("ANALYZE")
        cursor.execute("SELECT pg_backend_pid()")
        backend_pid = cursor.fetchone()[0]

    def cpu_seconds() -> float:
        """This process's CPU time plus its PostgreSQL backend's (same machine: /proc): unlike the
        wall clock, it does not count waiting for a core on a shared machine."""
        fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        return time.process_time() + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    results = []
    with workspace_scope(workspace):
        journey = services.journey_create(
            workspace=workspace,
            data={
                "name": "Bench",
                "trigger": {"type": "tag_added", "tag": "bench", "existing": True},
                "steps": [
                    {"type": "wait", "minutes": 1},
                    {"type": "add_tag", "tag": "welcomed"},
                    {"type": "wait_until", "hour": 9},
                ],
                "status": "active",
            },
        )
        now = timezone.now()
        started, cpu = time.perf_counter(), cpu_seconds()
        enrolled = 0
        while True:
            added = engine.enrol(journey, now=now)
            enrolled += added
            if not added:
                break
        results.append(("enrolment (keyset)", enrolled, time.perf_counter() - started, cpu_seconds() - cpu))

        # Baseline, same run and data: the enrolment before the keyset, where every batch's
        # anti-join walked past all the contacts enrolled before it. A second journey on the
        # same trigger, paused afterwards so the step phases below only move the first one.
        rescanned = services.journey_create(
            workspace=workspace,
            data={
                "name": "Baseline",
                "trigger": {"type": "tag_added", "tag": "bench", "existing": True},
                "steps": [{"type": "wait", "minutes": 1}],
                "status": "active",
            },
        )
        started, cpu = time.perf_counter(), cpu_seconds()
        enrolled = 0
        while True:
            member_query = engine._membership_query(rescanned)
            ids = engine._not_enrolled(member_query, rescanned).order_by("pk").values_list("pk", flat=True)
            added = engine._enrol(rescanned, list(ids[: engine.batch_size()]), now=now)
            enrolled += added
            if not added:
                break
        baseline_name = "baseline: enrolment re-reading the enrolled"
        results.append((baseline_name, enrolled, time.perf_counter() - started, cpu_seconds() - cpu))
        services.journey_update(journey=rescanned, data={"status": "paused"})

        def phase(name: str, at) -> None:
            before = StepRun.objects.count()
            began, cpu = time.perf_counter(), cpu_seconds()
            while engine.advance(journey, now=at, budget_seconds=3600, max_batches=10_000):
                pass
            results.append((name, StepRun.objects.count() - before, time.perf_counter() - began, cpu_seconds() - cpu))

        phase("step 1: wait", now)
        phase("steps 2–3: add_tag + wait_until", now + timedelta(minutes=2))
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(
        "| phase | contact-steps | seconds | contact-steps/s | CPU s (process + PostgreSQL) "
        f"| contact-steps per CPU second |  (batch {args.batch}, {args.contacts} contacts)"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, count, seconds, cpu in results:
        print(f"| {name} | {count:,} | {seconds:.1f} | {count / seconds:,.0f} | {cpu:.1f} | {count / cpu:,.0f} |")
    keyset, baseline = results[0], results[1]
    print(f"\nenrolment, baseline / keyset: time {baseline[2] / keyset[2]:.1f}×, CPU {baseline[3] / keyset[3]:.1f}×")
    print(f"\npeak RSS of the process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
