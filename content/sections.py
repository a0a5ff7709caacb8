"""The structure of a landing page's `sections`, and its validation.

Contract:
- `SECTION_NAMES` are exactly hero, benefits, social_proof, faq, cta, form.
- `validate_sections(data)` returns a clean copy (strings stripped, single-line
  fields without line breaks) or raises `ValidationFailed` whose `details`
  map a dotted path (`sections.benefits.items.0.title`) to messages. Nothing
  outside the schema survives: unknown keys are errors, not passengers.
- `coerce_ai_sections(data)` is for provider output: it trims over-long
  strings, caps lists and replaces unusable links with `#form` before the
  same strict validation — a provider answer that still does not fit raises
  `ProviderError` (the charge is refunded).
- Links are `#anchor`, `http(s)://…`, `mailto:` or `tel:` only, so
  `javascript:` and `data:` URLs can never reach an `href`. The public
  template re-checks with `safe_href` (defence in depth).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from nexusone.errors import ProviderError, ValidationFailed

SECTION_NAMES = ("hero", "benefits", "social_proof", "faq", "cta", "form")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANCHOR = re.compile(r"^#[A-Za-z][\w-]{0,49}$")
_TEL = re.compile(r"^tel:\+?[0-9 ()-]{3,30}$")
_url_validator = URLValidator(schemes=["http", "https"])
_email_validator = EmailValidator()


@dataclass(frozen=True)
class Text:
    max_length: int
    required: bool = False
    multiline: bool = False


@dataclass(frozen=True)
class Link:
    required: bool = False


@dataclass(frozen=True)
class Flag:
    default: bool = True


@dataclass(frozen=True)
class Items:
    fields: dict
    max_items: int
    min_items: int = 0


SCHEMA: dict[str, dict[str, Any]] = {
    "hero": {
        "headline": Text(150, required=True),
        "subheadline": Text(400, multiline=True),
        "cta_label": Text(60, required=True),
    },
    "benefits": {
        "title": Text(150),
        "items": Items({"title": Text(120, required=True), "description": Text(400, multiline=True)}, 8, 1),
    },
    "social_proof": {
        "title": Text(150),
        "testimonials": Items(
            {
                "quote": Text(500, required=True, multiline=True),
                "author": Text(100, required=True),
                "role": Text(100),
                # Set by the service, never by clients: a generated (invented) testimonial until someone edits it.
                "placeholder": Flag(),
            },
            6,
        ),
        "stats": Items({"value": Text(30, required=True), "label": Text(100, required=True)}, 6),
    },
    "faq": {
        "title": Text(150),
        "items": Items({"question": Text(200, required=True), "answer": Text(1000, required=True, multiline=True)}, 12),
    },
    "cta": {
        "title": Text(150, required=True),
        "text": Text(400, multiline=True),
        "button_label": Text(60, required=True),
        "button_url": Link(),
    },
    "form": {
        "title": Text(150, required=True),
        "text": Text(400, multiline=True),
        "name_label": Text(60, required=True),
        "email_label": Text(60, required=True),
        "phone_label": Text(60, required=True),
        "message_label": Text(60, required=True),
        "submit_label": Text(60, required=True),
        "success_message": Text(300, required=True, multiline=True),
        "show_phone": Flag(),
        "show_message": Flag(),
    },
}


def is_safe_link(value: str) -> bool:
    """True for `#anchor`, absolute http(s) URLs, `mailto:<e-mail>` and `tel:<number>`."""
    if not isinstance(value, str) or not value or len(value) > 500 or value != value.strip():
        return False
    if _CONTROL.search(value) or any(ch.isspace() for ch in value):
        return False
    if _ANCHOR.match(value) or _TEL.match(value):
        return True
    if value.lower().startswith("mailto:"):
        try:
            _email_validator(value[7:])
        except ValidationError:
            return False
        return value.startswith("mailto:")
    try:
        _url_validator(value)
    except ValidationError:
        return False
    return value.lower().startswith(("http://", "https://"))


class _Errors:
    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.details.setdefault(path, []).append(message)


def _clean_text(spec: Text, value: Any, path: str, errors: _Errors) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(path, _("Must be text."))
        return None
    value = _CONTROL.sub("", value).strip()
    if not spec.multiline:
        value = " ".join(value.split())
    if spec.required and not value:
        errors.add(path, _("This field is required."))
    if len(value) > spec.max_length:
        errors.add(path, _("At most %(n)d characters.") % {"n": spec.max_length})
    return value


def _clean_fields(fields: dict, value: Any, path: str, errors: _Errors) -> dict:
    if not isinstance(value, dict):
        errors.add(path, _("Must be an object."))
        return {}
    for key in value:
        if key not in fields:
            errors.add(f"{path}.{key}", _("Unknown field."))
    clean: dict[str, Any] = {}
    for name, spec in fields.items():
        item_path = f"{path}.{name}"
        raw = value.get(name)
        if isinstance(spec, Text):
            clean[name] = _clean_text(spec, raw, item_path, errors)
        elif isinstance(spec, Link):
            link = (raw or "").strip() if isinstance(raw, str) else raw
            if link in (None, ""):
                if spec.required:
                    errors.add(item_path, _("This field is required."))
                clean[name] = "#form"
            elif not is_safe_link(link):
                errors.add(item_path, _("Use a #anchor, an http(s) address, mailto: or tel:."))
            else:
                clean[name] = link
        elif isinstance(spec, Flag):
            if raw is None:
                clean[name] = spec.default
            elif isinstance(raw, bool):
                clean[name] = raw
            else:
                errors.add(item_path, _("Must be true or false."))
        elif isinstance(spec, Items):
            raw = [] if raw is None else raw
            if not isinstance(raw, list):
                errors.add(item_path, _("Must be a list."))
                continue
            if len(raw) < spec.min_items:
                errors.add(item_path, _("At least %(n)d items.") % {"n": spec.min_items})
            if len(raw) > spec.max_items:
                errors.add(item_path, _("At most %(n)d items.") % {"n": spec.max_items})
            clean[name] = [_clean_fields(spec.fields, item, f"{item_path}.{i}", errors) for i, item in enumerate(raw)]
    return clean


def validate_sections(data: Any) -> dict:
    """A clean, complete copy of `data`, or ValidationFailed with dotted paths."""
    errors = _Errors()
    if not isinstance(data, dict):
        raise ValidationFailed(details={"sections": [_("Must be an object with the page's sections.")]})
    for key in data:
        if key not in SCHEMA:
            errors.add(f"sections.{key}", _("Unknown section."))
    clean = {}
    for name, fields in SCHEMA.items():
        if name not in data:
            errors.add(f"sections.{name}", _("This section is required."))
            continue
        clean[name] = _clean_fields(fields, data[name], f"sections.{name}", errors)
    if errors.details:
        raise ValidationFailed(details=errors.details)
    return clean


def _testimonial_key(item: dict) -> tuple:
    return (item.get("quote") or "", item.get("author") or "", item.get("role") or "")


def mark_placeholder_testimonials(sections: dict) -> dict:
    """Every testimonial of freshly generated sections is a placeholder: nobody said it."""
    for item in (sections.get("social_proof") or {}).get("testimonials") or []:
        item["placeholder"] = True
    return sections


def carry_placeholders(previous: dict, sections: dict) -> dict:
    """A testimonial stays a placeholder only while it is unchanged (same quote, author
    and role as a placeholder before); whatever a client sends for the flag is ignored."""
    unchanged = {
        _testimonial_key(item)
        for item in (previous.get("social_proof") or {}).get("testimonials") or []
        if isinstance(item, dict) and item.get("placeholder")
    }
    for item in (sections.get("social_proof") or {}).get("testimonials") or []:
        if isinstance(item, dict):
            item["placeholder"] = _testimonial_key(item) in unchanged
    return sections


def placeholder_testimonials(sections: dict) -> list[int]:
    """Indexes of the testimonials still placeholders."""
    items = (sections.get("social_proof") or {}).get("testimonials") or []
    return [index for index, item in enumerate(items) if isinstance(item, dict) and item.get("placeholder")]


def merge_sections(current: dict, changes: Any) -> dict:
    """PATCH semantics: each section given replaces that section; the others stay."""
    if not isinstance(changes, dict):
        raise ValidationFailed(details={"sections": [_("Must be an object with the page's sections.")]})
    merged = copy.deepcopy(current or {})
    merged.update(changes)
    return merged


def _coerce(fields: dict, value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    result = {}
    for name, spec in fields.items():
        raw = value.get(name)
        if isinstance(spec, Text) and isinstance(raw, str | int | float) and not isinstance(raw, bool):
            text = _CONTROL.sub("", str(raw)).strip()
            result[name] = text[: spec.max_length].strip()
        elif isinstance(spec, Link):
            result[name] = raw.strip() if isinstance(raw, str) and is_safe_link(raw.strip()) else "#form"
        elif isinstance(spec, Items) and isinstance(raw, list):
            result[name] = [_coerce(spec.fields, item) for item in raw[: spec.max_items]]
        elif isinstance(spec, Flag) and not isinstance(raw, bool):
            continue
        elif raw is not None:
            result[name] = raw
    return result


def coerce_ai_sections(data: Any, *, defaults: dict | None = None) -> dict:
    """Fit a provider's answer into the schema, or raise ProviderError.

    `defaults` (the offline template for the same page) fills the form
    labels, which a model often leaves out; every other section must come
    from the provider."""
    if not isinstance(data, dict):
        raise ProviderError(details={"reason": "malformed_response", "detail": "sections are not an object"})
    data = data.get("sections", data) if isinstance(data.get("sections"), dict) else data
    coerced = {name: _coerce(fields, data.get(name)) for name, fields in SCHEMA.items() if name in data}
    if defaults:
        form = {**defaults.get("form", {}), **{k: v for k, v in (coerced.get("form") or {}).items() if v}}
        coerced["form"] = form
    try:
        return validate_sections(coerced)
    except ValidationFailed as exc:
        raise ProviderError(
            details={"reason": "malformed_response", "detail": sorted(exc.details)[:10]},
        ) from exc
