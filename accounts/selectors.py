"""Account reads."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, User, Workspace
from nexusone.audit import AuditEntry


def user_memberships(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("workspace")
        .filter(user=user, workspace__is_suspended=False)
        .order_by("-workspace__is_personal", "workspace__name", "workspace_id")
    )


def user_workspaces(*, user: User) -> QuerySet[Workspace]:
    return Workspace.objects.filter(memberships__user=user, is_suspended=False).order_by("-is_personal", "name", "id")


def user_role_map(*, user: User) -> dict[int, str]:
    return dict(Membership.objects.filter(user=user).values_list("workspace_id", "role"))


def workspace_memberships(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").filter(workspace=workspace).order_by("created_at", "id")


def workspace_audit_entries(*, workspace: Workspace) -> QuerySet[AuditEntry]:
    return AuditEntry.unscoped.select_related("actor_user").filter(workspace=workspace)
