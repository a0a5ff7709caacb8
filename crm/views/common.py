"""The CRM pages' base: the section page class and how refusals read on a page."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from nexusone.errors import ApplicationError, InsufficientCredits, ValidationFailed
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
