"""Privacy pages: the workspace's privacy settings (export, retention, delete),
the account's export/delete, and a contact's export/erase."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.models import Contact
from nexusone.errors import ApplicationError
from nexusone.pages import WorkspacePageMixin
from privacy import erasure, retention, services


def _json_download(data: dict, name: str) -> HttpResponse:
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _error(request, exc: ApplicationError) -> None:
    details = " ".join(str(m) for values in exc.details.values() for m in (values if isinstance(values, list) else []))
    messages.error(request, f"{exc.message} {details}".strip())


class PrivacyPage(WorkspacePageMixin, TemplateView):
    template_name = "privacy/settings.html"
    permission = "privacy.view"
    form_permissions = {
        "export": "privacy.export.create",
        "retention": "privacy.retention.change",
        "delete": "privacy.workspace.delete",
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        export = services.export_latest(workspace=self.workspace)
        link = None
        if export is not None and self.may("privacy.export.view"):
            link = services.export_link(export=export, user=self.request.user, role=self.membership.role)
        context.update(
            export=export,
            link=link,
            policy=retention.policy_for(self.workspace),
            limits=retention.LIMITS,
            grace_days=services.GRACE.days,
            may_delete=self.may("privacy.workspace.delete"),
            may_change=self.may("privacy.retention.change"),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        here = reverse("privacy_settings", kwargs={"slug": self.workspace.slug})
        try:
            if action == "export":
                services.export_start(workspace=self.workspace, user=request.user, role=self.membership.role)
                messages.success(request, _("The export started. You will be notified when it is ready."))
            elif action == "retention":
                retention.policy_update(
                    workspace=self.workspace, role=self.membership.role, data=request.POST, user=request.user,
                    request=request,
                )  # fmt: skip
                messages.success(request, _("Retention settings saved."))
            elif action == "delete":
                services.deletion_request(
                    workspace=self.workspace, user=request.user, role=self.membership.role,
                    confirm=request.POST.get("confirm", ""), request=request,
                )  # fmt: skip
                messages.success(
                    request, _("The workspace is deleted. You can restore it from your account for 7 days.")
                )
                slug = _personal_slug(request.user)
                return HttpResponseRedirect(reverse("account_privacy", kwargs={"slug": slug}) if slug else "/")
        except ApplicationError as exc:
            _error(request, exc)
        return HttpResponseRedirect(here)


def _personal_slug(user) -> str:
    from accounts.models import Membership

    membership = (
        Membership.objects.filter(user=user, workspace__is_suspended=False)
        .order_by("-workspace__is_personal", "created_at")
        .select_related("workspace")
        .first()
    )
    return membership.workspace.slug if membership else ""


class AccountPrivacyPage(WorkspacePageMixin, TemplateView):
    """The signed-in person's own data: download it, delete the account,
    restore a workspace they deleted."""

    template_name = "privacy/account.html"
    permission = "accounts.view"
    form_permissions = {"export": "accounts.profile.change", "delete": "accounts.profile.change",
                        "restore": "accounts.profile.change"}  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["deletions"] = services.deletions_for(user=self.request.user)
        context["sole"] = erasure.sole_owned_workspaces(self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        try:
            if action == "export":
                return _json_download(erasure.user_export(user=request.user), "my-data.json")
            if action == "restore":
                workspace = services.deletion_restore(
                    reference=request.POST.get("reference", ""), user=request.user, request=request
                )
                messages.success(request, _("The workspace %(name)s was restored.") % {"name": workspace.name})
            elif action == "delete":
                erasure.user_delete(user=request.user, password=request.POST.get("password", ""), request=request)
                logout(request)
                return HttpResponseRedirect(reverse("home"))
        except ApplicationError as exc:
            _error(request, exc)
        return HttpResponseRedirect(reverse("account_privacy", kwargs={"slug": self.workspace.slug}))


class ContactPrivacyPage(WorkspacePageMixin, TemplateView):
    template_name = "privacy/contact.html"
    permission = "privacy.contact.export"
    form_permissions = {"export": "privacy.contact.export", "erase": "privacy.contact.erase"}

    def _contact(self) -> Contact:
        contact = Contact.objects.filter(pk=self.kwargs["pk"]).first()
        if contact is None:
            raise Http404
        return contact

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = self._contact()
        records = erasure.contact_export(contact=contact, role=self.membership.role)["records"]
        context.update(contact=contact, records=sorted((label, len(rows)) for label, rows in records.items()))
        return context

    def post(self, request, *args, **kwargs):
        contact = self._contact()
        action = request.POST.get("action", "")
        if action == "export":
            data = erasure.contact_export(contact=contact, role=self.membership.role)
            return _json_download(data, f"contact-{contact.pk}.json")
        erasure.contact_erase(
            contact=contact, role=self.membership.role, user=request.user, block="block" in request.POST,
            request=request,
        )  # fmt: skip
        messages.success(request, _("The contact was erased from every module."))
        return HttpResponseRedirect(reverse("crm_contacts", kwargs={"slug": self.workspace.slug}))
