"""Streaming download responses (contacts as CSV or JSON, an import's error
report), shared by the API and the pages.

The view that returns these leaves the workspace scope before the body is
streamed, so each generator re-enters `workspace_scope(workspace)` itself.
The queryset is built by the view inside its scope (the workspace filter is
already in its SQL); it is only evaluated, in chunks, in the generator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from crm import csvio, reasons, selectors
from crm.models import Contact, ContactImport
from nexusone.tenancy import workspace_scope


class DownloadResponse(StreamingHttpResponse):
    """A streamed download. `content` joins the stream for test clients (and
    the project's route walk, which reads every body): production servers
    iterate `streaming_content` and never touch it."""

    @property
    def content(self) -> bytes:
        if not hasattr(self, "_joined"):
            self._joined = b"".join(self.streaming_content)
            self.streaming_content = [self._joined]
        return self._joined

    @property
    def text(self) -> str:
        return self.content.decode(self.charset or "utf-8")


def _scoped(workspace, generator_function, *args) -> Iterator:
    with workspace_scope(workspace):
        yield from generator_function(*args)


def _attachment(response: DownloadResponse, filename: str) -> DownloadResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%d-%H%M")


def contacts_csv_response(*, workspace, queryset: QuerySet[Contact]) -> DownloadResponse:
    def rows() -> Iterator[str]:
        columns = selectors.export_columns()
        yield from csvio.csv_lines(selectors.contact_export_rows(queryset=queryset, columns=columns), header=columns)

    response = DownloadResponse(_scoped(workspace, rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"contacts-{_stamp()}.csv")


def contacts_json_response(*, workspace, queryset: QuerySet[Contact]) -> DownloadResponse:
    def chunks() -> Iterator[str]:
        columns = selectors.export_columns()
        custom = [column.removeprefix("custom:") for column in columns if column.startswith("custom:")]
        first = True
        yield "["
        for row in selectors.contact_export_rows(queryset=queryset, columns=columns):
            record = dict(zip(selectors.EXPORT_FIELDS, row[: len(selectors.EXPORT_FIELDS)], strict=True))
            record["tags"] = [tag for tag in record["tags"].split(", ") if tag]
            record["custom_fields"] = {
                key: value
                for key, value in zip(custom, row[len(selectors.EXPORT_FIELDS) :], strict=True)
                if value != ""
            }
            yield ("" if first else ",") + json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False)
            first = False
        yield "]"

    response = DownloadResponse(_scoped(workspace, chunks), content_type="application/json")
    return _attachment(response, f"contacts-{_stamp()}.json")


def import_errors_csv_response(*, workspace, contact_import: ContactImport) -> DownloadResponse:
    language = translation.get_language()  # the reader's: the rows are written after the view returns

    def rows() -> Iterator[str]:
        stored: Iterable = (
            selectors.import_errors(contact_import=contact_import).values_list("line", "reason").iterator(2000)
        )
        with translation.override(language):
            errors = ((line, reasons.shown(reason)) for line, reason in stored)
            yield from csvio.csv_lines(errors, header=["line", "reason"])

    response = DownloadResponse(_scoped(workspace, rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"import-{contact_import.pk}-errors.csv")
