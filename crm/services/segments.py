"""Custom field definitions and segments."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.models import (
    Contact,
    CustomFieldDefinition,
    CustomFieldType,
    Segment,
)
from crm.services.common import _definitions, _require_scope
from crm.validation import (
    InvalidValue,
    clean_custom_value,
    normalize_language,
    normalize_stage,
    normalize_tags,
)
from nexusone.errors import Conflict, ValidationFailed

logger = logging.getLogger(__name__)

# --- custom fields ---------------------------------------------------------------------------------

_CUSTOM_KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def _clean_definition(*, key: str | None, label: str, type: str, choices) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {"label": (label or "").strip()[:100], "type": type}
    if key is not None:
        key = (key or "").strip().lower()
        if not _CUSTOM_KEY.match(key) or len(key) > 50:
            errors["key"] = [_("Use lower-case letters, digits and single underscores, starting with a letter.")]
        cleaned["key"] = key
    if not cleaned["label"]:
        errors["label"] = [_("This field is required.")]
    if type not in CustomFieldType.values:
        errors["type"] = [_("Unknown field type.")]
    values = [str(choice).strip() for choice in (choices or []) if str(choice).strip()]
    if type == CustomFieldType.CHOICE and not values:
        errors["choices"] = [_("A choice field needs at least one choice.")]
    cleaned["choices"] = values[:100] if type == CustomFieldType.CHOICE else []
    if errors:
        raise ValidationFailed(details=errors)
    return cleaned


def custom_field_create(
    *, workspace, key: str, label: str, type: str = CustomFieldType.TEXT, choices=None, position: int = 0
) -> CustomFieldDefinition:
    _require_scope(workspace)
    cleaned = _clean_definition(key=key, label=label, type=type, choices=choices)
    if CustomFieldDefinition.objects.filter(key=cleaned["key"]).exists():
        raise Conflict(_("A custom field with this key already exists."), code="duplicate_custom_field")
    try:
        with transaction.atomic():
            return CustomFieldDefinition.objects.create(position=position, **cleaned)
    except IntegrityError:
        raise Conflict(_("A custom field with this key already exists."), code="duplicate_custom_field") from None


def custom_field_update(
    *, definition: CustomFieldDefinition, label: str, choices=None, position: int | None = None
) -> CustomFieldDefinition:
    """The key and type are fixed once values exist; label, choices and position change."""
    cleaned = _clean_definition(key=None, label=label, type=definition.type, choices=choices)
    definition.label, definition.choices = cleaned["label"], cleaned["choices"]
    if position is not None:
        definition.position = position
    definition.save()
    return definition


def custom_field_delete(*, definition: CustomFieldDefinition) -> None:
    """Delete the definition and its values from every contact."""
    with transaction.atomic():
        for contact in Contact.objects.filter(custom_fields__has_key=definition.key).only("pk", "custom_fields"):
            contact.custom_fields.pop(definition.key, None)
            Contact.objects.filter(pk=contact.pk).update(custom_fields=contact.custom_fields)
        definition.delete()


# --- segments --------------------------------------------------------------------------------------

_LIST_KEYS = {"tags_any", "tags_all", "tags_none", "stages", "languages", "sources"}
_INT_KEYS = {
    "score_min": (0, 100),
    "score_max": (0, 100),
    "last_activity_within_days": (1, 3650),
    "inactive_for_days": (1, 3650),
    "created_within_days": (1, 3650),
}
_BOOL_KEYS = {"email_opt_in", "whatsapp_opt_in", "sms_opt_in"}
CUSTOM_OPS = ("eq", "neq", "contains", "gt", "gte", "lt", "lte", "is_set", "is_not_set")
_ORDERED_OPS = {"gt", "gte", "lt", "lte"}


def segment_definition_validate(*, definition: Any) -> dict:
    """Check and normalise a segment's filter. Keys (all optional; all given
    conditions must hold):

    - `tags_any`, `tags_all`, `tags_none`: lists of tags
    - `stages`, `languages`, `sources`: lists of allowed values
    - `score_min`, `score_max`: 0–100, inclusive
    - `email_opt_in`, `whatsapp_opt_in`, `sms_opt_in`: true/false
    - `last_activity_within_days`, `inactive_for_days`, `created_within_days`
    - `custom`: list of `{"field": <custom field key>, "op": eq|neq|contains|gt|gte|lt|lte|is_set|is_not_set,
      "value": …}`, values validated by the field's type

    Raises ValidationFailed with `details` keyed `definition.<key>`."""
    if definition in (None, ""):
        return {}
    if not isinstance(definition, Mapping):
        raise ValidationFailed(details={"definition": [_("Expected an object.")]})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, value in definition.items():
        label = f"definition.{key}"
        try:
            if key in _LIST_KEYS:
                cleaned[key] = _clean_list(key, value)
            elif key in _INT_KEYS:
                low, high = _INT_KEYS[key]
                if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                    raise InvalidValue(_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high})
                cleaned[key] = value
            elif key in _BOOL_KEYS:
                if not isinstance(value, bool):
                    raise InvalidValue(_("Expected true or false."))
                cleaned[key] = value
            elif key == "custom":
                cleaned[key] = _clean_custom_conditions(value)
            else:
                raise InvalidValue(_("Unknown filter."))
        except InvalidValue as exc:
            errors[label] = [str(exc)]
    if "score_min" in cleaned and "score_max" in cleaned and cleaned["score_min"] > cleaned["score_max"]:
        errors["definition.score_min"] = [_("The minimum score is above the maximum.")]
    if errors:
        raise ValidationFailed(details=errors)
    return {key: cleaned[key] for key in sorted(cleaned) if cleaned[key] not in ([], None)}


def _clean_list(key: str, value) -> list[str]:
    if not isinstance(value, list) or len(value) > 50 or not all(isinstance(item, str) for item in value):
        raise InvalidValue(_("Expected a list of at most 50 texts."))
    if key.startswith("tags"):
        return normalize_tags(value)
    if key == "stages":
        return sorted({normalize_stage(item) for item in value if item.strip()})
    if key == "languages":
        return sorted({normalize_language(item) for item in value if item.strip()})
    return sorted({item.strip()[:50] for item in value if item.strip()})


def _clean_custom_conditions(value) -> list[dict]:
    if not isinstance(value, list) or len(value) > 20:
        raise InvalidValue(_("Expected a list of at most 20 conditions."))
    definitions = _definitions()
    conditions = []
    for condition in value:
        if not isinstance(condition, Mapping) or set(condition) - {"field", "op", "value"}:
            raise InvalidValue(_("Each condition has a field, an op and a value."))
        definition = definitions.get(condition.get("field"))
        if definition is None:
            raise InvalidValue(_("Unknown custom field: %(field)s.") % {"field": str(condition.get("field"))[:50]})
        op = condition.get("op", "eq")
        if op not in CUSTOM_OPS:
            raise InvalidValue(_("Unknown operator: %(op)s.") % {"op": str(op)[:20]})
        if op in _ORDERED_OPS and definition.type not in (CustomFieldType.NUMBER, CustomFieldType.DATE):
            raise InvalidValue(_("%(op)s needs a number or date field.") % {"op": op})
        if op == "contains" and definition.type != CustomFieldType.TEXT:
            raise InvalidValue(_("contains needs a text field."))
        cleaned = {"field": definition.key, "op": op}
        if op not in ("is_set", "is_not_set"):
            stored = clean_custom_value(definition, condition.get("value"))
            if stored is None:
                raise InvalidValue(_("A value is required."))
            cleaned["value"] = stored
        conditions.append(cleaned)
    return conditions


def segment_create(*, workspace, name: str, definition: Any, description: str = "", user=None) -> Segment:
    _require_scope(workspace)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(details={"name": [_("This field is required.")]})
    cleaned = segment_definition_validate(definition=definition)
    return Segment.objects.create(
        name=name[:100], description=(description or "").strip()[:500], definition=cleaned, created_by=user
    )


def segment_update(*, segment: Segment, data: Mapping[str, Any]) -> Segment:
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            raise ValidationFailed(details={"name": [_("This field is required.")]})
        segment.name = name[:100]
    if "description" in data:
        segment.description = (data["description"] or "").strip()[:500]
    if "definition" in data:
        segment.definition = segment_definition_validate(definition=data["definition"])
    segment.save()
    return segment


def segment_delete(*, segment: Segment) -> None:
    segment.delete()
