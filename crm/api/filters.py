"""Query-string filters of the contact list and export (django-filter)."""

from __future__ import annotations

import django_filters
from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import BaseFilterBackend

from crm import selectors
from crm.models import Contact, Segment, Stage


def _segments(request):
    # Evaluated per request, inside the workspace scope: another workspace's
    # segment id is "not a valid choice", exactly like a missing one.
    return Segment.objects.all()


class ContactFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(method="filter_tag", label="tag")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    score_min = django_filters.NumberFilter(field_name="engagement_score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="engagement_score", lookup_expr="lte")
    language = django_filters.ChoiceFilter(choices=settings.LANGUAGES)
    segment = extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(queryset=_segments, method="filter_segment")
    )
    email_opt_in = django_filters.BooleanFilter()
    whatsapp_opt_in = django_filters.BooleanFilter()
    source = django_filters.CharFilter()

    class Meta:
        model = Contact
        fields = [
            "tag",
            "stage",
            "score_min",
            "score_max",
            "language",
            "segment",
            "email_opt_in",
            "whatsapp_opt_in",
            "source",
        ]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(selectors.tag_q(value.strip().lower())) if value.strip() else queryset

    def filter_segment(self, queryset, name, value):
        return queryset.filter(selectors.segment_filter_q(value.definition)) if value is not None else queryset


class ContactSearchFilter(BaseFilterBackend):
    """`?search=`: every term in the name, e-mail, phone or company — through
    the trigram index on PostgreSQL (`crm.selectors.contact_search`)."""

    search_param = "search"

    def filter_queryset(self, request, queryset, view):
        return selectors.contact_search(queryset, request.query_params.get(self.search_param, ""))

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": "Terms matched in the name, e-mail, phone (digits) or company.",
                "schema": {"type": "string"},
            }
        ]
