"""Benchmark: the web process shapes side by side — why the Procfile's `web` is what it is.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexusone REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/serving.py --seconds 10 --rounds 3 --write docs/PERFORMANCE.md

Each shape runs 2 worker processes on the same throwaway database (schema
without migrations, dropped afterwards), loaded by 16 keep-alive clients
hammering `GET /healthz` (a database query, a cache round trip and a broker
ping per request), in interleaved rounds:

- `sync`:   gunicorn sync workers on `nexusone.wsgi` (DEPENDENCIES.md's best
            for CPU-bound Django views — but a stream would hold a worker);
- `asgi`:   gunicorn + uvicorn workers on Django's own ASGI handler;
- `router`: the Procfile's shape — gunicorn + uvicorn workers on
            `nexusone.asgi` (the stream on the event loop, every other route
            on a WSGI thread pool with persistent connections).

Also counts the PostgreSQL connections each shape holds at the end.
"""

from __future__ import annotations

import argparse
import asyncio
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
sys.path.insert(0, str(ROOT))
SECTION_START = "<!-- bench:serving:start -->"
SECTION_END = "<!-- bench:serving:end -->"
UVICORN = ["--worker-class", "uvicorn_worker.UvicornWorker"]
SHAPES = {
    "sync": ["nexusone.wsgi:application"],
    "asgi": ["django_asgi:application", "--pythonpath", str(ROOT / "bench"), *UVICORN],
    "router": ["nexusone.asgi:application", *UVICORN],
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _admin(url: str, sql: str):
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
        return conn.execute(sql).fetchall() if sql.lstrip().upper().startswith("SELECT") else None


async def _client(port: int, until: float, timings: list[float], errors: list[int]) -> None:
    """Keep-alive requests; a server that closes after each response (gunicorn's
    sync workers do) gets a new connection per request, timed with the request."""
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    writer = None
    while time.perf_counter() < until:
        began = time.perf_counter()
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.lower().split(b"\r\n")
        length = next(int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length"))
        await reader.readexactly(length)
        timings.append((time.perf_counter() - began) * 1000)
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            errors.append(1)
        if b"connection: close" in lines:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def _round(shape: str, url: str, seconds: float, clients: int, db: str) -> dict:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "WEB_THREADS": "8"}
    if shape == "asgi":
        # Django's ASGI handler runs each request on a fresh thread: a persistent connection would be left behind
        # by every one (PostgreSQL's shared 100 ran out in a trial), so this shape gets what Django advises for it.
        env["CONN_MAX_AGE"] = "0"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *SHAPES[shape], "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.3)

        async def load(duration: float):
            timings: list[float] = []
            errors: list[int] = []
            until = time.perf_counter() + duration
            await asyncio.gather(*(_client(port, until, timings, errors) for _ in range(clients)))
            return timings, errors

        asyncio.run(load(2))  # warm up
        timings, errors = asyncio.run(load(seconds))
        connections = _admin(url, f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}'")[0][0]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    ordered = sorted(timings)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    return {"rps": len(timings) / seconds, "p50": statistics.median(ordered), "p99": p99, "errors": len(errors),
            "connections": connections}  # fmt: skip


def write_report(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Performance\n"
    if SECTION_START in text:
        before, rest = text.split(SECTION_START, 1)
        text = before + section + rest.split(SECTION_END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("DATABASE_URL (PostgreSQL) and REDIS_URL are required.")
    name = urlsplit(base).path.lstrip("/") + "_servebench"
    url = urlunsplit(urlsplit(base)._replace(path="/" + name))
    load_before = os.getloadavg()[0]
    _admin(base, f"DROP DATABASE IF EXISTS {name}")
    _admin(base, f"CREATE DATABASE {name}")
    results: dict[str, list[dict]] = {shape: [] for shape in SHAPES}
    try:
        subprocess.run([sys.executable, str(ROOT / "bench" / "_schema.py")], env={**os.environ, "DATABASE_URL": url},
                       check=True, cwd=ROOT)  # fmt: skip
        for _ in range(args.rounds):
            for shape in SHAPES:
                results[shape].append(_round(shape, url, args.seconds, args.clients, name))
                print(shape, results[shape][-1])
    finally:
        _admin(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    load_after = os.getloadavg()[0]
    median = {shape: statistics.median(r["rps"] for r in rows) for shape, rows in results.items()}
    lines = []
    labels = {"sync": "gunicorn sync workers, `nexusone.wsgi`", "asgi": "uvicorn workers, Django's ASGI handler",
              "router": "uvicorn workers, `nexusone.asgi` (the Procfile)"}  # fmt: skip
    for shape, rows in results.items():
        p50 = statistics.median(r["p50"] for r in rows)
        p99 = statistics.median(r["p99"] for r in rows)
        lines.append(
            f"| {labels[shape]} | {median[shape]:.0f} | {median[shape] / median['sync']:.2f}× | {p50:.1f} | {p99:.1f} "
            f"| {max(r['connections'] for r in rows)} | {sum(r['errors'] for r in rows)} | "
            + ", ".join(f"{r['rps']:.0f}" for r in rows)
            + " |"
        )
    section = f"""{SECTION_START}
## Serving: the web process shapes (`bench/serving.py`)

Two worker processes per shape, {args.clients} keep-alive clients on `GET /healthz` (a database query, a cache
round trip and a broker ping per request), {args.rounds} interleaved rounds of {args.seconds:.0f} s, PostgreSQL 15
and Redis on loopback, 2 shared CPU cores (the clients run on them too), run under `nice -n -10` (servers included)
with a 1-minute load average of {load_before:.1f} before and {load_after:.1f} after (other helpers' test suites
share the cores). A shape that closes the connection after each response (gunicorn's sync workers) is timed with
a new connection per request, as its clients would see it.

| shape | requests/s (median) | vs sync | p50 ms | p99 ms | PostgreSQL connections held | non-200 | per round |
|---|---:|---:|---:|---:|---:|---:|---|
{chr(10).join(lines)}

The `asgi` shape runs with `CONN_MAX_AGE=0` (a new database connection per request): with persistent
connections each request's fresh thread leaves one behind, and a trial run exhausted PostgreSQL's connections.

Why the Procfile runs the `router` shape: a sync worker held by a stream serves nothing else (1,000 open
streams would need 1,000 workers), so streaming needs an event loop; Django's own ASGI path runs each
synchronous request on a fresh thread, so persistent connections are not reused between requests (and pile up
under load), while the router keeps the WSGI routes on a fixed thread pool whose threads keep their connections,
like gthread. See "Live events" for the streams themselves.
{SECTION_END}"""
    print(section)
    if args.write:
        write_report(args.write, section)


if __name__ == "__main__":
    main()
