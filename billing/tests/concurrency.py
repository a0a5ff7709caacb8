"""Run a function in N threads that start together, each on its own
database connection (closed afterwards)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_together(count: int, work: Callable[[int], object]) -> list[tuple[str, object]]:
    barrier = threading.Barrier(count)
    results: list[tuple[str, object]] = [("missing", None)] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = ("ok", work(index))
        except Exception as exc:
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
