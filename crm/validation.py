"""Normalisers shared by the API, the pages, the form capture and the CSV
import, so a value is accepted or refused the same way everywhere.

Each `normalize_*` returns the stored form ('' for "none") or raises
`InvalidValue` with a translated, user-facing reason. They are pure functions
(no database), cheap enough to run once per imported line.
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from crm.models import CustomFieldType, Stage
from crm.phones import fast_e164
from crm.reasons import gettext_reason as _  # reasons stored as codes, shown in the reader's language

MAX_TAGS = 50
MAX_TAG_LENGTH = 50
MAX_CUSTOM_TEXT = 1000
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
STAGES = frozenset(Stage.values)
_TAG_SPLIT = re.compile(r"[,;|]")
_SPACES = re.compile(r"\s+")
_validate_email = EmailValidator()
_TRUE = frozenset({"1", "true", "yes", "y", "on", "x", "si", "sí", "sim", "oui", "ja"})
_FALSE = frozenset({"0", "false", "no", "n", "off", "não", "nao", "non", "nein"})


class InvalidValue(ValueError):
    """A value that cannot be stored; `str(exc)` is the user-facing reason."""


def normalize_email(value: str | None) -> str:
    """Lower-cased, validated address; '' when blank."""
    value = (value or "").strip()
    if not value:
        return ""
    value = value.lower()
    if len(value) > 254:
        raise InvalidValue(_("Enter a valid e-mail address."))
    if _plainly_valid_email(value):
        return value
    try:
        _validate_email(value)
    except ValidationError:
        raise InvalidValue(_("Enter a valid e-mail address.")) from None
    return value


@functools.cache
def _email_patterns() -> tuple[re.Pattern, re.Pattern]:
    # Django's own patterns, compiled once without the lazy-object proxy that
    # makes each EmailValidator call cost ~6 µs (1 µs here): the CSV import
    # validates up to a million addresses in a row.
    return (
        re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags),
        re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags),
    )


def _plainly_valid_email(value: str) -> bool:
    """True when Django's EmailValidator accepts `value` by its main path (a
    dot-atom user part and a domain name). False means "ask the validator":
    it decides everything else (quoted user parts, allowlisted domains,
    address literals) and every rejection, so the answers are Django's."""
    if len(value) > 320 or "@" not in value:
        return False
    user, domain = value.rsplit("@", 1)
    user_pattern, domain_pattern = _email_patterns()
    return user_pattern.match(user) is not None and domain_pattern.match(domain) is not None


