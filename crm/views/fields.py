"""Custom field definitions."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.models import Role
from crm import selectors, services
from crm.forms import CustomFieldForm
from crm.models import CustomFieldDefinition
from crm.views.common import CrmPage, _error_message
from nexusone.errors import ApplicationError


class CustomFieldsView(CrmPage):
    """The workspace's extra contact fields; admins define them."""

    section = "fields"
    template_name = "crm/custom_fields.html"
    write_role = Role.ADMIN

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["definitions"] = selectors.custom_field_definitions()
        context.setdefault("form", CustomFieldForm())
        return context

    def post(self, request, slug):
        if request.POST.get("action") == "delete":
            definition = self._object(CustomFieldDefinition.objects.all(), request.POST.get("definition") or 0)
            services.custom_field_delete(definition=definition)
            messages.success(request, _("Custom field deleted."))
            return redirect("crm_fields", slug=slug)
        form = CustomFieldForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.custom_field_create(
                    workspace=self.workspace,
                    key=data["key"],
                    label=data["label"],
                    type=data["type"],
                    choices=[c for c in data["choices"].split(",") if c.strip()],
                )
            except ApplicationError as exc:
                form.add_error(None, _error_message(exc))
            else:
                messages.success(request, _("Custom field added."))
                return redirect("crm_fields", slug=slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)
