"""CRM pages under /<lang>/w/<slug>/crm/. Thin: form → service → redirect
with a message; reads through `crm.selectors`. The workspace scope is held
by `WorkspacePageMixin` (another workspace's ids are 404)."""

from __future__ import annotations

from itertools import islice
from urllib.parse import urlencode

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.models import Role
from crm import csvio, exports, selectors, services
from crm.forms import (
    ActivityForm,
    BulkActionForm,
    ContactFilterForm,
    ContactForm,
    CustomFieldForm,
    ImportUploadForm,
    MappingForm,
    MergeForm,
    SegmentForm,
)
from crm.models import Contact, ContactImport, CustomFieldDefinition, ImportStatus, Segment, Stage
from nexusone.api.keyset import BoundedCountPaginator
from nexusone.errors import ApplicationError, InsufficientCredits, NotFound, ValidationFailed
from nexusone.pages import WorkspacePageMixin
from nexusone.refusals import refusal_message

PAGE_SIZE = 25


def _error_message(exc: ApplicationError) -> str:
    if isinstance(exc, InsufficientCredits) or exc.code in ("quota_exceeded", "plan_required"):
        return refusal_message(exc)
    if isinstance(exc, ValidationFailed) and exc.details:
        parts = []
        for field, problems in exc.details.items():
            for problem in problems if isinstance(problems, list) else [problems]:
                parts.append(
                    str(problem) if field in ("non_field_errors", "file", "mapping") else f"{field}: {problem}"
                )
        return " ".join(parts)
    return str(exc.message)


class CrmPage(WorkspacePageMixin, TemplateView):
    section = "contacts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["crm_section"] = self.section
        return context

    def _object(self, queryset, pk):
        obj = queryset.filter(pk=int(pk)).first() if str(pk).isdigit() else None
        if obj is None:
            raise Http404(_("Not found."))
        return obj


# --- contacts ------------------------------------------------------------------------------------


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


# --- imports -------------------------------------------------------------------------------------


