"""The getting-started checklist shown on a new workspace's dashboard.

Each step is declared by the app that owns it in `<app>/onboarding.py`
(found by Django's autodiscover, like `personal_data`), so `accounts`
imports no module above it. A step is done when the workspace's real state
says so (a generated post, a published page, an import, a connected number,
a teammate); the one step no row records — the settings confirmed — is kept
in `Workspace.onboarding`. Progress is remembered: a step once done stays
done (`onboarding["completed"]`), so deleting the first post does not undo
the checklist, and a finished step is not queried again.

`onboarding["dismissed"]` hides the checklist from the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation, Membership, Workspace

_STEPS: dict[str, Step] = {}
_DISCOVERED = False


@dataclass(frozen=True)
class Step:
    key: str
    order: int
    title: str
    hint: str
    url_name: str  # a workspace page: reverse(url_name, args=[slug])
    done: Callable[[Workspace], bool]
    permission: str = ""  # the table rule the step's page needs to act ('' = any member)


@dataclass(frozen=True)
class StepState:
    key: str
    title: str
    hint: str
    url: str
    done: bool
    permission: str


def register(step: Step) -> None:
    _STEPS[step.key] = step


def steps() -> list[Step]:
    global _DISCOVERED
    if not _DISCOVERED:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("onboarding")
        _DISCOVERED = True
    return sorted(_STEPS.values(), key=lambda step: step.order)


def checklist(*, workspace: Workspace) -> list[StepState]:
    """Every step with its state; newly finished steps are remembered on the workspace."""
    state = dict(workspace.onboarding or {})
    completed = set(state.get("completed") or [])
    rows = []
    for step in steps():
        done = step.key in completed or bool(step.done(workspace))
        if done:
            completed.add(step.key)
        rows.append(
            StepState(
                key=step.key,
                title=step.title,
                hint=step.hint,
                url=reverse(step.url_name, args=[workspace.slug]),
                done=done,
                permission=step.permission,
            )
        )
    if completed != set(state.get("completed") or []):
        _remember(workspace, completed=sorted(completed))
    return rows


def _remember(workspace: Workspace, **changes) -> None:
    with transaction.atomic():
        locked = Workspace.objects.select_for_update().only("id", "onboarding").get(pk=workspace.pk)
        state = dict(locked.onboarding or {})
        if "completed" in changes:
            changes["completed"] = sorted(set(state.get("completed") or []) | set(changes["completed"]))
        state.update(changes)
        Workspace.objects.filter(pk=workspace.pk).update(onboarding=state)
    workspace.onboarding = state


def mark_settings_saved(workspace: Workspace) -> None:
    if not (workspace.onboarding or {}).get("settings_saved"):
        _remember(workspace, settings_saved=True)


def dismiss(*, workspace: Workspace, dismissed: bool = True) -> None:
    _remember(workspace, dismissed=dismissed)


def is_dismissed(workspace: Workspace) -> bool:
    return bool((workspace.onboarding or {}).get("dismissed"))


# --- the steps `accounts` owns --------------------------------------------------------------


def _settings_saved(workspace: Workspace) -> bool:
    return bool((workspace.onboarding or {}).get("settings_saved"))


def _has_teammate(workspace: Workspace) -> bool:
    if Membership.objects.filter(workspace=workspace).count() > 1:
        return True
    return Invitation.objects.filter(workspace=workspace).exists()


register(
    Step(
        key="settings",
        order=10,
        title=_("Name your workspace and its region"),
        hint=_("The region reads local phone numbers; the time zone dates your reports."),
        url_name="workspace_settings",
        done=_settings_saved,
        permission="accounts.workspace.change",
    )
)
register(
    Step(
        key="invite",
        order=60,
        title=_("Invite a teammate"),
        hint=_("Work together: invitations are free."),
        url_name="workspace_members",
        done=_has_teammate,
        permission="accounts.invitation.create",
    )
)
