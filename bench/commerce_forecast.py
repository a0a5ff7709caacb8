"""Commerce: the nightly demand forecast over 10,000 variants (target: under
10 minutes on one core).

Two parts, in one process pinned to one core's worth of threads
(OMP/OpenBLAS/MKL threads = 1, set before numpy loads):

1. **Compute** — `commerce.forecast.forecast()` over 10,000 synthetic daily
   series of 120 days, every one long enough for ETS (the worst case: each
   series pays one statsmodels fit and one smoothing pass). Series: Poisson
   counts around a weekly profile (weekends ×1.6), a level from 0.3 to 12
   units a day, 8 % of days with a promotion spike. Baseline in the same run:
   the simpler `weekly_profile` method (what series under 8 weeks get) over
   the same series — the ratio is what ETS costs on top.
2. **Nightly run with the database** — `commerce.services.forecasts.
   forecasts_refresh()` for a workspace with `--db-variants` variants (one per
   product) and their real order lines over the last 120 days, on PostgreSQL:
   history query per chunk of 250 products, the forecasts, the upsert of
   variant and product rows. Gives the database's share per variant.

The machine is shared with other jobs: wall times include waiting for a CPU,
so CPU time is printed beside them.

Run (PostgreSQL on loopback; the database is dropped and recreated):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexusone_forecast_bench \\
    .venv/bin/python bench/commerce_forecast.py [--variants 10000 --db-variants 1000]
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HISTORY = 120


def series(rng: random.Random, start: date) -> list[int]:
    import numpy as np

    level = rng.uniform(0.3, 12)
    lam = []
    for i in range(HISTORY):
        weekday = (start + timedelta(days=i)).weekday()
        rate = level * (1.6 if weekday >= 5 else 1.0)
        if rng.random() < 0.08:
            rate *= 3
        lam.append(rate)
    return [int(v) for v in np.random.default_rng(rng.randrange(2**32)).poisson(lam)]


def recreate_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def timed(function):
    started, cpu = time.perf_counter(), time.process_time()
    value = function()
    return value, time.perf_counter() - started, time.process_time() - cpu


def compute_part(count: int) -> dict:
    from commerce import forecast as fc

    rng = random.Random(12)
    start = date(2026, 8, 9)
    data = [series(rng, start) for _ in range(count)]
    fc.forecast(data[0], start=start, days=91)  # imports statsmodels once, outside the timing
    results, wall, cpu = timed(lambda: [fc.forecast(s, start=start, days=91) for s in data])
    methods: dict[str, int] = {}
    for result in results:
        methods[result.method] = methods.get(result.method, 0) + 1
    saved = fc.ETS_MIN_DAYS
    fc.ETS_MIN_DAYS = 10**9  # the baseline: every series through the simpler method
    try:
        _base, base_wall, base_cpu = timed(lambda: [fc.forecast(s, start=start, days=91) for s in data])
    finally:
        fc.ETS_MIN_DAYS = saved
    return {"count": count, "wall": wall, "cpu": cpu, "base_wall": base_wall, "base_cpu": base_cpu,
            "methods": methods}  # fmt: skip


def db_part(variants: int) -> dict:
    import io

    from django.db import connection
    from django.utils import timezone

    from accounts.models import Membership, Role, User, Workspace
    from commerce.models import DemandForecast, Order, Product, Store, Variant
    from commerce.services.forecasts import forecasts_refresh
    from nexusone.tenancy import workspace_scope

    user = User.objects.create_user(email="bench-forecast@example.test", password=None)
    workspace = Workspace.objects.create(name="Bench forecast", slug="bench-forecast", owner=user)
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    store = Store.unscoped.create(workspace=workspace, domain="bench.myshopify.com", name="Bench")
    products = Product.unscoped.bulk_create(
        [Product(workspace=workspace, store=store, title=f"P{i}", status="active") for i in range(variants)]
    )
    rows = Variant.unscoped.bulk_create(
        [Variant(workspace=workspace, product=p, sku=f"S{i}", price_cents=1000) for i, p in enumerate(products)]
    )
    today = timezone.now().date()
    start = today - timedelta(days=HISTORY)
    rng = random.Random(5)
    # one order per day carrying every variant sold that day (lines are what daily_units reads)
    noon = [timezone.make_aware(datetime.combine(start + timedelta(days=d), datetime.min.time()) + timedelta(hours=12))
            for d in range(HISTORY)]  # fmt: skip
    orders = Order.unscoped.bulk_create([
        Order(workspace=workspace, store=store, number=f"#{d}", external_id=f"gid://shopify/Order/{d}",
              placed_at=noon[d])
        for d in range(HISTORY)
    ])  # fmt: skip
    buffer, lines = io.StringIO(), 0
    now = timezone.now().isoformat()
    for variant in rows:
        for d, units in enumerate(series(rng, start)):
            if units:
                buffer.write(f"{workspace.pk}\t{orders[d].pk}\t{variant.pk}\t{units}\t1000\t0\t\t\t\t{now}\t{now}\n")
                lines += 1
    buffer.seek(0)
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY commerce_orderline (workspace_id, order_id, variant_id, quantity, price_cents, cost_cents, "
            "external_id, title, sku, created_at, updated_at) FROM STDIN"
        ) as copy,
    ):
        copy.write(buffer.read())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE commerce_orderline")
    with workspace_scope(workspace):
        outcome, wall, cpu = timed(forecasts_refresh)
        stored = DemandForecast.objects.count()
    return {"variants": variants, "lines": lines, "wall": wall, "cpu": cpu, "stored": stored, "outcome": outcome}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--db-variants", type=int, default=1_000)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database, see the docstring.")
    recreate_database(database_url)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "nexusone.settings", "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, str(ROOT / "bench" / "_schema.py")], check=True, env=env)
    os.environ.update({"DJANGO_SETTINGS_MODULE": "nexusone.settings", "LOG_LEVEL": "WARNING"})

    import django

    django.setup()
    print(f"… compute over {args.variants:,} series", file=sys.stderr, flush=True)
    c = compute_part(args.variants)
    print(f"… nightly run with the database, {args.db_variants:,} variants", file=sys.stderr, flush=True)
    d = db_part(args.db_variants)
    per_ets, per_base = c["cpu"] / c["count"] * 1000, c["base_cpu"] / c["count"] * 1000
    per_db = d["cpu"] / d["variants"] * 1000
    print(f"\nCompute, {c['count']:,} series of {HISTORY} days, methods {c['methods']}:\n")
    print("| method | wall | CPU | CPU per series | ratio |")
    print("|---|---|---|---|---|")
    print(f"| ETS (statsmodels) | {c['wall']:.1f} s | {c['cpu']:.1f} s | {per_ets:.1f} ms | "
          f"{c['cpu'] / c['base_cpu']:.1f}× |")  # fmt: skip
    print(f"| weekly profile (baseline) | {c['base_wall']:.1f} s | {c['base_cpu']:.1f} s | {per_base:.2f} ms | 1× |")
    print(f"\nNightly run with PostgreSQL: {d['variants']:,} variants, {d['lines']:,} order lines, "
          f"{d['stored']:,} forecasts stored, methods {d['outcome']['methods']}:\n")  # fmt: skip
    print("| variants | wall | CPU | CPU per variant | projected CPU for 10,000 |")
    print("|---|---|---|---|---|")
    print(f"| {d['variants']:,} | {d['wall']:.1f} s | {d['cpu']:.1f} s | {per_db:.1f} ms | "
          f"{per_db * 10_000 / 1000 / 60:.1f} min |")  # fmt: skip


if __name__ == "__main__":
    main()
