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
from nexusone.middleware import is_api_path
from nexusone.tenancy import workspace_scope


class WorkspacePageMixin(LoginRequiredMixin):
    """Resolve `<slug>` to a workspace the user belongs to, check the role and
    hold the tenant scope while the view runs."""

    required_role: str = Role.VIEWER
    write_role: str = Role.MEMBER

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
        needed = self.required_role if request.method in ("GET", "HEAD", "OPTIONS") else self.write_role
        if not role_at_least(membership.role, needed):
            raise PermissionDenied(_("Your role in this workspace does not allow this action."))
        request.workspace, request.workspace_role = membership.workspace, membership.role
        self.workspace, self.membership = membership.workspace, membership
        with workspace_scope(membership.workspace):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                response.render()  # render while the scope is active
            return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["workspace"] = self.workspace
        context["membership"] = self.membership
        context["can_write"] = role_at_least(self.membership.role, Role.MEMBER)
        context["can_admin"] = role_at_least(self.membership.role, Role.ADMIN)
        return context


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
