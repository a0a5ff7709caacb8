"""Segment pages: the list, a segment's rules and members, and the live count."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from crm import selectors, services
from crm.forms import SegmentForm
from crm.models import Segment
from crm.views.common import CrmPage, _error_message
from nexusone.errors import ApplicationError


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
