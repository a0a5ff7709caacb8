"""CRM CSV import throughput and memory, next to two baselines, in one run.

Generates N rows (default 100,000) with ~1 % faulty lines (wrong column
count, invalid UTF-8, invalid e-mail, invalid phone, neither, two 1 MB
cells) plus lines that are tricky but valid (UTF-8 BOM, quoted embedded
newlines and delimiters, formula-looking cells, in-file duplicates), then
measures, interleaved over --repeat rounds (medians reported):

1. the real import — `crm.services.import_upload` + `import_start` (pass 1 and
   the credit charge) + the job (`import_run`, pass 2), in a fresh process so
   its peak RSS is its own; correctness is checked against the generator's
   ground truth (created contacts, the exact set of rejected line numbers,
   credits charged) and a re-upload must create nothing;
2. raw `COPY` of the same (fault-free) rows straight from the file bytes;
3. a floor script: parse the CSV, validate e-mail (Django's EmailValidator)
   and phone (phonenumbers) exactly like the import, `COPY` the valid rows;
4. the same floor into a table with the contact table's indexes
   (`bench/crm_import_baselines.py` says why both).

Run on PostgreSQL (the database is created and migrated if needed):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexusone_crm_bench .venv/bin/python bench/crm_import.py
    … --rows 1000000 --repeat 1 --only-import   # memory flatness on a 1 M-row file

Target: (1) ≥ 0.5 × (3). Both measured pipelines start warm, like a worker
that has run before (`_warm_worker`): the timings are of the import itself,
not of a fresh interpreter's first URLconf build and imports.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# Production settings: with DEBUG on, Django keeps every SQL string of the run in memory.
os.environ["DEBUG"] = "0"
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
os.environ.setdefault("SECRET_KEY", "bench-not-a-secret-" + "x" * 40)

HEADER = ["email", "phone", "first_name", "last_name", "company", "tags"]
US_AREAS = ("201", "212", "213", "305", "312", "415", "617", "646", "702", "718", "805", "919")


# --- data ----------------------------------------------------------------------------------------


def _phone(i: int) -> str:
    """A valid number, unique per `i` (< 10^7), in the formats people type."""
    kind = i % 10
    if kind < 6:
        area, exchange, line = US_AREAS[i % len(US_AREAS)], 200 + (i // 10000) % 700, i % 10000
        style = i % 3
        if style == 0:
            return f"+1 {area} {exchange} {line:04d}"
        if style == 1:
            return f"({area}) {exchange}-{line:04d}"
        return f"{area}.{exchange}.{line:04d}"
    digits = f"{i:08d}"
    if kind < 8:
        return f"+34 6{digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"
    return f"+55 11 9{digits[:4]}-{digits[4:]}"


def generate(path: Path, rows: int, *, seed: int = 7, faults: bool = True) -> dict:
    """Write the CSV; return the ground truth (bad line numbers, expected
    created/merged counts, data row count)."""
    rng = random.Random(seed)
    bad_lines: set[int] = set()
    distinct = 0
    line = 1
    huge_at = {rows // 3, 2 * rows // 3} if faults else set()
    seen_phones: dict[int, str] = {}
    with path.open("wb") as handle:
        handle.write(b"\xef\xbb\xbf" + (",".join(HEADER) + "\r\n").encode())
        for i in range(rows):
            line += 1
            roll = rng.random()
            company = f"Company {i % 5000}"
            if i % 97 == 0:
                company = f'"Multi\nline; {company}, Inc."'  # quoted embedded newline, delimiter, comma
            elif i % 89 == 0:
                company = '=HYPERLINK("http://x")'.replace('"', '""')
                company = f'"{company}"'
            tags = '"vip,new"' if i % 7 == 0 else "trial"
            if faults and i in huge_at:
                record = f"huge{i}@example.com,,Huge,Cell,{'x' * 1_000_000},\r\n".encode()
                bad_lines.add(line)
            elif faults and roll < 0.002:
                record = f"extra{i}@example.com,,Extra,Col,{company},{tags},surplus\r\n".encode()
                bad_lines.add(line)
            elif faults and roll < 0.004:
                record = f"latin{i}@example.com,,Jos".encode() + b"\xe9" + f",Bad,{company},{tags}\r\n".encode()
                bad_lines.add(line)
            elif faults and roll < 0.006:
                record = f"broken{i}@@example..com,,Bad,Mail,{company},{tags}\r\n".encode()
                bad_lines.add(line)
            elif faults and roll < 0.008:
                record = f"phone{i}@example.com,+1 555 12,Bad,Phone,{company},{tags}\r\n".encode()
                bad_lines.add(line)
            elif faults and roll < 0.010:
                record = f",,Nobody,{i},{company},{tags}\r\n".encode()
                bad_lines.add(line)
            elif i > 10 and roll < 0.03:
                # an in-file duplicate of an earlier good contact (same e-mail, same or no phone)
                j = rng.randrange(0, i)
                while j not in seen_phones:
                    j = rng.randrange(0, i)
                phone = seen_phones[j] if roll < 0.02 else ""
                record = f"person{j}@example.com,{phone},Again,{j},{company},{tags}\r\n".encode()
            else:
                phone = _phone(i) if i % 5 else ""
                seen_phones[i] = phone
                distinct += 1
                record = f"person{i}@example.com,{phone},First{i},Last{i},{company},{tags}\r\n".encode()
            handle.write(record)
            line += record.count(b"\n") - 1  # a quoted embedded newline spans two physical lines
    return {"rows": rows, "bad_lines": bad_lines, "created": distinct, "merged": rows - distinct - len(bad_lines)}


# --- Django / database ---------------------------------------------------------------------------------


def setup_django() -> None:
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("Run this on PostgreSQL: set DATABASE_URL=postgres://…/nexusone_crm_bench")


def ensure_database(*, recreate: bool = False) -> None:
    """Create the bench database if missing (or anew), then migrate it."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    admin = psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        if recreate:
            admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def bench_workspace(label: str):
    from accounts.models import Membership, Role, User, Workspace
    from billing.services import credits_purchase, plans_ensure_defaults

    plans_ensure_defaults()
    suffix = uuid.uuid4().hex[:8]
    user = User.objects.create_user(email=f"bench-{suffix}@example.test", password=None)
    workspace = Workspace.objects.create(name=f"Bench {label}", slug=f"bench-{suffix}", owner=user)
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    credits_purchase(workspace=workspace, credits=10_000_000, idempotency_key=f"bench:{suffix}")
    return workspace, user


