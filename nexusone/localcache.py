"""A small in-process cache with a time-to-live, for values read on every
request that change rarely (a workspace plan's API rate).

Each web process keeps its own copy, so a read costs no network round trip;
the writer invalidates its own process at once (`delete`) and the TTL bounds
how long another process may keep a stale value. Every instance registers
itself so the test suite can empty them all between tests (`clear_all`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Any

_REGISTRY: list[LocalTTLCache] = []
_MISSING = object()


class LocalTTLCache:
    def __init__(self, *, ttl: float, max_entries: int = 50_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._data: dict[Hashable, tuple[Any, float]] = {}
        self._lock = threading.Lock()
        _REGISTRY.append(self)

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._data.get(key, _MISSING)
        if entry is _MISSING or entry[1] <= time.monotonic():
            return default
        return entry[0]

    def set(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._data.clear()  # bounded memory; entries refill on demand
            self._data[key] = (value, time.monotonic() + self.ttl)

    def delete(self, key: Hashable) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def clear_all() -> None:
    for local in _REGISTRY:
        local.clear()
