"""Run a producer a few items ahead of its consumer, in a background thread.

Pass 2 alternates between Python work (decode a chunk of staged records,
build its COPY payload) and waiting for PostgreSQL (the COPY into a table
with seven indexes, the commit). Waiting on the socket releases the GIL, so
preparing chunk k+1 in a thread while the server writes chunk k uses the
second core that the loop left idle: the pass takes about the longer of the
two instead of their sum (docs/PERFORMANCE.md, "CRM import").

While both threads run, the interpreter switches between them every 0.5 ms
instead of every 5: each time the consumer's query returns it must win the
GIL back from a busy producer, and at the default interval those waits cost
~15 % of pass 2 (measured: 0.26 s of 4.5 s in a 100,000-line import).

The producer must not touch the database connection (Django's connections
are per thread, and the consumer holds the transaction): it only reads the
staged file and computes.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
# How long a blocked put/get waits before re-checking whether the other side gave up.
_POLL_SECONDS = 0.1
_SWITCH_INTERVAL = 0.0005
# The interval is process-wide: the first read-ahead to start shortens it, the
# last to finish restores it (two imports may run in one process's job threads).
_interval_lock = threading.Lock()
_interval_users = 0
_interval_before = 0.0


def _shorten_switch_interval() -> None:
    global _interval_users, _interval_before
    with _interval_lock:
        if _interval_users == 0:
            _interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_interval_before, _SWITCH_INTERVAL))
        _interval_users += 1


def _restore_switch_interval() -> None:
    global _interval_users
    with _interval_lock:
        _interval_users -= 1
        if _interval_users == 0:
            sys.setswitchinterval(_interval_before)


@contextlib.contextmanager
def read_ahead(items: Iterator[T], *, depth: int = 2) -> Iterator[Iterator[T]]:
    """`with read_ahead(generator) as ahead: for item in ahead: …` — the
    generator runs in a thread, at most `depth` items ahead (bounded memory).
    An exception in the producer is re-raised in the consumer at the point
    where the failed item would have arrived; leaving the block early (return,
    exception) stops the producer and waits for it."""
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((_DONE, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def consume() -> Iterator[T]:
        while True:
            item, error = handoff.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item

    _shorten_switch_interval()
    worker = threading.Thread(target=produce, name="crm-import-read-ahead", daemon=True)
    worker.start()
    try:
        yield consume()
    finally:
        stop.set()
        worker.join()
        _restore_switch_interval()