# --- (1) the real import, in its own process --------------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / (1024 * 1024)


def _child_import(path: str, truth: dict, check: bool, reupload: bool, queue) -> None:
    try:
        queue.put(_import_and_check(path, truth, check, reupload))
    except BaseException:
        import traceback

        queue.put({"error": traceback.format_exc()})


def _warm_worker(path: str) -> None:
    """What a running worker has already done once: the URLconf is built (the
    "import finished" notification reverses a URL), the import's modules are
    imported and phonenumbers' metadata for the file's regions is loaded. A
    30-line import from the head of the same file, into a workspace of its own,
    does all of it; the floor warms the same way (`run_floor`)."""
    from django.core.files import File
    from django.urls import get_resolver

    from crm import services
    from nexusone.tenancy import workspace_scope

    get_resolver().url_patterns  # noqa: B018  (builds the resolver)
    with open(path, "rb") as handle:
        head = b"".join(line for _, line in zip(range(31), handle, strict=False))
    workspace, user = bench_workspace("warm-up")
    with workspace_scope(workspace), tempfile.NamedTemporaryFile(suffix=".csv") as small:
        small.write(head)
        small.flush()
        small.seek(0)
        warm = services.import_upload(workspace=workspace, file=File(small, name="warm.csv"), user=user)
        services.import_start(contact_import=warm, user=user)


