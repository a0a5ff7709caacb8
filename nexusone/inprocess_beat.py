"""The periodic jobs of `CELERY_BEAT_SCHEDULE`, run in a thread of the web
process — what `make run` uses instead of a `celery beat` and a worker, so
holds settle, rollups refresh and ticks run on a fresh machine too.

Every entry runs once at start, then every `schedule` seconds; a job runs
in the thread itself (the task's body via `apply()`, as the eager setting
runs the tasks it enqueues), one at a time, and a failure is logged and
retried at the next due time. Production keeps `celery beat` (Procfile).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from importlib import import_module

from celery import current_app
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)


def _seconds(schedule) -> float:
    if isinstance(schedule, int | float):
        return float(schedule)
    run_every = getattr(schedule, "run_every", None)  # celery.schedules.schedule / timedelta
    if run_every is not None:
        return run_every.total_seconds()
    if hasattr(schedule, "total_seconds"):
        return schedule.total_seconds()
    raise ValueError(f"Unsupported schedule {schedule!r}")


def resolve_task(task_name: str):
    """The registered task: its module (the name's dotted prefix) is imported first."""
    if task_name not in current_app.tasks:
        import_module(task_name.rsplit(".", 1)[0])
    return current_app.tasks[task_name]


class InProcessBeat:
    """Runs due entries; `tick(now)` is the whole scheduling rule (tested without a thread)."""

    def __init__(self, schedule: dict | None = None, *, runner: Callable[[str], None] | None = None):
        entries = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
        self.entries = {name: (entry["task"], _seconds(entry["schedule"])) for name, entry in entries.items()}
        self.next_due: dict[str, float] = {}
        self.runner = runner or self.run_task
        self.runs: dict[str, int] = {}
        self._stop = threading.Event()

    @staticmethod
    def run_task(task_name: str) -> None:
        resolve_task(task_name).apply(throw=True)

    def tick(self, now: float) -> list[str]:
        """Run every entry that is due at `now`; returns their names."""
        ran = []
        for name, (task_name, every) in self.entries.items():
            if now < self.next_due.get(name, 0.0):
                continue
            self.next_due[name] = now + every
            try:
                self.runner(task_name)
            except Exception:
                logger.exception("Periodic job %s (%s) failed; it runs again in %ss.", name, task_name, every)
            self.runs[name] = self.runs.get(name, 0) + 1
            ran.append(name)
        return ran

    def seconds_to_next(self, now: float) -> float:
        upcoming = [due - now for due in self.next_due.values()] or [0.0]
        return max(0.5, min(upcoming))

    def loop(self) -> None:
        while not self._stop.is_set():
            close_old_connections()  # the thread's own connection, as a request would
            try:
                self.tick(time.monotonic())
            finally:
                close_old_connections()
            self._stop.wait(self.seconds_to_next(time.monotonic()))

    def stop(self) -> None:
        self._stop.set()


def start_in_thread() -> InProcessBeat:
    beat = InProcessBeat()
    threading.Thread(target=beat.loop, name="nexusone-inprocess-beat", daemon=True).start()
    logger.info("In-process periodic jobs started: %s.", ", ".join(sorted(beat.entries)))
    return beat
