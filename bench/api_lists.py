"""Benchmark: the project's list endpoints against bare DRF, and contact
pages and search from 10,000 to 1,000,000 contacts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexusone_lists_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        nice -n -10 .venv/bin/python bench/api_lists.py --sizes 10000,100000,1000000

One gunicorn (2 gthread workers × 4 threads, production settings: DEBUG=0)
serves the project's routes and, beside them, bare DRF `ListAPIView`s over
the same tables with the same API-key authentication and output serializers
(`bench/api_lists_urls.py`). The database is dropped, re-created and migrated
(so the indexes are the migrations' own), then seeded with SQL: one
workspace with the contacts, a ledger, and `--neighbours` other workspaces
with 10 contacts each.

1. Side by side at the first size: 8 keep-alive clients drive one endpoint
   at a time, project then bare, for `--seconds`, over `--rounds`
   interleaved rounds: req/s (median of rounds), p50/p99 (pooled), the
   server's CPU per request (gunicorn workers, from /proc), and the SQL
   queries and Redis round trips of one request (counted in process on the
   same database; a pipeline is one round trip).
2. At each size: one client, `--samples` requests each of contacts page 1,
   a deep keyset page (90 % of the way down), a filtered page (`stage`),
   a rare search term, a common one, a 2-letter prefix — and, for contrast,
   the bare view's page at the same depth by page number (OFFSET).

Prints Markdown for docs/PERFORMANCE.md with the load average before/after.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]
os.environ["DEBUG"] = "0"
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SECRET_KEY", "bench-not-a-secret-" + "x" * 40)
os.environ["DJANGO_SETTINGS_MODULE"] = "api_lists_site"

PAIRS = {
    "contacts": ("/api/v1/crm/contacts/?page_size=50", "/bare/contacts/?page_size=50"),
    "credits (ledger)": ("/api/v1/billing/credits?page_size=50", "/bare/credits/?page_size=50"),
}
WORDS = ["smith", "garcia", "silva", "cohen", "haddad", "martin", "lopez", "rossi", "novak", "tanaka"]


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- seeding --------------------------------------------------------------------------------------


def seed_base(neighbours: int) -> tuple[int, str]:
    """The big workspace (owner, API key, ledger) and the neighbours. Returns (workspace id, key)."""
    from django.db import connection

    from accounts.models import ApiKey, User, Workspace
    from accounts.services import workspace_create
    from billing.models import BillingAccount, Plan
    from billing.services import credits_adjust, plans_ensure_defaults
    from nexusone.api.authentication import hash_api_key

    plans_ensure_defaults()
    Plan.objects.update(api_requests_per_minute=10**9)
    owner = User.objects.create_user(email="owner@bench.test", password="x" * 20)
    workspace = workspace_create(owner=owner, name="Bench")
    # API keys need a plan with the api_keys feature (SPEC: pro, premium)
    BillingAccount.unscoped.filter(workspace=workspace).update(plan=Plan.objects.get(key="pro"))
    prefix, secret = ApiKey.generate_secret()
    ApiKey.unscoped.create(
        workspace=workspace, name="bench", prefix=prefix, key_hash=hash_api_key(secret), created_by=owner
    )
    for i in range(60):
        credits_adjust(workspace=workspace, amount=10 + i, bucket="purchased", reason=f"bench {i}", actor=None)
    Workspace.objects.bulk_create(
        [Workspace(name=f"N{i}", slug=f"neighbour-{i}", owner=owner) for i in range(neighbours)], batch_size=2000
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _contacts_sql("w.id", "g", "'n' || w.id || '-'")
            + " FROM accounts_workspace w CROSS JOIN generate_series(1, 10) g WHERE w.slug LIKE 'neighbour-%%'"
        )
    return workspace.pk, secret


def _contacts_sql(workspace: str, n: str, tag: str) -> str:
    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    return (
        "INSERT INTO crm_contact (workspace_id, created_at, updated_at, first_name, last_name, email, phone,"
        " company, stage, tags, custom_fields, language, source, email_opt_in, whatsapp_opt_in, sms_opt_in,"
        " timezone, engagement_score)"
        f" SELECT {workspace}, now() - ({n} || ' seconds')::interval, now(), 'First' || {n},"
        f" initcap(({words})[1 + {n} % 10]) || ({n} % 9973), {tag} || {n} || '@example.com',"
        f" '+1415' || lpad(({n} % 10000000)::text, 7, '0'), 'Company ' || ({n} % 5000),"
        f" (ARRAY['lead','prospect','customer','churned'])[1 + {n} % 4], '[]'::jsonb, '{{}}'::jsonb, '', 'bench',"
        f" {n} % 2 = 0, false, false, '', {n} % 101"
    )


def grow_to(workspace_id: int, have: int, size: int) -> None:
    """Add contacts numbered have+1..size (older ones: a grown workspace's history)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS crm_contact_search_trgm")  # rebuilt once, faster than per row
        cursor.execute(_contacts_sql(str(workspace_id), "g", "'c'") + f" FROM generate_series({have + 1}, {size}) g")
        from importlib import import_module

        migration = import_module("crm.migrations.0003_contact_keyset_and_search_indexes")
        cursor.execute(
            f"CREATE INDEX {migration.INDEX} ON crm_contact USING gin (({migration.SEARCH_DOCUMENT_SQL}) gin_trgm_ops)"
        )
        cursor.execute("VACUUM ANALYZE crm_contact")  # statistics, and the visibility map for index-only counts


# --- counting calls in process ----------------------------------------------------------------------


def calls_per_request(secret: str) -> dict[str, tuple[int, int]]:
    import redis.connection
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    original = redis.connection.Connection.send_packed_command
    out = {}
    for label, urls in PAIRS.items():
        for variant, url in zip(("project", "bare"), urls, strict=True):
            client.get(url)  # warm (plan rate, last-used stamp)
            sent = []

            def spy(self, command, check_health=True, _sent=sent):
                _sent.append(1)
                return original(self, command, check_health)

            redis.connection.Connection.send_packed_command = spy
            try:
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 200
            finally:
                redis.connection.Connection.send_packed_command = original
            out[f"{label}/{variant}"] = (len(queries), len(sent))
    return out


# --- HTTP ------------------------------------------------------------------------------------------------


async def _client(port: int, path: str, secret: str, until: float, timings: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Api-Key {secret}\r\n\r\n".encode()
    while time.perf_counter() < until:
        began = time.perf_counter()
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        await reader.readexactly(length)
        timings.append((time.perf_counter() - began) * 1000)
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            errors.append(1)
    writer.close()


def drive(port: int, path: str, secret: str, seconds: float, clients: int) -> tuple[list[float], int]:
    async def load():
        timings: list[float] = []
        errors: list[int] = []
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_client(port, path, secret, until, timings, errors) for _ in range(clients)))
        return timings, len(errors)

    return asyncio.run(load())