def _import_and_check(path: str, truth: dict, check: bool, reupload: bool = True) -> dict:
    setup_django()
    _warm_worker(path)
    from django.core.files import File

    from crm import importing, services
    from crm.importing import passes
    from crm.models import Contact, ContactImport, ContactImportError
    from crm.services import imports
    from nexusone.tenancy import workspace_scope

    phases: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - began

        return wrapper

    # The upload cap (10 MB, ~100,000 lines) guards the API; the engine itself
    # takes any size, which the 1,000,000-line memory check exercises.
    imports.IMPORT_MAX_BYTES = max(imports.IMPORT_MAX_BYTES, Path(path).stat().st_size)
    importing.count_pass = timed("pass1_s", importing.count_pass)
    importing.apply_pass = timed("pass2_s", importing.apply_pass)
    # Per-chunk times, for linearity: the first and the last tenth of each pass's chunks.
    chunk_times: dict[str, list[float]] = {"pass1": [], "pass2": []}

    def chunk_timer(name, function):
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                chunk_times[name].append(time.perf_counter() - began)

        return wrapper

    passes._count_chunk = chunk_timer("pass1", passes._count_chunk)
    passes.apply_chunk = chunk_timer("pass2", passes.apply_chunk)
    workspace, user = bench_workspace("import")
    baseline_rss = _current_rss_mb()
    with workspace_scope(workspace), open(path, "rb") as handle:
        started = time.perf_counter()
        contact_import = services.import_upload(workspace=workspace, file=File(handle, name="bench.csv"), user=user)
        uploaded = time.perf_counter()
        contact_import = services.import_start(contact_import=contact_import, user=user)  # the job runs eagerly
        finished = time.perf_counter()
    contact_import = ContactImport.unscoped.get(pk=contact_import.pk)
    chunks = {}
    for name, times in chunk_times.items():
        tenth = max(1, len(times) // 10)
        if times:
            chunks[name] = (sum(times[:tenth]) / tenth, sum(times[-tenth:]) / tenth)
        del times[:]  # the re-upload below is not measured per chunk
    result = {
        **phases,
        "chunks": chunks,
        "seconds": finished - started,
        "upload_s": uploaded - started,
        "rss_baseline_mb": baseline_rss,
        "rss_peak_mb": _peak_rss_mb(),
        "status": contact_import.status,
        "created": contact_import.created,
        "merged": contact_import.merged,
        "updated": contact_import.updated,
        "rejected": contact_import.rejected,
        "credits": contact_import.credits_charged,
    }
    if check:
        reported = set(ContactImportError.unscoped.filter(contact_import=contact_import).values_list("line", flat=True))
        result["errors_exact"] = reported == truth["bad_lines"]
        result["missing_errors"] = sorted(truth["bad_lines"] - reported)[:10]
        result["unexpected_errors"] = sorted(reported - truth["bad_lines"])[:10]
        result["contacts"] = Contact.unscoped.filter(workspace=workspace).count()
        result["reupload_s"], result["reupload_created"], result["contacts_after_reupload"] = 0.0, "skipped", "—"
    if check and reupload:
        with workspace_scope(workspace), open(path, "rb") as handle:
            again_started = time.perf_counter()
            second = services.import_upload(workspace=workspace, file=File(handle, name="again.csv"), user=user)
            second = services.import_start(contact_import=second, user=user)
            result["reupload_s"] = time.perf_counter() - again_started
        second = ContactImport.unscoped.get(pk=second.pk)
        result["reupload_created"] = second.created
        result["contacts_after_reupload"] = Contact.unscoped.filter(workspace=workspace).count()
    if check:
        # the values survived both passes (no tag or custom field mangled by the update path)
        contacts = Contact.unscoped.filter(workspace=workspace)
        result["values_ok"] = not contacts.exclude(tags__contained_by=["trial", "vip", "new"]).exists() and (
            not contacts.exclude(custom_fields={}).exists()
        )
    return result


def empty_crm_tables() -> None:
    """Every round starts from empty CRM tables, so rounds compare like with
    like (the bench database is dedicated to this script)."""
    from django.db import connection

    with connection.cursor() as cursor:
        # CASCADE: other apps (journeys, …) reference contacts; this database is the bench's own
        cursor.execute("TRUNCATE crm_activity, crm_contactimporterror, crm_contact, crm_contactimport CASCADE")


def _in_fresh_process(target, *args):
    """Each measured pipeline runs in its own freshly spawned interpreter, so
    none inherits another's heap (garbage-collector work grows with it)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    if isinstance(result, dict) and "error" in result:
        raise SystemExit("A measured run failed:\n" + result["error"])
    return result


def run_import(path: Path, truth: dict, *, check: bool, reupload: bool = True) -> dict:
    return _in_fresh_process(_child_import, str(path), truth, check, reupload)


def _child_baseline(kind: str, path: str, queue) -> None:
    try:
        setup_django()
        from crm_import_baselines import BASELINES

        queue.put(BASELINES[kind](Path(path)))
    except BaseException:
        import traceback

        queue.put({"error": traceback.format_exc()})


# --- main ----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only-import", action="store_true", help="skip the baselines (memory check)")
    parser.add_argument("--recreate-db", action="store_true", help="drop and migrate the bench database first")
    parser.add_argument("--no-reupload", action="store_true", help="skip the re-upload check (long at 1,000,000 rows)")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexusone_crm_bench")
    sys.stdout.reconfigure(line_buffering=True)
    ensure_database(recreate=args.recreate_db)
    from django.db import connection

    with tempfile.TemporaryDirectory() as directory:
        path, clean = Path(directory) / "contacts.csv", Path(directory) / "clean.csv"
        truth = generate(path, args.rows)
        clean_truth = generate(clean, args.rows, faults=False) if not args.only_import else truth
        size_mb = path.stat().st_size / 1e6
        print(
            f"file: {args.rows:,} rows, {size_mb:.1f} MB, {len(truth['bad_lines']):,} faulty lines, "
            f"{truth['created']:,} distinct contacts, {truth['merged']:,} in-file duplicates"
        )
        imports, raws, floors, indexed_floors = [], [], [], []
        for round_number in range(args.repeat):
            empty_crm_tables()
            result = run_import(path, truth, check=round_number == 0, reupload=not args.no_reupload)
            imports.append(result)
            print(
                f"round {round_number + 1}: import {args.rows / result['seconds']:,.0f} rows/s "
                f"({result['seconds']:.1f} s, peak RSS {result['rss_peak_mb']:.0f} MB)",
                end="",
            )
            if not args.only_import:
                raws.append(_in_fresh_process(_child_baseline, "copy", str(clean)))
                floors.append(_in_fresh_process(_child_baseline, "floor", str(path)))
                indexed_floors.append(_in_fresh_process(_child_baseline, "floor_indexed", str(path)))
                raw_rate, floor_rate = clean_truth["rows"] / raws[-1], args.rows / floors[-1][0]
                ratio, indexed_ratio = floors[-1][0] / result["seconds"], indexed_floors[-1][0] / result["seconds"]
                print(
                    f"; raw COPY {raw_rate:,.0f} rows/s; floor {floor_rate:,.0f} rows/s; import/floor {ratio:.2f}"
                    f"; import/indexed floor {indexed_ratio:.2f}",
                    end="",
                )
            print()
        check = imports[0]
        expected = (truth["created"], truth["merged"], len(truth["bad_lines"]))
        got = (check["created"], check["merged"], check["rejected"])
        print(
            f"\ncorrectness: status={check['status']} created/merged/rejected={got} expected={expected} "
            f"errors exact={check['errors_exact']} (missing {check['missing_errors']}, unexpected "
            f"{check['unexpected_errors']}) credits={check['credits']} (expected {5 * truth['created']}) "
            f"re-upload created={check['reupload_created']} in {check['reupload_s']:.1f} s, "
            f"contacts={check['contacts']}→{check['contacts_after_reupload']}, values intact={check['values_ok']}"
        )
        import_rate = statistics.median(args.rows / r["seconds"] for r in imports)
        rss = max(r["rss_peak_mb"] for r in imports)
        baseline = statistics.median(r["rss_baseline_mb"] for r in imports)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        print(
            f"\nPostgreSQL {server}, Python {platform.python_version()}, {os.cpu_count()} CPUs; "
            f"median of {args.repeat} interleaved rounds\n"
        )
        print("| pipeline | rows/s | relative to the floor |")
        print("|---|---|---|")
        if not args.only_import:
            floor_rate = statistics.median(args.rows / f[0] for f in floors)
            raw_rate = statistics.median(clean_truth["rows"] / r for r in raws)
            print(
                f"| real import (upload + pass 1 + charge + pass 2) | {import_rate:,.0f} | "
                f"{import_rate / floor_rate:.2f}× |"
            )
            print(f"| floor: parse + validate e-mail/phone + COPY | {floor_rate:,.0f} | 1.00× |")
            indexed_rate = statistics.median(args.rows / f[0] for f in indexed_floors)
            print(
                f"| the floor into a table with the contact table's indexes | {indexed_rate:,.0f} | "
                f"{indexed_rate / floor_rate:.2f}× |"
            )
            print(f"| raw COPY of the same rows (no parsing) | {raw_rate:,.0f} | {raw_rate / floor_rate:.2f}× |")
            for label, baseline_runs in (("floor", floors), ("indexed floor", indexed_floors)):
                ratios = sorted(f[0] / r["seconds"] for f, r in zip(baseline_runs, imports, strict=True))
                print(
                    f"\nimport/{label} per round (same load): median {statistics.median(ratios):.2f}, "
                    f"range {ratios[0]:.2f}–{ratios[-1]:.2f}",
                    end="",
                )
            print()
        else:
            print(f"| real import | {import_rate:,.0f} | — |")
        print(
            f"\nreal import peak RSS: {rss:.0f} MB (process after Django setup: {baseline:.0f} MB; "
            f"growth {rss - baseline:.0f} MB)"
        )
        for name, label in (
            ("upload_s", "upload (store + header)"),
            ("pass1_s", "pass 1 (check + count)"),
            ("pass2_s", "pass 2 (write)"),
        ):
            seconds = statistics.median(r[name] for r in imports)
            print(f"{label}: {seconds:.2f} s ({seconds / args.rows * 1e6:.0f} µs/row)")
        for name in ("pass1", "pass2"):
            firsts = [r["chunks"][name][0] for r in imports if name in r["chunks"]]
            lasts = [r["chunks"][name][1] for r in imports if name in r["chunks"]]
            if firsts:
                first, last = statistics.median(firsts), statistics.median(lasts)
                print(
                    f"{name} per 5,000-row chunk: first tenth {first * 1000:.0f} ms, last tenth {last * 1000:.0f} ms "
                    f"(last/first {last / first:.2f}; 1.00 = linear)"
                )


if __name__ == "__main__":
    main()
