"""Column mapping (targets, header aliases, suggestion, validation) and the line parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import csvio
from crm.validation import (
    InvalidValue,
    clean_custom_value,
    normalize_email,
    normalize_language,
    normalize_phone,
    normalize_stage,
    normalize_tags,
    parse_bool,
)

CUSTOM_PREFIX = "custom:"

TARGETS: dict[str, Any] = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "name": gettext_lazy("Full name (split into first and last name)"),
    "email": gettext_lazy("E-mail address"),
    "phone": gettext_lazy("Phone number"),
    "company": gettext_lazy("Company"),
    "stage": gettext_lazy("Stage"),
    "tags": gettext_lazy("Tags"),
    "language": gettext_lazy("Language"),
    "source": gettext_lazy("Source"),
    "email_opt_in": gettext_lazy("E-mail opt-in"),
    "whatsapp_opt_in": gettext_lazy("WhatsApp opt-in"),
}
MAX_LENGTHS = {"first_name": 100, "last_name": 100, "company": 200, "source": 50}

# Header names recognised without a mapping (compared after `normalize_header`).
ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email",
        "e mail",
        "email address",
        "e mail address",
        "mail",
        "correo",
        "correo electronico",
        "correo electrónico",
        "e mail adresse",
    ),
    "phone": (
        "phone",
        "phone number",
        "mobile",
        "mobile phone",
        "mobile number",
        "cell",
        "cell phone",
        "telephone",
        "tel",
        "whatsapp",
        "whatsapp number",
        "telefono",
        "teléfono",
        "telefone",
        "celular",
        "movil",
        "móvil",
    ),
    "first_name": ("first name", "firstname", "given name", "forename", "nombre", "nome", "primeiro nome"),
    "last_name": ("last name", "lastname", "surname", "family name", "apellido", "apellidos", "sobrenome"),
    "name": ("name", "full name", "fullname", "contact name", "nombre completo", "nome completo"),
    "company": ("company", "company name", "organization", "organisation", "account", "empresa", "compañía"),
    "stage": ("stage", "lifecycle stage", "lead stage", "etapa", "estágio"),
    "tags": ("tags", "tag", "labels", "etiquetas"),
    "language": ("language", "lang", "idioma", "preferred language"),
    "source": ("source", "lead source", "origen", "origem"),
    "email_opt_in": ("email opt in", "email optin", "email consent", "newsletter", "accepts marketing"),
    "whatsapp_opt_in": ("whatsapp opt in", "whatsapp optin", "whatsapp consent"),
}
_ALIAS_INDEX = {alias: target for target, aliases in ALIASES.items() for alias in aliases}
_HEADER_SEPARATORS = re.compile(r"[\s_\-.]+")


def normalize_header(name: str) -> str:
    return _HEADER_SEPARATORS.sub(" ", name.strip().lower()).strip()


def mapping_targets(definitions) -> dict[str, Any]:
    """Every target a column can map to: contact fields, then custom fields."""
    targets = dict(TARGETS)
    for definition in definitions:
        targets[CUSTOM_PREFIX + definition.key] = definition.label
    return targets


def suggest_mapping(columns: list[str], definitions) -> dict[str, str]:
    """Column → target for the columns whose names we recognise."""
    custom = {}
    for definition in definitions:
        custom[normalize_header(definition.key)] = CUSTOM_PREFIX + definition.key
        custom[normalize_header(definition.label)] = CUSTOM_PREFIX + definition.key
        custom[CUSTOM_PREFIX + definition.key] = CUSTOM_PREFIX + definition.key  # our export's header
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        key = normalize_header(column)
        target = _ALIAS_INDEX.get(key) or custom.get(key)
        if target and target not in used:
            mapping[column] = target
            used.add(target)
    return mapping


def _looks_like_data(columns: list[str], region: str) -> bool:
    for column in columns:
        for check in (normalize_email, lambda v: normalize_phone(v, region)):
            try:
                if check(column):
                    return True
            except InvalidValue:
                continue
    return False


def validate_mapping(mapping, columns: list[str], definitions, region: str) -> dict[str, str]:
    """Return the cleaned mapping or raise InvalidValue with the reason."""
    if not isinstance(mapping, dict):
        raise InvalidValue(_("The mapping must be an object of column names to contact fields."))
    targets = mapping_targets(definitions)
    known_columns = set(columns)
    cleaned: dict[str, str] = {}
    used: dict[str, str] = {}
    for column, target in mapping.items():
        if target in (None, ""):
            continue
        if not isinstance(column, str) or column not in known_columns:
            raise InvalidValue(_("The file has no column named %(column)s.") % {"column": str(column)[:100]})
        if not isinstance(target, str) or target not in targets:
            raise InvalidValue(_("Unknown contact field: %(field)s.") % {"field": str(target)[:100]})
        if target in used:
            raise InvalidValue(
                _("The columns %(a)s and %(b)s are both mapped to %(field)s.")
                % {"a": used[target], "b": column, "field": targets[target]}
            )
        used[target] = column
        cleaned[column] = target
    if "email" not in used and "phone" not in used:
        if _looks_like_data(columns, region):
            raise InvalidValue(
                _(
                    "The first line looks like a contact, not column names. Add a header row (for example: "
                    "email,phone,first_name,last_name) and upload the file again."
                )
            )
        raise InvalidValue(
            _(
                "No column is mapped to the e-mail address or the phone number. The first line of the file must "
                "name the columns; map one of them to E-mail address or Phone number."
            )
        )
    return cleaned


# --- one line ------------------------------------------------------------------------------


@dataclass(slots=True)
class ParsedRow:
    line: int
    email: str = ""
    phone: str = ""
    fields: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)
    custom: dict = field(default_factory=dict)


class RowParser:
    """Turns a record's cells into a `ParsedRow`, or raises InvalidValue with
    the reason (naming the column)."""

    # what a mapped column does, decided once per file instead of per cell
    _EMAIL, _PHONE, _NAME, _TEXT, _STAGE, _LANGUAGE, _BOOL, _TAGS, _CUSTOM = range(9)

    def __init__(self, columns: list[str], mapping: dict[str, str], region: str, definitions):
        self.width = len(columns)
        self.region = region
        index = {column: position for position, column in enumerate(columns) if column}
        by_key = {definition.key: definition for definition in definitions}
        kinds = {
            "email": self._EMAIL,
            "phone": self._PHONE,
            "name": self._NAME,
            "stage": self._STAGE,
            "language": self._LANGUAGE,
            "email_opt_in": self._BOOL,
            "whatsapp_opt_in": self._BOOL,
            "tags": self._TAGS,
            **dict.fromkeys(MAX_LENGTHS, self._TEXT),
        }
        self.plan = []
        for column, target in mapping.items():
            if target.startswith(CUSTOM_PREFIX):
                definition = by_key.get(target.removeprefix(CUSTOM_PREFIX))
                if definition is not None:
                    self.plan.append((index[column], column, self._CUSTOM, definition))
            else:
                self.plan.append((index[column], column, kinds[target], target))

    def parse(self, record: csvio.Record) -> ParsedRow:
        cells = record.cells
        if record.error:
            raise InvalidValue(_("Malformed CSV: %(error)s.") % {"error": record.error[:200]})
        if record.bad_encoding:
            raise InvalidValue(_("This line is not valid UTF-8 text. Save the file as “CSV UTF-8”."))
        if record.has_nul:
            raise InvalidValue(_("This line contains a NUL character, which text cannot hold."))
        if len(cells) != self.width and not (len(cells) > self.width and not any(cells[self.width :])):
            raise InvalidValue(
                _("This line has %(n)d values but the header has %(m)d columns.") % {"n": len(cells), "m": self.width}
            )
        if record.size > csvio.MAX_CELL_CHARS and any(len(cell) > csvio.MAX_CELL_CHARS for cell in cells):
            raise InvalidValue(_("A value is longer than %(n)d characters.") % {"n": csvio.MAX_CELL_CHARS})
        row = ParsedRow(line=record.line)
        fields = row.fields
        name = ""
        for position, column, kind, arg in self.plan:
            value = cells[position].strip()
            if not value:
                continue
            if value[0] == "'":
                value = csvio.unescape_cell(value)
            try:
                if kind == self._EMAIL:
                    row.email = normalize_email(value)
                elif kind == self._PHONE:
                    row.phone = normalize_phone(value, self.region)
                elif kind == self._TEXT:
                    if len(value) > MAX_LENGTHS[arg]:
                        raise InvalidValue(_("At most %(n)d characters.") % {"n": MAX_LENGTHS[arg]})
                    fields[arg] = value
                elif kind == self._TAGS:
                    row.tags = normalize_tags(value)
                elif kind == self._NAME:
                    name = value
                elif kind == self._STAGE:
                    fields["stage"] = normalize_stage(value)
                elif kind == self._LANGUAGE:
                    fields["language"] = normalize_language(value)
                elif kind == self._BOOL:
                    fields[arg] = parse_bool(value)
                else:
                    row.custom[arg.key] = clean_custom_value(arg, value)
            except InvalidValue as exc:
                problem = str(exc)
            else:
                continue
            # Raised outside the except block: an exception raised inside it
            # would keep this frame (and through it the whole chunk) alive in a
            # frame ↔ traceback reference cycle.
            shown = value if len(value) <= 60 else value[:57] + "…"
            raise InvalidValue(
                _("%(column)s: %(reason)s (%(value)s)") % {"column": column, "reason": problem, "value": shown}
            )
        if name:
            first, _sep, last = name.partition(" ")
            fields.setdefault("first_name", first[:100])
            if last.strip():
                fields.setdefault("last_name", last.strip()[:100])
        if not row.email and not row.phone:
            raise InvalidValue(_("This line has neither a valid e-mail address nor a phone number."))
        return row