class ImportUploadView(CrmPage):
    """Step 1 of the wizard: upload. Also lists recent imports."""

    section = "imports"
    template_name = "crm/import_upload.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportUploadForm())
        context["imports"] = ContactImport.objects.select_related("created_by")[:20]
        context["max_mb"] = services.IMPORT_MAX_BYTES // (1024 * 1024)
        return context

    def post(self, request, slug):
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                contact_import = services.import_upload(
                    workspace=self.workspace, file=form.cleaned_data["file"], user=request.user
                )
            except ApplicationError as exc:
                form.add_error("file", _error_message(exc))
            else:
                return redirect("crm_import_mapping", slug=slug, pk=contact_import.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportMappingView(CrmPage):
    """Step 2: map each CSV column to a contact field, then start (the new
    contacts are counted and charged; 402 shows as a message)."""

    section = "imports"
    template_name = "crm/import_mapping.html"

    def _import(self) -> ContactImport:
        return self._object(ContactImport.objects.all(), self.kwargs["pk"])

    def get(self, request, slug, pk):
        contact_import = self._import()
        if contact_import.status != ImportStatus.DRAFT:
            return redirect("crm_import", slug=slug, pk=pk)
        return self.render_to_response(self.get_context_data(contact_import=contact_import))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact_import = kwargs["contact_import"]
        definitions = list(selectors.custom_field_definitions())
        form = kwargs.get("form") or MappingForm(
            columns=contact_import.columns, definitions=definitions, initial_mapping=contact_import.mapping
        )
        samples = _sample_rows(contact_import)
        rows = []
        for name, _column in form.columns:
            position = int(name.removeprefix("col_"))
            rows.append((form[name], [sample[position] if position < len(sample) else "" for sample in samples]))
        context.update(contact_import=contact_import, form=form, rows=rows)
        return context

    def post(self, request, slug, pk):
        contact_import = self._import()
        definitions = list(selectors.custom_field_definitions())
        form = MappingForm(
            request.POST,
            columns=contact_import.columns,
            definitions=definitions,
            initial_mapping=contact_import.mapping,
        )
        if form.is_valid():
            try:
                services.import_start(
                    contact_import=contact_import,
                    mapping=form.mapping(),
                    user=request.user,
                    request=request,
                    keep_on_refusal=True,
                )
            except ApplicationError as exc:
                contact_import.refresh_from_db()
                if contact_import.status != ImportStatus.DRAFT:
                    messages.error(request, _error_message(exc))
                    return redirect("crm_import", slug=slug, pk=pk)
                form.add_error(None, _error_message(exc))
            else:
                return redirect("crm_import", slug=slug, pk=pk)
        return self.render_to_response(self.get_context_data(contact_import=contact_import, form=form), status=400)


def _sample_rows(contact_import: ContactImport, count: int = 3) -> list[list[str]]:
    if not contact_import.file_key:
        return []
    try:
        with default_storage.open(contact_import.file_key, "rb") as handle:
            records = csvio.iter_records(handle, contact_import.delimiter)
            return [[cell[:60] for cell in record.cells] for record in islice(records, count)]
    except OSError:
        return []


class ImportDetailView(CrmPage):
    """Step 3: progress (htmx polls the partial until the import is finished),
    then the counts and the error report."""

    section = "imports"
    template_name = "crm/import_detail.html"

    def get(self, request, slug, pk):
        contact_import = self._object(ContactImport.objects.all(), pk)
        if contact_import.status == ImportStatus.DRAFT:
            return redirect("crm_import_mapping", slug=slug, pk=pk)
        context = self.get_context_data(contact_import=contact_import)
        if getattr(request, "htmx", False):
            return render(request, "crm/_import_progress.html", context)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact_import = kwargs["contact_import"]
        context["errors"] = selectors.import_errors(contact_import=contact_import)[:20]
        return context


class ImportErrorsView(CrmPage):
    """The error report as CSV: line number and reason of every rejected line."""

    def get(self, request, slug, pk):
        contact_import = self._object(ContactImport.objects.all(), pk)
        return exports.import_errors_csv_response(workspace=self.workspace, contact_import=contact_import)


# --- segments ------------------------------------------------------------------------------------


class SegmentListView(CrmPage):
    """Segments with live counts (each count loads on its own, via htmx)."""

    section = "segments"
    template_name = "crm/segment_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["segments"] = Segment.objects.all()
        context.setdefault("form", SegmentForm(definitions=selectors.custom_field_definitions()))
        return context

    def post(self, request, slug):
        form = SegmentForm(request.POST, definitions=selectors.custom_field_definitions())
        if form.is_valid():
            try:
                segment = services.segment_create(
                    workspace=self.workspace,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    definition=form.definition(),
                    user=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, _error_message(exc))
            else:
                messages.success(request, _("Segment saved."))
                return redirect("crm_segment", slug=slug, pk=segment.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SegmentDetailView(CrmPage):
    section = "segments"
    template_name = "crm/segment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        segment = kwargs.get("segment") or self._object(Segment.objects.all(), self.kwargs["pk"])
        definitions = selectors.custom_field_definitions()
        context.update(
            segment=segment,
            preview=selectors.segment_preview(segment=segment, limit=10),
            form=kwargs.get("form") or SegmentForm(initial=SegmentForm.initial_for(segment), definitions=definitions),
        )
        return context

    def post(self, request, slug, pk):
        segment = self._object(Segment.objects.all(), pk)
        if request.POST.get("action") == "delete":
            services.segment_delete(segment=segment)
            messages.success(request, _("Segment deleted."))
            return redirect("crm_segments", slug=slug)
        form = SegmentForm(request.POST, definitions=selectors.custom_field_definitions())
        if form.is_valid():
            try:
                services.segment_update(
                    segment=segment,
                    data={
                        "name": form.cleaned_data["name"],
                        "description": form.cleaned_data["description"],
                        "definition": form.definition(),
                    },
                )
            except ApplicationError as exc:
                form.add_error(None, _error_message(exc))
            else:
                messages.success(request, _("Segment saved."))
                return redirect("crm_segment", slug=slug, pk=pk)
        return self.render_to_response(self.get_context_data(segment=segment, form=form), status=400)


class SegmentCountView(CrmPage):
    """htmx partial: how many contacts the segment matches right now."""

    section = "segments"
    template_name = "crm/_segment_count.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        segment = self._object(Segment.objects.all(), self.kwargs["pk"])
        context.update(segment=segment, count=selectors.segment_queryset(segment=segment).count())
        return context


# --- custom fields -------------------------------------------------------------------------------


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
