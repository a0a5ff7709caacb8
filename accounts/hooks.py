"""What `accounts` offers the modules above it, without importing them.

Identity sits below money: `accounts` imports no other domain app. Modules
that must react to identity events, or add to what identity pages show,
plug in here from their `AppConfig.ready()`:

- `workspace_creating` — sent inside the creating transaction before the
  workspace exists (`owner=`, `is_personal=`); a receiver refuses by raising
  an `ApplicationError` (billing: the free workspaces one person may own).
- `workspace_created` — sent inside the creating transaction, after the
  owner's membership exists (`workspace=`, `owner=`); billing opens the
  workspace's account on it.
- `register_workspace_summary(fn)` — `fn(workspace=) -> dict` adds keys to
  `/api/v1/me` and the dashboard (billing: plan and credits).
"""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import Signal

workspace_creating = Signal()
workspace_created = Signal()

_SUMMARIES: list[Callable[..., dict]] = []


def register_workspace_summary(provider: Callable[..., dict]) -> None:
    if provider not in _SUMMARIES:
        _SUMMARIES.append(provider)


def workspace_summary(*, workspace) -> dict:
    """Every registered module's summary of `workspace`, merged."""
    summary: dict = {}
    for provider in _SUMMARIES:
        summary.update(provider(workspace=workspace))
    return summary