def sample(port: int, path: str, secret: str, n: int) -> list[float]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": f"Api-Key {secret}"}
    timings = []
    for _ in range(n):
        began = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        timings.append((time.perf_counter() - began) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status}")
    conn.close()
    return timings


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_server(url: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": f"{BENCH}:{ROOT}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "django.core.wsgi:get_wsgi_application()", "--workers", "2",
         "--worker-class", "gthread", "--threads", "4", "--bind", f"127.0.0.1:{port}", "--timeout", "120",
         "--keep-alive", "30"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def deep_cursor(workspace_id: int, depth: int) -> str:
    from crm.models import Contact

    row = (
        Contact.unscoped.filter(workspace_id=workspace_id)
        .order_by("-created_at", "-id")
        .values("id", "created_at")[depth : depth + 1]
        .get()
    )
    token = {"v": row["created_at"].isoformat(), "id": row["id"], "r": False}
    return base64.urlsafe_b64encode(json.dumps(token, separators=(",", ":")).encode()).decode().rstrip("=")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--neighbours", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--template", help="copy this already-migrated database instead of migrating")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    url = os.environ["DATABASE_URL"]
    db = urlsplit(url).path.lstrip("/")
    load_before = os.getloadavg()
    _admin(url, f"DROP DATABASE IF EXISTS {db}")
    _admin(url, f"CREATE DATABASE {db}" + (f" TEMPLATE {args.template}" if args.template else ""))
    if not args.template:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": f"{BENCH}:{ROOT}"},
            check=True,
        )

    import django

    django.setup()
    from django.core.cache import cache

    cache.clear()
    began = time.perf_counter()
    workspace_id, secret = seed_base(args.neighbours)
    grow_to(workspace_id, 0, sizes[0])
    print(f"seeded {sizes[0]:,} contacts + {args.neighbours:,} neighbours in {time.perf_counter() - began:.0f} s")
    calls = calls_per_request(secret)

    server, port = start_server(url)
    try:
        workers = _children(server.pid)
        for path in (p for pair in PAIRS.values() for p in pair):
            drive(port, path, secret, 1, args.clients)  # warm every worker
        side: dict[str, dict] = {}
        for _ in range(args.rounds):
            for label, urls in PAIRS.items():
                for variant, path in zip(("project", "bare"), urls, strict=True):
                    cpu0 = _cpu_seconds(workers)
                    timings, errors = drive(port, path, secret, args.seconds, args.clients)
                    cpu = _cpu_seconds(workers) - cpu0
                    entry = side.setdefault(f"{label}/{variant}", {"rates": [], "timings": [], "cpu": 0.0, "n": 0})
                    entry["rates"].append(len(timings) / args.seconds)
                    entry["timings"] += timings
                    entry["cpu"] += cpu
                    entry["n"] += len(timings)
                    if errors:
                        raise SystemExit(f"{path}: {errors} non-200 answers")
        print(f"\n### Side by side, {sizes[0]:,} contacts, {args.clients} keep-alive clients, {args.rounds} rounds")
        print(
            "| endpoint | variant | req/s (median) | p50 ms | p99 ms | server CPU ms/req | SQL | Redis "
            "| project ÷ bare |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for label in PAIRS:
            project, bare = side[f"{label}/project"], side[f"{label}/bare"]
            ratio = statistics.median(project["rates"]) / statistics.median(bare["rates"])
            for variant, entry in (("project", project), ("bare DRF", bare)):
                key = f"{label}/{'project' if variant == 'project' else 'bare'}"
                sql, redis_calls = calls[key]
                print(
                    f"| {label} | {variant} | {statistics.median(entry['rates']):.0f} "
                    f"| {_pct(entry['timings'], 0.5):.1f} | {_pct(entry['timings'], 0.99):.1f} "
                    f"| {1000 * entry['cpu'] / entry['n']:.2f} | {sql} | {redis_calls} "
                    f"| {f'**{ratio:.2f}×**' if variant == 'project' else ''} |"
                )
            print(f"<!-- rounds req/s {label}: project {project['rates']} bare {bare['rates']} -->")

        print(f"\n### Contact pages and search by workspace size (one client, {args.samples} requests each)")
        print("| contacts | page 1 p50/p99 | deep page (keyset) p50/p99 | filtered p50/p99 | search rare | "
              "search common | 2-letter prefix | bare OFFSET at the same depth p50/p99 |")  # fmt: skip
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        have = sizes[0]
        for size in sizes:
            if size > have:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
                grown = time.perf_counter()
                grow_to(workspace_id, have, size)
                have = size
                print(f"<!-- grew to {size:,} in {time.perf_counter() - grown:.0f} s -->")
                server, port = start_server(url)
            depth = int(size * 0.9)
            paths = {
                "page1": "/api/v1/crm/contacts/?page_size=50",
                "deep": f"/api/v1/crm/contacts/?page_size=50&cursor={deep_cursor(workspace_id, depth)}",
                "filtered": "/api/v1/crm/contacts/?page_size=50&stage=customer",
                "rare": f"/api/v1/crm/contacts/?page_size=50&search={WORDS[3]}{(size - 7) % 9973}",
                "common": f"/api/v1/crm/contacts/?page_size=50&search={WORDS[0]}",
                "prefix": "/api/v1/crm/contacts/?page_size=50&search=ga",
                "offset": f"/bare/contacts/?page_size=50&page={depth // 50}",
            }
            cells = []
            for path in paths.values():
                sample(port, path, secret, 5)  # warm
            for name, path in paths.items():
                n = args.samples if name != "offset" or size <= 100_000 else max(20, args.samples // 10)
                timings = sample(port, path, secret, n)
                cells.append(f"{_pct(timings, 0.5):.1f} / {_pct(timings, 0.99):.1f}")
            print(f"| {size:,} | " + " | ".join(cells) + " |")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        from django.db import connections

        connections.close_all()
        load_after = os.getloadavg()
        print(
            f"\nload average (1/5/15 min): {load_before[0]:.1f}/{load_before[1]:.1f}/{load_before[2]:.1f} before, "
            f"{load_after[0]:.1f}/{load_after[1]:.1f}/{load_after[2]:.1f} after; {os.cpu_count()} CPUs"
        )
        _admin(url, f"DROP DATABASE IF EXISTS {db}")


if __name__ == "__main__":
    main()
