"""Choices for a workspace's (and a profile's) regional settings: phone
regions with their country names, time zones grouped by region, currencies.

Time zones: the IANA database has ~600 names, many of them aliases kept for
old software (`US/Eastern`, `Etc/GMT+5`, `Cuba`). People pick a city in
their region, so the list holds the canonical `Area/City` names only,
grouped by area (optgroups), each labelled with its current UTC offset;
`static/js/choicefilter.js` adds a search box over it. Any valid name
(aliases included) is still accepted by the validators.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

TIMEZONE_AREAS = {
    "Africa": _("Africa"),
    "America": _("Americas"),
    "Antarctica": _("Antarctica"),
    "Arctic": _("Arctic"),
    "Asia": _("Asia"),
    "Atlantic": _("Atlantic"),
    "Australia": _("Australia"),
    "Europe": _("Europe"),
    "Indian": _("Indian Ocean"),
    "Pacific": _("Pacific"),
}

# The currencies a small business sells in most often across our five languages' markets.
CURRENCIES = (
    "USD", "EUR", "GBP", "BRL", "MXN", "ARS", "CLP", "COP", "PEN", "UYU", "CAD", "AUD", "NZD", "CHF",
    "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "TRY", "ILS", "AED", "SAR", "QAR", "KWD", "BHD",
    "OMR", "JOD", "EGP", "MAD", "DZD", "TND", "NGN", "KES", "ZAR", "AOA", "MZN", "CVE", "INR", "PKR",
    "IDR", "MYR", "SGD", "PHP", "THB", "VND", "JPY", "KRW", "CNY", "HKD",
)  # fmt: skip


def _offset_label(name: str, now: datetime) -> str:
    offset = now.astimezone(ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _zone_tab_names() -> set[str]:
    """The zones of the system's `zone.tab` (one or more per country, no backward
    aliases such as `Asia/Calcutta`); empty when the system has none."""
    import zoneinfo
    from pathlib import Path

    for folder in zoneinfo.TZPATH:
        tab = Path(folder) / "zone.tab"
        if tab.is_file():
            return {
                line.split("\t")[2].strip()
                for line in tab.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#") and line.count("\t") >= 2
            }
    return set()


@lru_cache(maxsize=1)
def _grouped_names() -> tuple[tuple[str, tuple[str, ...]], ...]:
    names = available_timezones()
    canonical = _zone_tab_names() & names
    if len(canonical) > 300:  # a complete zone.tab: leave the aliases out
        names = canonical
    groups: dict[str, list[str]] = {area: [] for area in TIMEZONE_AREAS}
    for name in names:
        area, _sep, rest = name.partition("/")
        if area in groups and rest:
            groups[area].append(name)
    return tuple((area, tuple(sorted(groups[area]))) for area in TIMEZONE_AREAS if groups[area])


def timezone_choices() -> list:
    """`[("UTC", "UTC"), (area label, [(name, "City (UTC+hh:mm)"), …]), …]` for a select with optgroups."""
    now = datetime.now().astimezone()
    choices: list = [("UTC", "UTC")]
    for area, names in _grouped_names():
        options = [
            (name, f"{name.split('/', 1)[1].replace('_', ' ').replace('/', ' / ')} ({_offset_label(name, now)})")
            for name in names
        ]
        choices.append((TIMEZONE_AREAS[area], options))
    return choices


def region_choices() -> list[tuple[str, str]]:
    """Phone regions (ISO 3166 codes `phonenumbers` knows) named in the active language
    (CLDR's names through babel, then `phonenumbers`' own, then English); sorted by name."""
    return list(_region_choices(get_language() or "en"))


@lru_cache(maxsize=8)
def _region_choices(language: str) -> tuple[tuple[str, str], ...]:
    import phonenumbers
    from phonenumbers import geocoder

    language = language.split("-")[0]
    territories = cldr_locale(language).territories
    rows = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        name = (
            territories.get(code)
            or geocoder._region_display_name(code, language)
            or geocoder._region_display_name(code, "en")
        )
        if not name:  # a few dependencies without a name (Ascension, Tristan da Cunha): by their country
            continue
        rows.append((code, f"{name} (+{phonenumbers.country_code_for_region(code)})"))
    return tuple(sorted(rows, key=lambda row: row[1].casefold()))


def is_region(code: str) -> bool:
    import phonenumbers

    return code in phonenumbers.SUPPORTED_REGIONS


def currency_choices() -> list[tuple[str, str]]:
    """`("ILS", "ILS · שקל חדש")`: the code, then its name in the active language."""
    names = cldr_locale((get_language() or "en").split("-")[0]).currencies
    return [(code, f"{code} · {names[code]}" if code in names else code) for code in CURRENCIES]


@lru_cache(maxsize=8)
def cldr_locale(language: str):
    """CLDR's locale data (babel) for a UI language; English when babel does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")
