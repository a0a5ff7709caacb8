"""Tenant scoping that fails closed.

Contract:
- Every workspace-owned model inherits `WorkspaceOwned`. Its default manager
  (`objects`) filters by the *active* workspace and raises
  `WorkspaceScopeMissing` when no workspace is active — forgetting the scope is
  an error, never a silent leak.
- The scope is entered only at the edges: the API viewset base
  (`nexusone.api.viewsets`), the page mixin (`nexusone.pages`), the Celery task
  base (`nexusone.tasks`) and webhook/public handlers, with `workspace_scope()`.
- `Model.unscoped` is the plainly named bypass for the admin, migrations,
  data maintenance and lookups that *define* the tenant (an API key by its
  prefix). Grep for `.unscoped` to review every bypass.
- Django's cascade deletes and related-object access use `_base_manager`,
  which stays a plain manager.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from accounts.models import Workspace

_active_workspace: ContextVar[Workspace | None] = ContextVar("nexusone_active_workspace", default=None)


class WorkspaceScopeMissing(RuntimeError):
    """A workspace-owned model was queried with no workspace scope active."""


def get_active_workspace() -> Workspace | None:
    return _active_workspace.get()


def require_active_workspace() -> Workspace:
    workspace = _active_workspace.get()
    if workspace is None:
        raise WorkspaceScopeMissing(
            "No workspace scope is active. Enter one with nexusone.tenancy.workspace_scope() at the edge "
            "(viewset, page mixin, task base) or use Model.unscoped deliberately."
        )
    return workspace


@contextlib.contextmanager
def workspace_scope(workspace: Workspace) -> Iterator[Workspace]:
    """Make `workspace` the active tenant for the duration of the block."""
    token = _active_workspace.set(workspace)
    try:
        yield workspace
    finally:
        _active_workspace.reset(token)


def activate_workspace(workspace: Workspace | None):
    """Low-level: set the scope and return the token to reset it (edges only)."""
    return _active_workspace.set(workspace)


def deactivate_workspace(token) -> None:
    _active_workspace.reset(token)


class _ScopeMissingQuerySet(models.QuerySet):
    """What the scoped manager hands out when no workspace is active: an empty
    queryset (so used as a subquery it matches nothing) that raises
    `WorkspaceScopeMissing` the moment anything evaluates it. Building one is
    allowed, because libraries introspect `Model._default_manager.all().query`
    at import time (django-filter, drf-spectacular)."""

    def _clone(self):
        return self.__class__(model=self.model, query=self.query.chain(), using=self._db, hints=self._hints)

    def _refuse(self, *args, **kwargs):
        require_active_workspace()
        raise AssertionError("unreachable")  # pragma: no cover

    _fetch_all = count = exists = aggregate = update = delete = iterator = in_bulk = explain = _refuse
    contains = _update = get_or_create = update_or_create = _refuse


class WorkspaceScopedManager(models.Manager):
    """Default manager of workspace-owned models: filters by the active workspace."""

    def get_queryset(self) -> models.QuerySet:
        workspace = get_active_workspace()
        if workspace is None:
            return _ScopeMissingQuerySet(model=self.model, using=self._db, hints=self._hints).none()
        return super().get_queryset().filter(workspace_id=workspace.pk)

    def none(self) -> models.QuerySet:
        # An empty queryset can leak nothing, so it needs no scope.
        return super().get_queryset().none()


class WorkspaceOwned(models.Model):
    """Abstract base of every row that belongs to one workspace."""

    workspace = models.ForeignKey(
        "accounts.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceScopedManager()
    unscoped = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "unscoped"

    def save(self, *args, **kwargs):
        # The workspace is injected by the server from the active scope, never
        # taken from a request body.
        if self.workspace_id is None:
            self.workspace = require_active_workspace()
        super().save(*args, **kwargs)
