"""E-mail sending: a 100,000-recipient campaign over SMTP to a local sink.

Measures, in one run:
1. time to accept the campaign: `campaign_send` — readiness checks, the frozen
   rendering, one `INSERT … SELECT` of the recipients from the CRM, the
   `email_send` reservation — and that process's peak RSS;
2. messages/s of ONE worker process sending the whole campaign through
   `emails.sending.chunk_send` (claim 25 → compose → send on one open SMTP
   connection → record), the rate limit lifted, against an aiosmtpd sink
   running in its own process (so it does not share the sender's GIL); the
   process's peak RSS (VmHWM) after 10,000 and after all messages shows
   whether memory stays flat.

Run (PostgreSQL on loopback; the database is dropped and recreated):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexusone_email_bench \\
    .venv/bin/python bench/email_send.py [--recipients 100000]
Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project before bench/ (its files must not stand in for apps)
sys.path.insert(1, str(ROOT / "bench"))

SINK = """
import sys, time
sys.path.insert(0, {root!r})
from emails.tests.smtp_sink import SmtpSink
sink = SmtpSink(port={port}, keep=False).start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"""


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    from journey_steps import bench_environment, recreate_database

    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database, see the docstring.")
    recreate_database(database_url)
    port = 18925
    env = bench_environment()
    subprocess.run([sys.executable, str(ROOT / "bench" / "_schema.py")], check=True, env=env)
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK.format(root=str(ROOT), port=port)], stdout=subprocess.PIPE, text=True
    )
    assert sink.stdout.readline().strip() == "ready"
    os.environ.update(
        {
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "EMAIL_VERIFIED_DOMAINS": "bench.example",
            "EMAIL_RATE_LIMIT_PER_SECOND": "0",
            "EMAIL_MAX_RECIPIENTS": "1000000",
        }
    )
    try:
        run(args.recipients, port)
    finally:
        sink.terminate()


def run(recipients: int, port: int) -> None:
    import django

    django.setup()
    from django.db import transaction

    from accounts.models import User, Workspace
    from billing.services import credits_purchase, plans_ensure_defaults
    from crm.models import Contact, Segment
    from emails.models import EmailMessage, Sender
    from emails.sending import chunk_send
    from emails.services.campaigns import campaign_create
    from emails.services.dispatch import campaign_send
    from emails.tests.factories import BLOCKS
    from nexusone.tenancy import workspace_scope

    plans_ensure_defaults()
    owner = User.objects.create_user(email="bench@example.test", password="x" * 20)
    workspace = Workspace.objects.create(
        name="Bench", slug="bench", owner=owner, postal_address="Calle Mayor 1, Madrid"
    )
    credits_purchase(workspace=workspace, credits=10_000, idempotency_key="bench")
    Contact.unscoped.bulk_create(
        [
            Contact(
                workspace=workspace,
                email=f"c{n}@clientes.example",
                first_name=f"Ana{n}",
                email_opt_in=True,
                tags=["bench"],
            )
            for n in range(recipients)
        ],
        batch_size=5000,
    )
    with workspace_scope(workspace):
        segment = Segment.objects.create(name="Bench", definition={"tags_any": ["bench"]})
        sender = Sender.objects.create(email="hola@bench.example", domain="bench.example", verified=True)
        campaign = campaign_create(
            workspace=workspace,
            data={
                "name": "Bench",
                "subject": "Hola {{first_name}}",
                "sender_id": sender.pk,
                "language": "es",
                "audience": {"segment_id": segment.pk},
                "body": BLOCKS,
            },
        )
        started = time.perf_counter()
        with transaction.atomic():  # the dispatch task is enqueued on commit; the bench sends itself
            transaction.on_commit(lambda: None)
            campaign = campaign_send(campaign=campaign)
        accepted = time.perf_counter() - started
        accept_rss = peak_rss_mb()
        ids = list(EmailMessage.objects.filter(campaign_id=campaign.pk).order_by("pk").values_list("pk", flat=True))
        sent, early_rss = 0, 0.0
        began, cpu_began = time.perf_counter(), time.process_time()
        for start in range(0, len(ids), 10_000):
            part = ids[start : start + 10_000]
            sent += chunk_send(campaign_id=campaign.pk, first_id=part[0], last_id=part[-1]).sent
            if not early_rss:
                early_rss = peak_rss_mb()
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
        raw_count, raw_seconds = floor(campaign, port, min(sent, 10_000))
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(
        "| recipients | accept (s) | RSS after accept | sent | send (s) | messages/s, 1 process "
        "| sender CPU ms per message | floor: same bytes, bare smtplib, messages/s | ratio to the floor "
        "| RSS after 10k | RSS at end |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rate, raw_rate = sent / seconds, raw_count / raw_seconds
    print(
        f"| {recipients:,} | {accepted:.1f} | {accept_rss:.0f} MB | {sent:,} | {seconds:.1f} | {rate:,.0f} | "
        f"{cpu * 1000 / sent:.2f} | {raw_rate:,.0f} | {rate / raw_rate:.2f} | "
        f"{early_rss:.0f} MB | {peak_rss_mb():.0f} MB |"
    )


def floor(campaign, port: int, count: int) -> tuple[int, float]:
    """The same sink, the same message bytes, no database and no composing: `count` messages
    over one smtplib connection (measured in the same run, after the campaign)."""
    import smtplib

    from emails.content import Recipient
    from emails.sending import Composer

    composer = Composer(campaign)
    message = composer.build(
        message_pk=1, to="c1@clientes.example", recipient=Recipient(email="c1@clientes.example"), variant=0,
        connection=None,
    )  # fmt: skip
    raw = message.message().as_bytes(linesep="\r\n")
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        began = time.perf_counter()
        for n in range(count):
            smtp.sendmail("hola@bench.example", [f"c{n}@clientes.example"], raw)
        return count, time.perf_counter() - began


if __name__ == "__main__":
    main()
