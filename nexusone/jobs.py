"""`shared_task` without importing Celery at start-up.

Importing `celery.app` (and kombu under it) costs a web worker ~0.2 s of boot
for tasks it usually only enqueues later, if ever. `@shared_task(...)` here
returns a `LazyTask` holding the function and its options; the Celery task
is made — by Celery's own `shared_task`, with the same name, options and
registration — the first time anything on it is used (`.delay`,
`.apply_async`, `.name`, a call). In a process where Celery is already loaded
(the worker and beat import `nexusone.celery` first) the task is made at
once, so the worker's registry is complete as before.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any


class LazyTask:
    def __init__(self, function: Callable, options: dict[str, Any]) -> None:
        functools.update_wrapper(self, function)
        self._options = options
        self._task = None
        if "celery.app" in sys.modules:
            self._resolve()

    def _resolve(self):
        task = self.__dict__.get("_task")
        if task is None:
            from celery import shared_task as celery_shared_task

            import nexusone.celery  # noqa: F401  (the configured app becomes Celery's current app)

            task = self._task = celery_shared_task(**self._options)(self.__wrapped__)
        return task

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_task", "_options"):
            raise AttributeError(name)
        return getattr(self._resolve(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<LazyTask {self.__module__}.{self.__qualname__}>"


def shared_task(*args: Any, **options: Any) -> Any:
    """Same signature as `celery.shared_task`: bare or with options."""
    if args:
        if len(args) == 1 and callable(args[0]) and not options:
            return LazyTask(args[0], {})
        raise TypeError("shared_task takes the function or keyword options only")

    def decorator(function: Callable) -> LazyTask:
        return LazyTask(function, options)

    return decorator
