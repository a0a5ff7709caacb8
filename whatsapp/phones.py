"""Recipient numbers: normalise to E.164 with `phonenumbers`, deduplicate,
and explain every rejection.

`normalize_recipients()` is on the broadcast-creation hot path (100,000
numbers must be accepted in well under 5 s), so a number is first given to
`crm.phones.fast_e164` — the CRM's exact replay of phonenumbers' parse and
validity check for plain cells (~4 µs a number), so a number normalises the
same way in a broadcast and on a contact — and only what it does not decide,
or finds invalid (the reason needs phonenumbers' parse), takes the full
parse with the workspace's default region. A leading `00` is read as `+`. WhatsApp wants the E.164 digits without
`+` on the wire (`wire_number`).

`phonenumbers` (0.02 s and its metadata) is imported by the first number
normalised, not with the module: the WhatsApp providers import `wire_number`
from here, and they are on the web worker's URLconf (issue 19, "Cold start").
A function-level `import` of a loaded module costs ~0.15 µs a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from crm.phones import fast_e164

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

MAX_INPUT_LENGTH = 40

REASONS = {
    "empty": _("The number is empty."),
    "too_long": _("The number is too long."),
    "not_a_number": _("This is not a phone number."),
    "invalid_country_code": _("The country code is not valid."),
    "too_short": _("The number is too short."),
    "invalid": _("This is not a valid phone number."),
}


class InvalidNumber(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalize(raw: object, *, region: str = "US") -> str:
    """One number → E.164 (`+14155552671`), or raise InvalidNumber(reason)."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    raw = raw.strip()
    if not raw:
        raise InvalidNumber("empty")
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidNumber("too_long")
    candidate = "+" + raw[2:] if raw.startswith("00") else raw
    region = (region or "US").upper()
    decided = fast_e164(candidate, region)
    if decided:
        return decided
    import phonenumbers

    if decided is False:  # parses, not valid: only the reason is left to find
        raise InvalidNumber(_invalid_reason(phonenumbers.parse(candidate, region)))
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException as exc:
        errors = phonenumbers.NumberParseException
        reason = {
            errors.INVALID_COUNTRY_CODE: "invalid_country_code",
            errors.TOO_SHORT_NSN: "too_short",
            errors.TOO_SHORT_AFTER_IDD: "too_short",
            errors.TOO_LONG: "too_long",
        }.get(exc.error_type, "not_a_number")
        raise InvalidNumber(reason) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidNumber(_invalid_reason(number))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _invalid_reason(number: PhoneNumber) -> str:
    import phonenumbers

    if number.country_code not in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        return "invalid_country_code"
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == phonenumbers.ValidationResult.TOO_SHORT:
        return "too_short"
    if possible == phonenumbers.ValidationResult.TOO_LONG:
        return "too_long"
    return "invalid"


def try_normalize(raw: object, *, region: str = "US") -> str | None:
    try:
        return normalize(raw, region=region)
    except InvalidNumber:
        return None


def wire_number(e164: str) -> str:
    """The Cloud API's `to`: E.164 digits without the plus."""
    return e164.lstrip("+")


def from_wire(wa_id: str) -> str:
    """A webhook `wa_id` / `from` (digits) → E.164."""
    digits = "".join(ch for ch in str(wa_id) if ch.isdigit())
    return f"+{digits}" if digits else ""


@dataclass
class RecipientReport:
    """The outcome of normalising a requested recipient list."""

    numbers: list[str] = field(default_factory=list)  # unique E.164, input order
    contact_ids: dict[str, int] = field(default_factory=dict)  # E.164 → CRM contact id when known
    requested: int = 0
    duplicates: int = 0
    opted_out: int = 0
    rejected: list[dict] = field(default_factory=list)  # [{"input", "reason", "message"}]


def normalize_recipients(
    raw_numbers: Iterable[object],
    *,
    region: str,
    opted_out: set[str] | frozenset[str] = frozenset(),
    contact_ids: Iterable[int | None] | None = None,
) -> RecipientReport:
    """Normalise, reject invalid numbers (each with its reason), drop
    duplicates (after normalisation) and opted-out numbers, keeping order."""
    report = RecipientReport()
    seen: set[str] = set()
    ids = iter(contact_ids) if contact_ids is not None else None
    append, add = report.numbers.append, seen.add
    for raw in raw_numbers:
        contact_id = next(ids, None) if ids is not None else None
        report.requested += 1
        try:
            number = normalize(raw, region=region)
        except InvalidNumber as exc:
            report.rejected.append(
                {
                    "input": str(raw)[:MAX_INPUT_LENGTH] if raw is not None else "",
                    "reason": exc.reason,
                    "message": str(REASONS.get(exc.reason, exc.reason)),
                }
            )
            continue
        if number in seen:
            report.duplicates += 1
            continue
        add(number)
        if number in opted_out:
            report.opted_out += 1
            continue
        append(number)
        if contact_id is not None:
            report.contact_ids[number] = contact_id
    return report
