"""Agent retrieval: `agents.retrieval.search()` latency with 10,000 and
100,000 chunks in ONE agent of one workspace, on PostgreSQL.

The knowledge is synthetic but shaped like real text: ~700-character chunks
(what `split_text` makes) of words drawn from a Zipf distribution over a
20,000-word vocabulary (plus English function words), so common words match
a large share of the chunks, as "price" or "order" do in a real shop's FAQ.
The questions mix three kinds, 1/3 each: a sentence taken from a chunk
(the FAQ answers it), random common-ish words, and rare words (few or no
matches → the trigram fallback runs). A neighbour workspace holds another
agent with 20,000 chunks, so the indexes are shared as in production.

Rows go in with COPY, the tsvectors with one UPDATE, then VACUUM ANALYZE; the
search indexes are created by the agents migrations' own functions (this
script builds the schema without migrations, like the other benchmarks).
Each size: 50 warm-up questions, then 600 timed questions, in process
(what a web thread pays: the SQL round trips and the Python around them).
Latencies are wall-clock; on a shared machine they include waiting for a
CPU, so the CPU time per search is reported too (this process's, and the
PostgreSQL backend's from /proc — the run must be on the database's host).

Run (PostgreSQL on loopback; the database is dropped and recreated):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexusone_retrieval_bench \\
    .venv/bin/python bench/agent_retrieval.py [--sizes 10000,100000]
Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project before bench/ (its files must not stand in for apps)
sys.path.insert(1, str(ROOT / "bench"))

VOCABULARY = 20_000
FUNCTION_WORDS = ("the", "a", "of", "and", "to", "in", "is", "for", "on", "with", "as", "at", "by", "we", "you",
                  "your", "our", "it", "this", "that", "are", "be", "can")  # fmt: skip
SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4)))))
    return sorted(words)


class Writer:
    """Zipf-distributed words (s ≈ 1.1) with function words mixed in."""

    def __init__(self, rng: random.Random, words: list[str]):
        self.rng = rng
        self.words = words
        weights = [1 / (rank**1.1) for rank in range(1, len(words) + 1)]
        total = sum(weights)
        self.cumulative = []
        running = 0.0
        for weight in weights:
            running += weight / total
            self.cumulative.append(running)

    def word(self) -> str:
        import bisect

        if self.rng.random() < 0.35:
            return self.rng.choice(FUNCTION_WORDS)
        return self.words[min(len(self.words) - 1, bisect.bisect(self.cumulative, self.rng.random()))]

    def sentence(self) -> str:
        words = [self.word() for _ in range(self.rng.randint(8, 18))]
        return " ".join(words).capitalize() + "."

    def chunk(self) -> str:
        sentences = []
        while sum(len(s) + 1 for s in sentences) < 640:
            sentences.append(self.sentence())
        return " ".join(sentences)[:700]


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def recreate_database(database_url: str) -> None:
    from journey_steps import recreate_database as recreate

    recreate(database_url)


def copy_chunks(cursor, *, workspace_id: int, agent_id: int, knowledge_ids: list[int], texts: list[str], start: int):
    buffer = io.StringIO()
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    per_item = max(1, len(texts) // len(knowledge_ids))
    for n, text in enumerate(texts):
        knowledge = knowledge_ids[min(len(knowledge_ids) - 1, n // per_item)]
        clean = text.replace("\\", " ").replace("\t", " ").replace("\n", " ")
        buffer.write(f"{workspace_id}\t{agent_id}\t{knowledge}\t{start + n}\t{clean}\t{now}\t{now}\n")
    buffer.seek(0)
    with cursor.copy(
        "COPY agents_chunk (workspace_id, agent_id, knowledge_id, position, text, created_at, updated_at) FROM STDIN"
    ) as copy:
        while data := buffer.read(1 << 20):
            copy.write(data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--questions", type=int, default=600)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database, see the docstring.")
    recreate_database(database_url)
    from journey_steps import bench_environment

    env = bench_environment()
    subprocess.run([sys.executable, str(ROOT / "bench" / "_schema.py")], check=True, env=env)

    import django

    django.setup()
    from django.db import connection

    from accounts.models import User, Workspace
    from agents import retrieval
    from agents.models import Agent, Knowledge
    from nexusone.tenancy import workspace_scope

    migration = importlib.import_module("agents.migrations.0002_agent_reply_cost_and_search_indexes")
    with connection.schema_editor() as editor:
        migration.search_indexes(None, editor)
    for name in sorted(p.stem for p in (ROOT / "agents" / "migrations").glob("0*.py")):
        module = importlib.import_module(f"agents.migrations.{name}")
        if hasattr(module, "retrieval_indexes"):  # later index changes, applied the same way
            with connection.schema_editor() as editor:
                module.retrieval_indexes(None, editor)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend_pid = cursor.fetchone()[0]

    def backend_cpu_ms() -> float:
        """CPU time of this connection's PostgreSQL backend (same machine: /proc)."""
        fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    rng = random.Random(13)
    writer = Writer(rng, vocabulary(rng))
    owner = User.objects.create_user(email="bench@example.test", password="x" * 20)
    workspace = Workspace.objects.create(name="Bench", slug="bench", owner=owner)
    neighbour = Workspace.objects.create(name="Neighbour", slug="neighbour", owner=owner)
    agent = Agent.unscoped.create(workspace=workspace, name="Bench", language="en", instructions="Answer.")
    other = Agent.unscoped.create(workspace=neighbour, name="Other", language="en", instructions="Answer.")

    def add_chunks(target: Agent, count: int, start: int) -> list[str]:
        items = [
            Knowledge.unscoped.create(workspace_id=target.workspace_id, agent=target, title=f"Doc {start + i}")
            for i in range(max(1, count // 1000))
        ]
        texts = [writer.chunk() for _ in range(count)]
        with connection.cursor() as cursor:
            copy_chunks(
                cursor.cursor,
                workspace_id=target.workspace_id,
                agent_id=target.pk,
                knowledge_ids=[item.pk for item in items],
                texts=texts,
                start=start,
            )
            cursor.execute(
                "UPDATE agents_chunk SET search = to_tsvector('english', text) WHERE search IS NULL AND agent_id = %s",
                [target.pk],
            )
            # What agents.services keeps (retrieval reads it to tell a large agent): without it every
            # agent looked small and the large-agent search was never measured.
            cursor.execute(
                "UPDATE agents_knowledge k SET chunk_count = (SELECT count(*) FROM agents_chunk c "
                "WHERE c.knowledge_id = k.id) WHERE k.agent_id = %s",
                [target.pk],
            )
        return texts

    add_chunks(other, 20_000, 0)
    results = []
    loaded = 0
    sample: list[str] = []
    for size in sizes:
        started = time.perf_counter()
        sample += add_chunks(agent, size - loaded, loaded)[:2000]
        loaded = size
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE agents_chunk")
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('agents_chunk'))")
            table_size = cursor.fetchone()[0]
        load_seconds = time.perf_counter() - started
        retrieval._STATS.clear()  # this size's statistics, as a process started after the load would read them
        questions = []
        for n in range(args.questions + 50):
            kind = n % 3
            if kind == 0:
                sentence = rng.choice(rng.choice(sample).split(". "))
                questions.append(" ".join(sentence.split()[:10]) + "?")
            elif kind == 1:
                questions.append(" ".join(writer.word() for _ in range(rng.randint(3, 7))) + "?")
            else:
                questions.append(" ".join(rng.choice(writer.words[-8000:]) for _ in range(rng.randint(2, 4))) + "?")
        timings, empty = [], 0
        with workspace_scope(workspace):
            for n, question in enumerate(questions):
                if n == 50:
                    backend_before, client_before = backend_cpu_ms(), time.process_time()
                began = time.perf_counter()
                hits = retrieval.search(agent=agent, question=question)
                elapsed = (time.perf_counter() - began) * 1000
                if n >= 50:
                    timings.append(elapsed)
                    empty += not hits
        backend = (backend_cpu_ms() - backend_before) / len(timings)
        client = (time.process_time() - client_before) * 1000 / len(timings)
        timings.sort()
        results.append((size, load_seconds, table_size, statistics.median(timings), percentile(timings, 0.95),
                        percentile(timings, 0.99), timings[-1], empty, len(timings), client, backend))  # fmt: skip
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print("| chunks in the agent | load + index (s) | table + indexes | p50 ms | p95 ms | p99 ms | max ms "
          "| CPU ms per search (client + PostgreSQL) | questions without a hit |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, load, table, p50, p95, p99, worst, empty, count, client, backend in results:
        print(f"| {size:,} | {load:.1f} | {table} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {worst:.1f} "
              f"| {client + backend:.1f} ({client:.1f} + {backend:.1f}) | {empty} of {count} |")  # fmt: skip


if __name__ == "__main__":
    main()
