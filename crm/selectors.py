"""CRM reads. Every function needs the workspace scope (the scoped managers
refuse to run without it) and returns only that workspace's rows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import F, Func, Q, QuerySet, TextField
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Activity, Contact, ContactImport, ContactImportError, CustomFieldDefinition, Segment
from nexusone.errors import NotFound

SEARCH_FIELDS = ("first_name", "last_name", "email", "phone", "company")
ORDERING_FIELDS = (
    "created_at",
    "updated_at",
    "first_name",
    "last_name",
    "email",
    "company",
    "stage",
    "engagement_score",
    "last_activity_at",
)


def tag_q(tag: str) -> Q:
    """Contacts carrying `tag`. PostgreSQL: JSONB containment. Elsewhere the
    JSON text is matched with the quotes, which only matches a whole tag."""
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    return Q(tags__icontains=json.dumps(tag))


class SearchDocument(Func):
    """LOWER(first_name || ' ' || last_name || ' ' || email || ' ' || phone || ' ' || company):
    the expression the trigram index `crm_contact_search_trgm` is built on
    (migration 0003, PostgreSQL). A term matches a contact when it is a
    substring of it, which is what "in any of the fields" meant before."""

    function = "LOWER"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(*(F(name) for name in SEARCH_FIELDS))


SEARCH_DOCUMENT_SQL = "LOWER(first_name || ' ' || last_name || ' ' || email || ' ' || phone || ' ' || company)"
TRIGRAM_MIN = 3  # shorter terms have no trigram: they match the start of a field instead
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]+$")


def search_terms(text: str) -> list[str]:
    """Up to five lower-cased terms; a phone number typed with spaces, dashes
    or brackets is one term of its digits (phones are stored as +digits)."""
    text = text.strip()[:200]
    if _PHONE_LIKE.match(text) and sum(ch.isdigit() for ch in text) >= TRIGRAM_MIN:
        return ["".join(ch for ch in text if ch.isdigit())]
    return [term.lower() for term in text.split()[:5]]


def search_q(text: str) -> Q:
    """Contacts matching every term by name, e-mail, phone or company."""
    query = Q()
    for term in search_terms(text):
        if len(term) >= TRIGRAM_MIN:
            query &= Q(search_document__contains=term)
        else:  # a prefix of a name, the e-mail, the company or the phone's digits
            term_q = Q(email__startswith=term) | Q(phone__startswith=f"+{term}")
            for name in ("first_name", "last_name", "company"):
                term_q |= Q(**{f"{name}__istartswith": term})
            query &= term_q
    return query


def contact_search(queryset: QuerySet[Contact], text: str) -> QuerySet[Contact]:
    if not text.strip():
        return queryset
    return queryset.alias(search_document=SearchDocument()).filter(search_q(text))


def segment_filter_q(definition: Mapping[str, Any], *, now=None) -> Q:
    """A validated segment definition (see `services.segment_definition_validate`) as a Q."""
    now = now or timezone.now()
    q = Q()
    tags_any = definition.get("tags_any") or []
    if tags_any:
        any_q = Q()
        for tag in tags_any:
            any_q |= tag_q(tag)
        q &= any_q
    for tag in definition.get("tags_all") or []:
        q &= tag_q(tag)
    for tag in definition.get("tags_none") or []:
        q &= ~tag_q(tag)
    if definition.get("stages"):
        q &= Q(stage__in=definition["stages"])
    if definition.get("languages"):
        q &= Q(language__in=definition["languages"])
    if definition.get("sources"):
        q &= Q(source__in=definition["sources"])
    if definition.get("score_min") is not None:
        q &= Q(engagement_score__gte=definition["score_min"])
    if definition.get("score_max") is not None:
        q &= Q(engagement_score__lte=definition["score_max"])
    for flag in ("email_opt_in", "whatsapp_opt_in", "sms_opt_in"):
        if definition.get(flag) is not None:
            q &= Q(**{flag: definition[flag]})
    if definition.get("last_activity_within_days"):
        q &= Q(last_activity_at__gte=now - timedelta(days=definition["last_activity_within_days"]))
    if definition.get("inactive_for_days"):
        cutoff = now - timedelta(days=definition["inactive_for_days"])
        q &= Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True)
    if definition.get("created_within_days"):
        q &= Q(created_at__gte=now - timedelta(days=definition["created_within_days"]))
    for condition in definition.get("custom") or []:
        q &= _custom_q(condition)
    return q


def _custom_q(condition: Mapping[str, Any]) -> Q:
    # Keys are validated slugs without "__", so they cannot reach another lookup.
    key, op, value = condition["field"], condition["op"], condition.get("value")
    path = f"custom_fields__{key}"
    if op == "is_set":
        return Q(custom_fields__has_key=key)
    if op == "is_not_set":
        return ~Q(custom_fields__has_key=key)
    if op == "eq":
        return Q(**{path: value})
    if op == "neq":
        return ~Q(**{path: value}) | ~Q(custom_fields__has_key=key)
    if op == "contains":
        return Q(**{f"{path}__icontains": value})
    return Q(**{f"{path}__{op}": value})


def contact_list(
    *,
    search: str = "",
    stage: str = "",
    tag: str = "",
    segment: Segment | None = None,
    score_min: int | None = None,
    score_max: int | None = None,
    language: str = "",
    email_opt_in: bool | None = None,
    whatsapp_opt_in: bool | None = None,
    ordering: str = "",
) -> QuerySet[Contact]:
    """The filtered contact list the pages and the export use (the API
    applies the same filters through `crm.api.filters.ContactFilter`)."""
    queryset = Contact.objects.all()
    if search:
        queryset = contact_search(queryset, search)
    if stage:
        queryset = queryset.filter(stage=stage)
    if tag:
        queryset = queryset.filter(tag_q(tag.strip().lower()))
    if segment is not None:
        queryset = queryset.filter(segment_filter_q(segment.definition))
    if score_min is not None:
        queryset = queryset.filter(engagement_score__gte=score_min)
    if score_max is not None:
        queryset = queryset.filter(engagement_score__lte=score_max)
    if language:
        queryset = queryset.filter(language=language)
    if email_opt_in is not None:
        queryset = queryset.filter(email_opt_in=email_opt_in)
    if whatsapp_opt_in is not None:
        queryset = queryset.filter(whatsapp_opt_in=whatsapp_opt_in)
    field = ordering.lstrip("-")
    if field in ORDERING_FIELDS:
        queryset = queryset.order_by(ordering, "-id" if ordering.startswith("-") else "id")
    return queryset


def contact_get(*, contact_id) -> Contact:
    try:
        return Contact.objects.get(pk=int(contact_id))
    except (Contact.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("Contact not found.")) from None


def contact_timeline(*, contact: Contact) -> QuerySet[Activity]:
    return Activity.objects.filter(contact_id=contact.pk).select_related("actor").order_by("-occurred_at", "-id")


def segment_queryset(*, segment: Segment) -> QuerySet[Contact]:
    """The contacts the segment matches now."""
    return Contact.objects.filter(segment_filter_q(segment.definition))


def segment_preview(*, segment: Segment, limit: int = 25) -> dict[str, Any]:
    """Count and the first `limit` contacts (most engaged first)."""
    queryset = segment_queryset(segment=segment)
    return {
        "count": queryset.count(),
        "results": list(queryset.order_by("-engagement_score", "-id")[:limit]),
    }


def custom_field_definitions() -> QuerySet[CustomFieldDefinition]:
    return CustomFieldDefinition.objects.all()


def import_errors(*, contact_import: ContactImport) -> QuerySet[ContactImportError]:
    return ContactImportError.objects.filter(contact_import_id=contact_import.pk).order_by("line", "id")


# --- export -----------------------------------------------------------------------------------------

EXPORT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "stage",
    "tags",
    "language",
    "source",
    "email_opt_in",
    "whatsapp_opt_in",
    "sms_opt_in",
    "engagement_score",
    "last_activity_at",
    "created_at",
)


def export_columns() -> list[str]:
    """Export header: contact fields, then one `custom:<key>` column per
    custom field — names the importer maps back automatically."""
    return [*EXPORT_FIELDS, *(f"custom:{key}" for key in custom_field_definitions().values_list("key", flat=True))]


def contact_export_rows(*, queryset: QuerySet[Contact], columns: list[str]) -> Iterator[list]:
    """Rows for `columns`, read in chunks (flat memory on any size)."""
    custom_keys = [column.removeprefix("custom:") for column in columns if column.startswith("custom:")]
    rows = queryset.values_list(*EXPORT_FIELDS, "custom_fields").iterator(chunk_size=2000)
    for row in rows:
        values = list(row[:-1])
        values[EXPORT_FIELDS.index("tags")] = ", ".join(values[EXPORT_FIELDS.index("tags")] or [])
        for position in (EXPORT_FIELDS.index("last_activity_at"), EXPORT_FIELDS.index("created_at")):
            values[position] = values[position].isoformat() if values[position] else ""
        custom = row[-1] or {}
        yield [*values, *(custom.get(key, "") for key in custom_keys)]
