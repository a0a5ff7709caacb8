"""Import pages: upload, column mapping, progress and the rejected rows as CSV."""

from __future__ import annotations

from itertools import islice

from django.contrib import messages
from django.core.files.storage import default_storage
from django.shortcuts import redirect, render

from crm import csvio, exports, selectors, services
from crm.forms import ImportUploadForm, MappingForm
from crm.models import ContactImport, ImportStatus
from crm.views.common import CrmPage, _error_message
from nexusone.errors import ApplicationError


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
