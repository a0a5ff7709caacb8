"""Benchmark: the charge door vs the irreducible debit, 8 processes, one workspace.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexusone_billing \\
        .venv/bin/python bench/credits.py --workers 8 --seconds 10 --rounds 3 --write docs/PERFORMANCE.md

Every worker is a separate process with its own PostgreSQL connection, all
hammering the same workspace's billing account (the hot row). Variants run
interleaved in rounds (raw, door, raw, door, …) so background load hits both:

- raw:   psycopg, one transaction — conditional
         `UPDATE … SET purchased_credits = purchased_credits - 5 WHERE … AND purchased_credits >= 5
         RETURNING …` plus the ledger `INSERT` (the irreducible work);
- door:  `with billing.charging.charge(workspace=…, module="content"):` with an empty body —
         reserve (one prepared statement: lock, conditional debit, ledger entry, charge row) and
         commit (one prepared statement: charge committed + usage event), i.e. everything a real
         charge does;
- sfu:   (context, one round) the ORM read-modify-write: `select_for_update()`, save, ledger create.

Throughput is the median of the rounds (charges/s); latency percentiles pool
every operation of a variant; CPU per charge adds the worker's own CPU time and
its PostgreSQL backend's (from /proc), which other load on the machine
disturbs far less than throughput. The schema lives in a throwaway database
(`<name>_bench`, created without migrations and dropped afterwards). After the
run Σ ledger must equal the balance.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

# Production runs with DEBUG=0: no per-query logging in Django's cursor wrapper.
settings.DEBUG = False

COST = 5
SECTION_START = "<!-- bench:credits:start -->"
SECTION_END = "<!-- bench:credits:end -->"


class _NoMigrations(dict):
    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


# --- one operation per variant ---------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (the worker's PostgreSQL backend), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _raw_setup(workspace_id: int):
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    conn = psycopg.connect(**params, autocommit=False)
    from billing.models import BillingAccount, LedgerEntry

    update = (
        f"UPDATE {BillingAccount._meta.db_table} SET purchased_credits = purchased_credits - %s "
        f"WHERE workspace_id = %s AND purchased_credits >= %s RETURNING plan_credits, purchased_credits"
    )
    insert = (
        f"INSERT INTO {LedgerEntry._meta.db_table} (workspace_id, created_at, updated_at, kind, user_id, module, "
        "amount, plan_amount, purchased_amount, balance_after, plan_balance_after, purchased_balance_after, "
        "reference, idempotency_key, reverses_id, metadata) "
        "VALUES (%s, now(), now(), 'debit', NULL, 'content', %s, 0, %s, %s, %s, %s, '', %s, NULL, '{}')"
    )

    def op():
        with conn.cursor() as cursor:
            cursor.execute(update, (COST, workspace_id, COST))
            plan, purchased = cursor.fetchone()
            cursor.execute(insert, (workspace_id, -COST, -COST, plan + purchased, plan, purchased, uuid.uuid4().hex))
        conn.commit()

    op.backend_pid = conn.info.backend_pid
    return op


def _door_setup(workspace_id: int):
    from accounts.models import Workspace
    from billing.charging import charge

    workspace = Workspace.objects.get(pk=workspace_id)

    def op():
        with charge(workspace=workspace, module="content"):
            pass

    return op


def _sfu_setup(workspace_id: int):
    from billing.models import BillingAccount, LedgerEntry

    def op():
        with transaction.atomic():
            account = BillingAccount.unscoped.select_for_update().get(workspace_id=workspace_id)
            account.purchased_credits -= COST
            account.save(update_fields=["purchased_credits", "updated_at"])
            LedgerEntry.unscoped.create(
                workspace_id=workspace_id, kind="debit", module="content", amount=-COST, purchased_amount=-COST,
                balance_after=account.balance, plan_balance_after=account.plan_credits,
                purchased_balance_after=account.purchased_credits, idempotency_key=uuid.uuid4().hex,
            )  # fmt: skip

    return op


VARIANTS = {"raw": _raw_setup, "door": _door_setup, "sfu": _sfu_setup}


def _worker(variant: str, workspace_id: int, seconds: float, barrier, queue) -> None:
    connections.close_all()  # never share the parent's socket
    op = VARIANTS[variant](workspace_id)
    for _ in range(30):  # warm connections, prepared statements, caches
        op()
    backend = getattr(op, "backend_pid", None) or connection.connection.info.backend_pid
    barrier.wait()
    latencies = []
    client_cpu, server_cpu = time.process_time(), _cpu_seconds(backend)
    deadline = time.perf_counter() + seconds
    while (now := time.perf_counter()) < deadline:
        op()
        latencies.append(time.perf_counter() - now)
    cpu = (time.process_time() - client_cpu, _cpu_seconds(backend) - server_cpu)
    queue.put((latencies, cpu))
    connections.close_all()


def run_variant(
    variant: str, workspace_id: int, workers: int, seconds: float
) -> tuple[float, list[float], tuple[float, float]]:
    context = mp.get_context("fork")
    barrier, queue = context.Barrier(workers + 1), context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=_worker, args=(variant, workspace_id, seconds, barrier, queue)) for _ in range(workers)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    samples = [queue.get() for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    latencies = [value for sample, _cpu in samples for value in sample]
    client = sum(cpu[0] for _sample, cpu in samples)
    server = sum(cpu[1] for _sample, cpu in samples)
    return len(latencies) / max(elapsed, seconds), latencies, (client, server)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


# --- setup, run, report ---------------------------------------------------------------


def prepare_database() -> str:
    if connection.vendor != "postgresql":
        sys.exit("bench/credits.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    original = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original}_bench"
    settings.MIGRATION_MODULES = _NoMigrations()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    return original


def seed() -> int:
    from accounts.tests.factories import UserFactory, WorkspaceFactory
    from billing import services
    from billing.models import BillingAccount, LedgerEntry

    services.plans_ensure_defaults()
    workspace = WorkspaceFactory(owner=UserFactory(personal_workspace=False))
    account = services.billing_account_open(workspace=workspace)
    services.credits_purchase(workspace=workspace, credits=10**9, idempotency_key="bench-funds")
    # The raw variant debits purchased credits only; start with no plan credits so
    # the door takes the same path through the buckets.
    BillingAccount.unscoped.filter(pk=account.pk).update(plan_credits=0)
    LedgerEntry.unscoped.create(
        workspace=workspace, kind="expiry", amount=-50, plan_amount=-50, balance_after=10**9,
        plan_balance_after=0, purchased_balance_after=10**9, idempotency_key="bench-expire",
    )  # fmt: skip
    return workspace.pk


def check_ledger(workspace_id: int) -> tuple[int, int]:
    from django.db.models import Sum

    from billing.models import BillingAccount, LedgerEntry

    balance = BillingAccount.unscoped.get(workspace_id=workspace_id).balance
    total = LedgerEntry.unscoped.filter(workspace_id=workspace_id).aggregate(s=Sum("amount"))["s"]
    return balance, total


def render(results: dict, args, server_version: str, ratio: float, ledger_ok: bool) -> str:
    rows = []
    for variant, label in (
        ("raw", "raw SQL transaction (UPDATE … WHERE balance >= n + ledger INSERT)"),
        ("door", "charge door (reserve + commit + usage event)"),
        ("sfu", "ORM select_for_update read-modify-write (context)"),
    ):
        if variant not in results:
            continue
        data = results[variant]
        rows.append(
            f"| {label} | {data['rate']:,.0f} | {data['p50']:.2f} | {data['p99']:.2f} | "
            f"{data['client_ms'] + data['server_ms']:.3f} ({data['client_ms']:.3f} + {data['server_ms']:.3f}) | "
            f"{', '.join(f'{r:,.0f}' for r in data['rounds'])} |"
        )
    raw, door = results["raw"], results["door"]
    cpu_ratio = (raw["client_ms"] + raw["server_ms"]) / (door["client_ms"] + door["server_ms"])
    return "\n".join(
        [
            SECTION_START,
            "## Credits: the charge door vs the raw debit (`bench/credits.py`)",
            "",
            f"{args.workers} worker processes, one workspace (one hot account row), "
            f"{args.rounds} interleaved rounds of {args.seconds:g} s per variant, "
            f"PostgreSQL {server_version}, {os.cpu_count()} CPU cores, "
            f"`CONN_MAX_AGE` persistent connections. Run on {time.strftime('%Y-%m-%d')}; 1-minute load "
            f"average {args.load[0]:.1f} before and {args.load[1]:.1f} after (other jobs share the machine: "
            "absolute rates move with them, the interleaved ratios much less, CPU per charge least).",
            "",
            "| variant | charges/s (median of rounds) | p50 ms | p99 ms | CPU ms per charge (client + PostgreSQL) "
            "| charges/s per round |",
            "|---|---:|---:|---:|---:|---|",
            *rows,
            "",
            f"**Charge door / raw = {ratio:.2f}× in throughput, {cpu_ratio:.2f}× in CPU per charge** "
            f"(target ≥ 0.5×). Σ ledger = balance after the run: {'yes' if ledger_ok else 'NO'}.",
            "",
            "What the door does beyond the raw transaction, per charge: reads the module's cost, checks the "
            "idempotency key and the plan's daily cap, splits plan/purchased credits, inserts the `Charge` row, "
            "and on commit marks it committed and inserts the usage event — in two single-statement "
            "transactions (reserve, commit), because the reservation must be durable before the work starts. "
            "Both statements are server-side prepared (planned once per connection): with Django's default "
            "client-side binding the reserve statement alone cost ~0.5 ms of planning per charge and the door "
            "measured 0.39× in an earlier run.",
            "",
            "Why the door can out-run the raw transaction in throughput on a loaded machine: its reserve is one "
            "statement in autocommit, so the hot account row stays locked for a single round trip, while the raw "
            "transaction holds the lock across three (UPDATE, INSERT, COMMIT) and a worker descheduled in between "
            "stalls the others. CPU per charge is the conservative comparison.",
            SECTION_END,
        ]
    )


def write_report(path: Path, section: str) -> None:
    if path.exists():
        text = path.read_text()
    else:
        text = (
            "# Performance\n\nFigures measured with the scripts in `bench/`, on the reference machine "
            "(2 cores, PostgreSQL 15, Redis on loopback). Each benchmark runs "
            "its variants side by side in one run, so the ratios matter more than the absolute numbers. "
            "Re-run a benchmark after changing the code it measures and replace its section.\n"
        )
    if SECTION_START in text:
        before, rest = text.split(SECTION_START, 1)
        after = rest.split(SECTION_END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-sfu", action="store_true", help="skip the select_for_update context variant")
    parser.add_argument("--write", type=Path, help="update this Markdown file's credits section")
    args = parser.parse_args()

    args.load = [os.getloadavg()[0], 0.0]
    original = prepare_database()
    try:
        workspace_id = seed()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0].split()[0]
        rates: dict[str, list[float]] = {"raw": [], "door": []}
        latencies: dict[str, list[float]] = {"raw": [], "door": []}
        cpu: dict[str, list[float]] = {"raw": [0.0, 0.0], "door": [0.0, 0.0]}

        def record(variant, rate, values, used):
            rates.setdefault(variant, []).append(rate)
            latencies.setdefault(variant, []).extend(values)
            totals = cpu.setdefault(variant, [0.0, 0.0])
            totals[0], totals[1] = totals[0] + used[0], totals[1] + used[1]
            per_op = 1000 * (used[0] + used[1]) / max(1, len(values))
            print(f"{variant:5s} {rate:8.0f} charges/s, {per_op:.3f} ms CPU per charge", flush=True)

        for round_number in range(args.rounds):
            for variant in ("raw", "door") if round_number % 2 == 0 else ("door", "raw"):
                record(variant, *run_variant(variant, workspace_id, args.workers, args.seconds))
        if not args.no_sfu:
            record("sfu", *run_variant("sfu", workspace_id, args.workers, args.seconds))
        results = {
            variant: {
                "rate": statistics.median(rates[variant]),
                "rounds": rates[variant],
                "p50": percentile(latencies[variant], 0.50),
                "p99": percentile(latencies[variant], 0.99),
                "client_ms": 1000 * cpu[variant][0] / len(latencies[variant]),
                "server_ms": 1000 * cpu[variant][1] / len(latencies[variant]),
            }
            for variant in rates
        }
        balance, total = check_ledger(workspace_id)
        args.load[1] = os.getloadavg()[0]
        ratio = results["door"]["rate"] / results["raw"]["rate"]
        section = render(results, args, server_version, ratio, balance == total)
        print(section)
        if args.write:
            write_report(args.write, section)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
