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
- `register_feature_gate(fn)` — `fn(workspace=, feature=)` raises 403
  `plan_required` when the workspace's plan lacks `feature` (billing: plan
  features). Accounts asks through `require_feature` / `has_feature`: API
  keys need the `api_keys` feature to be created and to authenticate.
- `register_dashboard_panels(fn)` — `fn(workspace=, rtl=) -> list` adds
  chart panels to the dashboard (analytics: the last 30 days).
- `register_account_deleter(fn)` — `fn(user=, password=, request=)` deletes
  a person's account (privacy: memberships, anonymisation, keys); serves
  `DELETE /api/v1/me`.
- `register_workspace_summary(fn)` — `fn(workspace=) -> dict` adds keys to
  `/api/v1/me` and the dashboard (billing: plan and credits).
"""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import Signal

workspace_creating = Signal()
workspace_created = Signal()

_SUMMARIES: list[Callable[..., dict]] = []
_FEATURE_GATES: list[Callable[..., None]] = []

_PANELS: list[Callable[..., list]] = []
_ACCOUNT_DELETERS: list[Callable[..., object]] = []

API_KEYS = "api_keys"


def register_dashboard_panels(provider: Callable[..., list]) -> None:
    if provider not in _PANELS:
        _PANELS.append(provider)


def dashboard_panels(*, workspace, rtl: bool = False) -> list:
    """Every registered module's dashboard panels for `workspace`, in registration order."""
    return [panel for provider in _PANELS for panel in provider(workspace=workspace, rtl=rtl)]


def register_account_deleter(deleter: Callable[..., object]) -> None:
    if deleter not in _ACCOUNT_DELETERS:
        _ACCOUNT_DELETERS.append(deleter)


def delete_account(*, user, password: str, request=None):
    """Delete `user`'s account through the module that owns personal data (privacy)."""
    if not _ACCOUNT_DELETERS:
        raise RuntimeError("No module deletes accounts (privacy registers one in its AppConfig.ready).")
    return _ACCOUNT_DELETERS[0](user=user, password=password, request=request)


def register_feature_gate(gate: Callable[..., None]) -> None:
    if gate not in _FEATURE_GATES:
        _FEATURE_GATES.append(gate)


def require_feature(*, workspace, feature: str) -> None:
    """Raise (403 `plan_required`) unless every registered gate lets `workspace` use `feature`."""
    for gate in _FEATURE_GATES:
        gate(workspace=workspace, feature=feature)


def has_feature(*, workspace, feature: str) -> bool:
    """`require_feature` as a yes/no, for pages choosing between a form and an Upgrade link."""
    from nexusone.errors import ApplicationError

    try:
        require_feature(workspace=workspace, feature=feature)
    except ApplicationError:
        return False
    return True


def register_workspace_summary(provider: Callable[..., dict]) -> None:
    if provider not in _SUMMARIES:
        _SUMMARIES.append(provider)


def workspace_summary(*, workspace) -> dict:
    """Every registered module's summary of `workspace`, merged."""
    summary: dict = {}
    for provider in _SUMMARIES:
        summary.update(provider(workspace=workspace))
    return summary
