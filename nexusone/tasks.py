"""The Celery edge of tenancy.

Tasks take ids, never model instances. `workspace_task` re-enters the
workspace scope from a `workspace_id` argument before the task body runs, so
task code uses the same scoped managers as views. Enqueue with
`task.delay_on_commit(...)` (or `transaction.on_commit`) so a task never runs
for a row that was rolled back. Every task must be safe to run twice.

A suspended workspace does no background work: its tasks return without
running (logged), unless declared `runs_when_suspended=True` — only work that
gives back (refunds, reaping stuck sends, settling charges) or records what
must be recorded (inbound messages and opt-outs) is. Beat ticks skip
suspended workspaces when they look for work, so scheduled broadcasts wait
until the suspension is lifted.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from nexusone.jobs import shared_task
from nexusone.tenancy import workspace_scope

logger = logging.getLogger(__name__)


def workspace_task(*task_args: Any, **task_options: Any) -> Callable:
    """`@workspace_task(bind=False, autoretry_for=..., ...)` — a shared task whose
    first keyword argument `workspace_id` selects the scope."""

    runs_when_suspended = bool(task_options.pop("runs_when_suspended", False))

    def decorator(function: Callable) -> Callable:
        @functools.wraps(function)
        def run_in_scope(*args: Any, workspace_id: int, **kwargs: Any) -> Any:
            from accounts.models import Workspace

            workspace = Workspace.objects.filter(pk=workspace_id).first()
            if workspace is None:  # deleted meanwhile: nothing left to do
                return None
            if workspace.is_suspended and not runs_when_suspended:
                logger.info("%s skipped: workspace %s is suspended", function.__name__, workspace_id)
                return None
            with workspace_scope(workspace):
                return function(*args, workspace_id=workspace_id, **kwargs)

        options = {"acks_late": True, "reject_on_worker_lost": True, **task_options}
        return shared_task(*task_args, **options)(run_in_scope)

    return decorator
