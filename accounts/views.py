"""Account pages: dashboard, workspace settings, members, invitations, API
keys, audit log, profile. Thin: form → service → redirect with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts import onboarding, selectors, services
from accounts.forms import (
    ApiKeyForm,
    InvitationForm,
    MemberRoleForm,
    ProfileForm,
    WorkspaceForm,
    WorkspaceSettingsForm,
)
from accounts.hooks import API_KEYS, dashboard_panels, has_feature, workspace_summary
from accounts.models import ApiKey, Invitation, Role
from nexusone.errors import ApplicationError
from nexusone.pages import LAST_WORKSPACE_COOKIE, WorkspacePageMixin


@login_required
def dashboard_redirect(request):
    """After sign-in: the workspace used last (a cookie set by workspace pages); in a browser
    without that cookie, the team workspace joined most recently (an invited teammate, the demo
    user's "Demo Store"), else the personal one."""
    memberships = selectors.user_memberships(user=request.user)
    last = request.COOKIES.get(LAST_WORKSPACE_COOKIE, "")[:100]
    membership = (memberships.filter(workspace__slug=last).first() if last else None) or memberships.order_by(
        "workspace__is_personal", "-created_at", "-id"
    ).first()
    if membership is None:
        return redirect("workspace_new")
    return redirect("workspace_dashboard", slug=membership.workspace.slug)


class DashboardView(WorkspacePageMixin, TemplateView):
    template_name = "accounts/dashboard.html"
    form_permissions = {"checklist": "accounts.onboarding.dismiss"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["checklist"] = onboarding.checklist(workspace=self.workspace)
        context["checklist_done"] = sum(step.done for step in context["checklist"])
        context["checklist_hidden"] = onboarding.is_dismissed(self.workspace)
        context["billing"] = workspace_summary(workspace=self.workspace)  # composed: plan and credits
        context["member_count"] = selectors.workspace_memberships(workspace=self.workspace).count()
        context["recent_activity"] = selectors.workspace_audit_entries(workspace=self.workspace)[:8]
        context["charts"] = _dashboard_charts(self.workspace)
        return context

    def post(self, request, slug):
        """Hide (`hide=1`) or show the getting-started checklist."""
        onboarding.dismiss(workspace=self.workspace, dismissed=request.POST.get("hide") == "1")
        return redirect("workspace_dashboard", slug=slug)


def _dashboard_charts(workspace) -> list:
    """The panels modules add beside the cards (analytics: credits by module,
    leads and messages of the last 30 days), through `accounts.hooks`."""
    return dashboard_panels(workspace=workspace, rtl=get_language_bidi())


class WorkspaceSettingsView(WorkspacePageMixin, TemplateView):
    template_name = "accounts/settings_workspace.html"
    form_permissions = {"": "accounts.workspace.change"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", WorkspaceSettingsForm.for_workspace(self.workspace))
        context["can_change"] = self.may("accounts.workspace.change")
        return context

    def post(self, request, slug):
        form = WorkspaceSettingsForm.for_workspace(self.workspace, request.POST)
        if form.is_valid():
            try:
                services.workspace_update_settings(
                    workspace=self.workspace,
                    data=form.cleaned_data,
                    actor=request.user,
                    actor_role=self.membership.role,
                    request=request,
                )
            except ApplicationError as exc:
                for field, errors in (exc.details or {}).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Workspace settings saved."))
                return redirect("workspace_settings", slug=slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MembersView(WorkspacePageMixin, TemplateView):
    """Members with their roles, pending invitations, and the invite form."""

    template_name = "accounts/settings_members.html"
    form_permissions = {
        "invite": "accounts.invitation.create",
        "role": "accounts.member.change_role",
        # anyone may leave; removing someone else is checked by the service (accounts.member.remove)
        "remove": "accounts.member.leave",
        "revoke_invitation": "accounts.invitation.revoke",
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.workspace_memberships(workspace=self.workspace)
        context["invitations"] = (
            Invitation.objects.filter(status=Invitation.Status.PENDING)
            if self.may("accounts.invitation.view")
            else Invitation.objects.none()
        )
        context.setdefault("invite_form", InvitationForm())
        context["role_choices"] = Role.choices
        return context

    def post(self, request, slug):
        action = request.POST.get("action")
        try:
            if action == "invite":
                form = InvitationForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(invite_form=form))
                invitation = services.invitation_create(
                    workspace=self.workspace,
                    actor=request.user,
                    actor_role=self.membership.role,
                    request=request,
                    **form.cleaned_data,
                )
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            elif action == "role":
                form = MemberRoleForm(request.POST)
                if form.is_valid():
                    services.membership_change_role(
                        workspace=self.workspace,
                        membership_id=int(request.POST.get("membership", 0)),
                        role=form.cleaned_data["role"],
                        actor=request.user,
                        actor_role=self.membership.role,
                        request=request,
                    )
                    messages.success(request, _("Role updated."))
            elif action == "remove":
                services.membership_remove(
                    workspace=self.workspace,
                    membership_id=int(request.POST.get("membership", 0)),
                    actor=request.user,
                    actor_role=self.membership.role,
                    request=request,
                )
                messages.success(request, _("Member removed."))
            elif action == "revoke_invitation":
                invitation = get_object_or_404(Invitation.objects.all(), pk=request.POST.get("invitation"))
                services.invitation_revoke(
                    invitation=invitation, actor=request.user, actor_role=self.membership.role, request=request
                )
                messages.success(request, _("Invitation revoked."))
        except (ApplicationError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("The request could not be processed.")))
        return redirect("workspace_members", slug=slug)


class ApiKeysView(WorkspacePageMixin, TemplateView):
    template_name = "accounts/settings_api_keys.html"
    permission = "accounts.api_key.view"
    form_permissions = {"create": "accounts.api_key.create", "revoke": "accounts.api_key.revoke"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["api_keys"] = ApiKey.objects.select_related("created_by")
        context.setdefault("form", ApiKeyForm())
        # Keys need a paid plan (SPEC): otherwise the page offers the upgrade instead of the form.
        context["plan_allows_keys"] = has_feature(workspace=self.workspace, feature=API_KEYS)
        return context

    def post(self, request, slug):
        if request.POST.get("action") == "revoke":
            api_key = get_object_or_404(ApiKey.objects.all(), pk=request.POST.get("api_key"))
            services.api_key_revoke(
                api_key=api_key, actor=request.user, actor_role=self.membership.role, request=request
            )
            messages.success(request, _("API key revoked."))
            return redirect("workspace_api_keys", slug=slug)
        form = ApiKeyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            api_key, secret = services.api_key_create(
                workspace=self.workspace,
                actor=request.user,
                actor_role=self.membership.role,
                request=request,
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("workspace_api_keys", slug=slug)
        return self.render_to_response(self.get_context_data(new_key=secret, new_key_obj=api_key))


class AuditLogView(WorkspacePageMixin, TemplateView):
    template_name = "accounts/settings_audit.html"
    permission = "accounts.audit.view"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(selectors.workspace_audit_entries(workspace=self.workspace), 50)
        context["page_obj"] = paginator.get_page(self.request.GET.get("page"))
        return context


@login_required
def profile(request):
    form = ProfileForm.for_user(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=request.user, data=form.cleaned_data)
        messages.success(request, _("Profile saved."))
        return redirect(
            reverse("profile").replace(f"/{request.LANGUAGE_CODE}/", f"/{request.user.preferred_language}/", 1)
        )
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def workspace_new(request):
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(owner=request.user, name=form.cleaned_data["name"], request=request)
        except ApplicationError as exc:  # e.g. 409 free_workspace_limit: the reason above the form
            form.add_error(None, exc.message)
            return render(request, "accounts/workspace_new.html", {"form": form}, status=exc.status_code)
        messages.success(request, _("Workspace created."))
        return redirect("workspace_dashboard", slug=workspace.slug)
    return render(request, "accounts/workspace_new.html", {"form": form})


def invitation_accept(request, token):
    """The link in the invitation e-mail. Signed in: the invitation and its Accept
    button. Not signed in: straight to sign-up (or sign-in when the address
    has an account) with the invited address filled in and the workspace named;
    both come back here afterwards."""
    try:
        invitation = services.invitation_get_by_token(token=token)
    except ApplicationError as exc:
        return render(request, "accounts/invitation.html", {"error": exc.message}, status=404)
    if not request.user.is_authenticated:
        return _invitation_entrance(request, invitation)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user, request=request)
        except ApplicationError as exc:
            return render(
                request,
                "accounts/invitation.html",
                {"error": exc.message, "invitation": invitation},
                status=exc.status_code,
            )
        messages.success(request, _("Welcome to %(workspace)s.") % {"workspace": membership.workspace.name})
        return redirect("workspace_dashboard", slug=membership.workspace.slug)
    return render(request, "accounts/invitation.html", {"invitation": invitation})


def _invitation_entrance(request, invitation):
    from urllib.parse import urlencode

    from accounts.models import User

    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    params = {"next": request.path}
    if has_account:
        text = _("Sign in as %(email)s to join %(workspace)s.")
    else:
        params["email"] = invitation.email
        text = _("Create your account to join %(workspace)s as %(role)s. Use %(email)s, the address invited.")
    inviter = invitation.invited_by.get_full_name() if invitation.invited_by else ""
    message = text % {
        "email": invitation.email,
        "workspace": invitation.workspace.name,
        "role": invitation.get_role_display(),
    }
    if inviter:
        message = _("%(inviter)s invited you.") % {"inviter": inviter} + " " + message
    messages.info(request, message)
    target = reverse("account_login" if has_account else "account_signup")
    return redirect(f"{target}?{urlencode(params)}")
