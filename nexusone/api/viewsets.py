"""The tenant-scoped API base. Every workspace-owned endpoint inherits it.

Contract:
- The workspace is resolved once per request from, in order: the URL
  (`workspace_pk` kwarg on nested workspace routes), the `X-Workspace` header
  (id or slug), the API key's own workspace, or the user's personal workspace.
- A workspace the caller does not belong to answers 404, exactly like a
  missing one — no existence oracle.
- Roles are checked by `WorkspaceRolePermission` against the permission
  table (`nexusone.permissions`): a view names the rule per DRF action or
  HTTP method in `permissions = {"create": "accounts.invitation.create"}`;
  unnamed reads use `<app>.view` (viewer), unnamed writes `<app>.change`
  (member). Rules closed to API keys refuse a key whatever its role.
- The workspace scope (nexusone.tenancy) is active for the whole handler, so
  `Model.objects` only ever sees the caller's workspace. Subclasses implement
  `safely_get_queryset(queryset)`; the base `get_queryset` is not overridable
  in spirit — it starts from the scoped manager.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.views import APIView

from accounts.models import Membership, Workspace
from nexusone import permissions as table
from nexusone.tenancy import activate_workspace, deactivate_workspace

SAFE_METHODS = drf_permissions.SAFE_METHODS


def _workspace_filter(identifier: str) -> Q:
    identifier = identifier.strip()
    if identifier.isdigit():
        return Q(pk=int(identifier))
    return Q(slug=identifier)


def resolve_workspace(request, identifier: str | None = None) -> tuple[Workspace, str]:
    """Return (workspace, role) for the authenticated caller, or raise 404."""
    cached = getattr(request, "_nexusone_workspace", None)
    if cached is not None and identifier is None:
        return cached
    not_found = exceptions.NotFound(_("Workspace not found."))
    identifier = identifier or request.headers.get("X-Workspace") or None
    api_key = request_api_key(request)

    if api_key is not None:
        workspace = api_key.workspace
        if (
            identifier is not None
            and not Workspace.objects.filter(_workspace_filter(identifier), pk=workspace.pk).exists()
        ):
            raise not_found
        # The lower of the key's role and its creator's current role
        # (nexusone.api.authentication sets it at authentication).
        result = (workspace, api_key.effective_role)
    else:
        memberships = Membership.objects.select_related("workspace").filter(
            user=request.user, workspace__is_suspended=False
        )
        if identifier is not None:
            membership = memberships.filter(
                **{f"workspace__{k}": v for k, v in _workspace_filter(identifier).children}
            ).first()
        else:
            membership = memberships.order_by("-workspace__is_personal", "created_at").first()
        if membership is None:
            raise not_found
        result = (membership.workspace, membership.role)

    request._nexusone_workspace = result
    request.workspace, request.workspace_role = result
    return result


def request_api_key(request):
    """The API key the request authenticated with, or None."""
    auth = getattr(request, "auth", None)
    return auth if auth.__class__.__name__ == "ApiKey" else None


class WorkspaceRolePermission(drf_permissions.BasePermission):
    """Membership (else 404) and the table's rule for the action (else 403)."""

    message = _("Your role in this workspace does not allow this action.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        identifier = view.kwargs.get(getattr(view, "workspace_url_kwarg", "") or "__none__")
        _workspace, role = resolve_workspace(request, identifier)
        name = view.permission_name(request)
        if name is None:  # interim role attributes (see nexusone.permissions)
            return table.role_rank(role) >= table.role_rank(view.required_role(request))
        table.require(name, role=role, api_key=request_api_key(request) is not None)
        return True


class WorkspaceScopedMixin:
    """Resolve the workspace, check the role, and hold the tenant scope for the
    whole request. Shared by viewsets and plain API views."""

    permission_classes = [drf_permissions.IsAuthenticated, WorkspaceRolePermission]
    # DRF action (or lower-case HTTP method) → permission name in the table.
    permissions: dict[str, str] = {}
    # Interim (before the table): action → minimum role, or a role for all
    # reads / writes. None = not used.
    required_roles: dict[str, str] = {}
    read_role: str | None = None
    write_role: str | None = None
    # Nested workspace routes name the URL kwarg holding the workspace id.
    workspace_url_kwarg: str | None = None

    def _action(self, request) -> str:
        return getattr(self, "action", None) or request.method.lower()

    def _uses_interim_roles(self, request) -> bool:
        action = self._action(request)
        if action in self.permissions:
            return False
        if action in self.required_roles:
            return True
        return (self.read_role if request.method in SAFE_METHODS else self.write_role) is not None

    def permission_name(self, request) -> str | None:
        """The table rule this request needs (None: an interim role attribute decides)."""
        action = self._action(request)
        if action in self.permissions:
            return self.permissions[action]
        if self._uses_interim_roles(request):
            return None
        return table.default_name(table.app_of(self), write=request.method not in SAFE_METHODS)

    def required_role(self, request) -> str:
        """The least role this request needs."""
        name = self.permission_name(request)
        if name is not None:
            return table.least_role(name)
        action = self._action(request)
        if action in self.required_roles:
            return self.required_roles[action]
        return self.read_role if request.method in SAFE_METHODS else self.write_role

    def check_permissions(self, request):
        # A method this view does not have (TRACE, or PUT on a read-only route)
        # has no rule in the table: 405, not a failed lookup (found by the API fuzz).
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(self, request.method.lower(), None) is None:
            raise exceptions.MethodNotAllowed(request.method)
        super().check_permissions(request)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._scope_token = activate_workspace(request.workspace)

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_scope_token", None)
        if token is not None:
            deactivate_workspace(token)
            self._scope_token = None
        return super().finalize_response(request, response, *args, **kwargs)

    @property
    def workspace(self) -> Workspace:
        return self.request.workspace


class ScopedAPIView(WorkspaceScopedMixin, APIView):
    """A non-model endpoint that acts inside the caller's workspace."""


class ScopedViewSet(WorkspaceScopedMixin, viewsets.GenericViewSet):
    """Base for workspace-owned models: `model` + `safely_get_queryset`."""

    model = None

    def get_queryset(self) -> QuerySet:
        if self.model is None:
            raise AssertionError(f"{type(self).__name__} must set `model`.")
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no scope
            return self.model.unscoped.none()
        # `objects` is the scoped manager: filtered by the active workspace,
        # and raising if none is active.
        return self.safely_get_queryset(self.model.objects.all())

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset
