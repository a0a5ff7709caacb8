"""Server-rendered page plumbing: the workspace page mixin (the page-side
tenancy edge), the public home page and error pages.

Pages carry the workspace in the URL (`/<lang>/w/<slug>/…`), so two tabs on
two workspaces never cross. A slug the user is not a member of is a 404.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, role_at_least
from nexusone import permissions as table
from nexusone.middleware import is_api_path
from nexusone.tenancy import workspace_scope

READ_METHODS = ("GET", "HEAD", "OPTIONS")
LAST_WORKSPACE_COOKIE = "nexusone_workspace"


class WorkspacePageMixin(LoginRequiredMixin):
    """Resolve `<slug>` to a workspace the user belongs to, check the
    permission table and hold the tenant scope while the view runs.

    Permissions (`nexusone.permissions`): reads need `permission` (default
    `<app>.view`); a POST needs the rule named for its `action` field in
    `form_permissions` (`""` for forms without one; an undeclared action
    needs the strictest declared rule), else `<app>.change`. A
    refused request is a 403 before the handler runs. Interim: a role in
    `required_role` (reads) or `write_role` (writes) replaces the default."""

    permission: str | None = None
    form_permissions: dict[str, str] = {}
    required_role: str | None = None
    write_role: str | None = None

    @classmethod
    def permission_for(cls, method: str, action: str | None = None) -> str | None:
        """The table rule a request needs; None when an interim role attribute decides."""
        if method in READ_METHODS:
            if cls.permission:
                return cls.permission
            return None if cls.required_role else table.default_name(table.app_of(cls), write=False)
        if cls.form_permissions:
            if action is not None and action in cls.form_permissions:
                return cls.form_permissions[action]
            # An action the view did not declare needs the strictest declared rule (fail closed).
            return max(cls.form_permissions.values(), key=lambda name: table.role_rank(table.least_role(name)))
        return None if cls.write_role else table.default_name(table.app_of(cls), write=True)

    @classmethod
    def role_needed(cls, method: str, action: str | None = None) -> str:
        name = cls.permission_for(method, action)
        if name is not None:
            return table.least_role(name)
        return cls.required_role if method in READ_METHODS else cls.write_role

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = (
            Membership.objects.select_related("workspace")
            .filter(user=request.user, workspace__slug=kwargs.get("slug"), workspace__is_suspended=False)
            .first()
        )
        if membership is None:
            raise Http404(_("Workspace not found."))
        action = request.POST.get("action", "") if request.method == "POST" else None
        if table.role_rank(membership.role) < table.role_rank(self.role_needed(request.method, action)):
            raise PermissionDenied(_("Your role in this workspace does not allow this action."))
        request.workspace, request.workspace_role = membership.workspace, membership.role
        self.workspace, self.membership = membership.workspace, membership
        with workspace_scope(membership.workspace):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                response.render()  # render while the scope is active
        if request.method in READ_METHODS and response.status_code == 200:
            # sign-in lands here next time (accounts.views.dashboard_redirect)
            response.set_cookie(LAST_WORKSPACE_COOKIE, membership.workspace.slug, max_age=365 * 86400,
                                httponly=True, samesite="Lax", secure=request.is_secure())  # fmt: skip
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["workspace"] = self.workspace
        context["membership"] = self.membership
        context["can_write"] = role_at_least(self.membership.role, Role.MEMBER)
        context["can_admin"] = role_at_least(self.membership.role, Role.ADMIN)
        return context

    def may(self, name: str) -> bool:
        """Whether the current member may do `name` (for per-object checks in handlers)."""
        return table.allowed(name, self.membership.role)


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home.html")


def page_not_found(request, exception=None):
    if is_api_path(request.path):
        return JsonResponse({"error": {"code": "not_found", "message": _("Not found."), "details": {}}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if is_api_path(request.path):
        return JsonResponse(
            {"error": {"code": "server_error", "message": _("Something went wrong on our side."), "details": {}}},
            status=500,
        )
    return render(request, "500.html", status=500)