def normalize_phone(value: str | None, region: str | None) -> str:
    """E.164 (`+14155550123`), validated with `phonenumbers`; numbers without
    a country code are read in `region` (the workspace's default). '' when blank."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 40:
        raise InvalidValue(_("Enter a valid phone number."))
    region = (region or "").upper() or None
    # Plain inputs are decided by crm.phones with exactly phonenumbers' answer at a
    # fraction of its cost (issue 19: the import validates every line's phone).
    decided = fast_e164(value, region)
    if decided is False:
        raise InvalidValue(_("Enter a valid phone number."))
    if decided is not None:
        return decided
    import phonenumbers  # deferred: 0.13 s of a web worker's boot (docs/PERFORMANCE.md)

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise InvalidValue(_("Enter a valid phone number, with its country code if it is not local.")) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(_("Enter a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_tags(value: str | Iterable[str] | None) -> list[str]:
    """Tags are lower-cased, trimmed, deduplicated, order kept. A string is
    split on commas, semicolons or bars."""
    if value is None:
        return []
    if isinstance(value, str) and value.isascii() and value.isalnum():  # the common one-word cell
        if len(value) > MAX_TAG_LENGTH:
            raise InvalidValue(_("A tag may have at most %(n)d characters.") % {"n": MAX_TAG_LENGTH})
        return [value.lower()]
    items = _TAG_SPLIT.split(value) if isinstance(value, str) else list(value)
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidValue(_("Tags must be text."))
        tag = _SPACES.sub(" ", item).strip().lower()
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidValue(_("A tag may have at most %(n)d characters.") % {"n": MAX_TAG_LENGTH})
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidValue(_("A contact may have at most %(n)d tags.") % {"n": MAX_TAGS})
    return tags


def merge_tags(current: list[str], extra: Iterable[str]) -> list[str]:
    merged = list(current)
    for tag in extra:
        if tag not in merged:
            merged.append(tag)
    return merged[:MAX_TAGS]


def normalize_stage(value: str | None) -> str:
    """A stage value or its English label, any case. '' when blank."""
    value = (value or "").strip().lower()
    if not value:
        return ""
    if value in STAGES:
        return value
    choices = ", ".join(Stage.values)
    message = _("Unknown stage %(value)s (use one of: %(choices)s).")
    raise InvalidValue(message % {"value": value[:50], "choices": choices})


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def normalize_timezone(value: str | None) -> str:
    """An IANA time zone name (exact spelling); '' when blank."""
    value = (value or "").strip()
    if not value:
        return ""
    if value in _timezones():
        return value
    raise InvalidValue(
        _("Unknown time zone %(value)s (use an IANA name such as Europe/Madrid).") % {"value": value[:64]}
    )


def normalize_language(value: str | None) -> str:
    """en/es/pt/ar/he; region variants (`es-MX`, `pt_BR`) map to the base. '' when blank."""
    value = (value or "").strip().lower().replace("_", "-")
    if not value:
        return ""
    base = value.split("-", 1)[0]
    if base in LANGUAGE_CODES:
        return base
    raise InvalidValue(
        _("Unsupported language %(value)s (use one of: %(choices)s).")
        % {"value": value[:20], "choices": ", ".join(sorted(LANGUAGE_CODES))}
    )


def parse_bool(value: str | bool | None) -> bool | None:
    """yes/no, true/false, 1/0 … → bool; None when blank."""
    if isinstance(value, bool) or value is None:
        return value
    text = value.strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue(_("Expected yes or no, got %(value)s.") % {"value": text[:20]})


def clean_custom_value(definition, value):
    """Validate one custom field value against its definition. Returns the
    stored JSON value (numbers as numbers, dates as ISO strings); None clears it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = definition.type
    if kind == CustomFieldType.NUMBER:
        if isinstance(value, bool):
            raise InvalidValue(_("Enter a number."))
        if isinstance(value, int | float):
            number = Decimal(str(value))
        else:
            try:
                number = Decimal(str(value).strip().replace(" ", ""))
            except InvalidOperation:
                raise InvalidValue(_("Enter a number.")) from None
        if not number.is_finite():
            raise InvalidValue(_("Enter a number."))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CustomFieldType.DATE:
        try:
            return datetime.date.fromisoformat(str(value).strip()[:10]).isoformat()
        except ValueError:
            raise InvalidValue(_("Enter a date as YYYY-MM-DD.")) from None
    text = str(value).strip()
    if kind == CustomFieldType.CHOICE:
        for choice in definition.choices:
            if text.lower() == str(choice).lower():
                return choice
        raise InvalidValue(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(str(c) for c in definition.choices)}
        )
    if len(text) > MAX_CUSTOM_TEXT:
        raise InvalidValue(_("At most %(n)d characters.") % {"n": MAX_CUSTOM_TEXT})
    return text


def clean_custom_fields(values: Mapping, definitions: Mapping[str, object]) -> tuple[dict, dict]:
    """Validate a `{key: value}` mapping against the workspace's definitions
    (`{key: CustomFieldDefinition}`). Returns (cleaned, errors): None values
    in `cleaned` mean "remove the key"; `errors` maps key → message."""
    cleaned: dict = {}
    errors: dict = {}
    if not isinstance(values, Mapping):
        return {}, {"custom_fields": _("Expected an object of field keys to values.")}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[str(key)[:50]] = _("Unknown custom field.")
            continue
        try:
            cleaned[key] = clean_custom_value(definition, value)
        except InvalidValue as exc:
            errors[key] = str(exc)
    return cleaned, errors


def apply_custom_fields(current: dict, cleaned: dict) -> dict:
    result = dict(current or {})
    for key, value in cleaned.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result
