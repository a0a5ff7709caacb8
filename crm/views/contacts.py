"""Contact pages: the list with filters and bulk actions, the CSV export,
create, and a contact's page (timeline, merge, erase)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from crm import exports, selectors, services
from crm.forms import ActivityForm, BulkActionForm, ContactFilterForm, ContactForm, MergeForm
from crm.models import Contact, Segment, Stage
from crm.views.common import PAGE_SIZE, CrmPage, _error_message
from nexusone.api.keyset import BoundedCountPaginator
from nexusone.errors import ApplicationError, NotFound, ValidationFailed


class ContactListView(CrmPage):
    """Search, filters, pagination, bulk tag/stage changes."""

    template_name = "crm/contact_list.html"

    def _filter_form(self):
        return ContactFilterForm(self.request.GET or None, segments=Segment.objects.all())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self._filter_form()
        queryset = selectors.contact_list(**form.selector_kwargs()) if form.is_bound else selectors.contact_list()
        page = BoundedCountPaginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=form,
            page_obj=page,
            query=query.urlencode(),
            bulk_form=kwargs.get("bulk_form") or BulkActionForm(),
            has_contacts=Contact.objects.exists(),
            stages=Stage.choices,
        )
        return context

    def post(self, request, slug):
        form = BulkActionForm(request.POST)
        back = reverse("crm_contacts", kwargs={"slug": slug})
        query = request.POST.get("query", "")
        if query:
            back += "?" + urlencode([(k, v) for k, v in _parse_query(query)])
        if not form.is_valid():
            messages.error(request, _("Select contacts and an action."))
            return redirect(back)
        data = form.cleaned_data
        try:
            count = services.contacts_bulk_update(
                workspace=self.workspace,
                ids=data["ids"],
                add_tags=[data["tag"]] if data["action"] == "add_tag" else [],
                remove_tags=[data["tag"]] if data["action"] == "remove_tag" else [],
                stage=data["stage"] if data["action"] == "set_stage" else None,
                user=request.user,
            )
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        else:
            messages.success(request, _("%(n)d contacts updated.") % {"n": count})
        return redirect(back)


def _parse_query(query: str):
    from urllib.parse import parse_qsl

    allowed = {"q", "stage", "tag", "segment", "score_min", "score_max", "language", "email_opt_in", "ordering", "page"}
    return [(key, value) for key, value in parse_qsl(query)[:20] if key in allowed]


class ContactExportView(CrmPage):
    """The filtered list as a CSV download (formula-escaped)."""

    def get(self, request, slug):
        form = ContactFilterForm(request.GET or None, segments=Segment.objects.all())
        queryset = selectors.contact_list(**form.selector_kwargs()) if form.is_bound else selectors.contact_list()
        services.contacts_export_record(
            workspace=self.workspace, user=request.user, request=request, filters=request.GET, fmt="csv"
        )
        return exports.contacts_csv_response(workspace=self.workspace, queryset=queryset)


class ContactCreateView(CrmPage):
    template_name = "crm/contact_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ContactForm(definitions=selectors.custom_field_definitions()))
        return context

    def post(self, request, slug):
        form = ContactForm(request.POST, definitions=selectors.custom_field_definitions())
        if form.is_valid():
            try:
                contact = services.contact_create(
                    workspace=self.workspace, data=form.service_data(), user=request.user, source="manual"
                )
            except ValidationFailed as exc:
                form.add_service_errors(exc.details)
            except ApplicationError as exc:
                existing = exc.details.get("existing_id") if isinstance(exc.details, dict) else None
                if existing:
                    url = reverse("crm_contact", kwargs={"slug": slug, "pk": existing})
                    messages.error(request, _error_message(exc) + " " + _("Opened the existing contact."))
                    return redirect(url)
                messages.error(request, _error_message(exc))
            else:
                messages.success(request, _("Contact created."))
                return redirect("crm_contact", slug=slug, pk=contact.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ContactDetailView(CrmPage):
    """The contact, its score and timeline; edit, log an activity, merge a
    duplicate into it, delete it."""

    template_name = "crm/contact_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = kwargs.get("contact") or self._contact()
        definitions = list(selectors.custom_field_definitions())
        timeline = Paginator(selectors.contact_timeline(contact=contact), 20).get_page(self.request.GET.get("page"))
        labels = {d.key: d.label for d in definitions}
        context.update(
            contact=contact,
            timeline=timeline,
            custom_values=[(labels.get(key, key), value) for key, value in (contact.custom_fields or {}).items()],
            form=kwargs.get("form") or ContactForm(initial=ContactForm.initial_for(contact), definitions=definitions),
            activity_form=kwargs.get("activity_form") or ActivityForm(),
            merge_form=kwargs.get("merge_form") or MergeForm(),
        )
        return context

    def _contact(self) -> Contact:
        try:
            return selectors.contact_get(contact_id=self.kwargs["pk"])
        except NotFound:
            raise Http404(_("Contact not found.")) from None

    def post(self, request, slug, pk):
        contact = self._contact()
        action = request.POST.get("action")
        try:
            if action == "update":
                form = ContactForm(request.POST, definitions=selectors.custom_field_definitions())
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(contact=contact, form=form))
                try:
                    services.contact_update(contact=contact, data=form.service_data(), user=request.user)
                except ValidationFailed as exc:
                    form.add_service_errors(exc.details)
                    return self.render_to_response(self.get_context_data(contact=contact, form=form))
                messages.success(request, _("Contact saved."))
            elif action == "activity":
                form = ActivityForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(contact=contact, activity_form=form))
                data = form.cleaned_data
                services.activity_add(
                    contact=contact,
                    type=data["type"],
                    payload={"text": data["text"]} if data["text"] else {},
                    occurred_at=data["occurred_at"],
                    actor=request.user,
                )
                messages.success(request, _("Activity added."))
            elif action == "merge":
                form = MergeForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(contact=contact, merge_form=form))
                other = _find_other(form.cleaned_data["other"], workspace=self.workspace)
                if other is None:
                    form.add_error("other", _("No other contact has this e-mail address, phone number or ID."))
                    return self.render_to_response(self.get_context_data(contact=contact, merge_form=form))
                services.contact_merge(
                    workspace=self.workspace,
                    contact_id=contact.pk,
                    other_id=other.pk,
                    user=request.user,
                    request=request,
                )
                messages.success(request, _("Contacts merged."))
            elif action == "delete":
                services.contact_delete(contact=contact, user=request.user, request=request)
                messages.success(request, _("Contact deleted."))
                return redirect("crm_contacts", slug=slug)
        except ApplicationError as exc:
            messages.error(request, _error_message(exc))
        return redirect("crm_contact", slug=slug, pk=pk)


def _find_other(text: str, *, workspace) -> Contact | None:
    from crm.validation import InvalidValue, normalize_email, normalize_phone

    text = text.strip()
    if text.isdigit() and len(text) < 12:
        return Contact.objects.filter(pk=int(text)).first()
    for field, normalize in (
        ("email", normalize_email),
        ("phone", lambda v: normalize_phone(v, workspace.default_region)),
    ):
        try:
            value = normalize(text)
        except InvalidValue:
            continue
        if value:
            contact = Contact.objects.filter(**{field: value}).first()
            if contact is not None:
                return contact
    return None
