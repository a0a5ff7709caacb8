"""Validation of the FacebookCampaignRequest (SPEC "Ad campaigns") with
field errors keyed by path (`target_audience.age_min`, `budget.amount`).

Never raises anything but `ValidationFailed`: any shape of JSON a client
sends is a 400 with details, not a 500.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.conf.locale import LANG_INFO
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from campaigns import currencies
from campaigns.models import BudgetType, Objective
from nexusone.errors import ValidationFailed

AGE_MIN, AGE_MAX = 18, 65
GENDERS = ("male", "female")
MAX_INTERESTS = 25
MAX_VARIANTS = 5
DEFAULT_VARIANTS = 3
LANGUAGES = frozenset(code for code in LANG_INFO if len(code) == 2)
COPY_LANGUAGES = ("en", "es", "pt", "ar", "he")
# Meta call-to-action types offered for link ads.
CALLS_TO_ACTION = (
    "SHOP_NOW",
    "LEARN_MORE",
    "SIGN_UP",
    "SUBSCRIBE",
    "CONTACT_US",
    "APPLY_NOW",
    "BOOK_TRAVEL",
    "DOWNLOAD",
    "GET_OFFER",
    "GET_QUOTE",
    "ORDER_NOW",
    "BUY_NOW",
    "WATCH_MORE",
)
LIMITS = {"campaign_name": 200, "title": 255, "description": 255, "url": 2000, "interest": 100}
COPY_LIMITS = {"headline": 255, "primary_text": 2000, "description": 255}


class Errors(dict):
    def add(self, path: str, message: str) -> None:
        self.setdefault(path, []).append(str(message))


@functools.cache
def _country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes `phonenumbers` knows; imported by the first campaign validated,
    not with this module, which the web worker's URLconf imports (issue 19, "Cold start")."""
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def _text(errors: Errors, path: str, value: Any, limit: int, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(path, _("Enter text."))
        return ""
    value = value.replace("\x00", "").strip()
    if required and not value:
        errors.add(path, _("This field is required."))
    elif len(value) > limit:
        errors.add(path, _("At most %(n)d characters.") % {"n": limit})
    return value


def _int(errors: Errors, path: str, value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.add(path, _("Enter a whole number."))
        return None
    try:
        return int(value)
    except ValueError:
        errors.add(path, _("Enter a whole number."))
        return None


def https_url(errors: Errors, path: str, value: Any, *, required: bool = True) -> str:
    value = _text(errors, path, value, LIMITS["url"], required=required)
    if not value or path in errors:
        return value
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        errors.add(path, _("Enter an https:// address."))
    return value


def _string_list(errors: Errors, path: str, value: Any) -> list[str] | None:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.add(path, _("Enter a list of texts."))
        return None
    return [item.strip() for item in value if item.strip()]


def _audience(errors: Errors, raw: Any) -> dict:
    if not isinstance(raw, dict):
        errors.add("target_audience", _("Enter an object."))
        return {}
    audience: dict[str, Any] = {}
    ages = {}
    for name, default in (("age_min", AGE_MIN), ("age_max", AGE_MAX)):
        value = raw.get(name, default)
        number = _int(errors, f"target_audience.{name}", value)
        if number is not None and not AGE_MIN <= number <= AGE_MAX:
            errors.add(
                f"target_audience.{name}", _("Ages go from %(min)d to %(max)d.") % {"min": AGE_MIN, "max": AGE_MAX}
            )
            number = None
        ages[name] = number
        audience[name] = number
    if ages["age_min"] is not None and ages["age_max"] is not None and ages["age_min"] > ages["age_max"]:
        errors.add("target_audience.age_max", _("The maximum age must not be under the minimum age."))

    genders = _string_list(errors, "target_audience.genders", raw.get("genders"))
    if genders is not None:
        genders = sorted({g.lower() for g in genders})
        if any(g not in GENDERS for g in genders):
            errors.add("target_audience.genders", _("Use “male” and/or “female” (empty means everyone)."))
        audience["genders"] = [] if set(genders) == set(GENDERS) else genders

    interests = _string_list(errors, "target_audience.interests", raw.get("interests"))
    if interests is not None:
        if len(interests) > MAX_INTERESTS:
            errors.add("target_audience.interests", _("At most %(n)d interests.") % {"n": MAX_INTERESTS})
        elif any(len(item) > LIMITS["interest"] for item in interests):
            errors.add("target_audience.interests", _("At most %(n)d characters each.") % {"n": LIMITS["interest"]})
        audience["interests"] = list(dict.fromkeys(interests))

    countries = _string_list(errors, "target_audience.countries", raw.get("countries"))
    if countries is not None:
        countries = list(dict.fromkeys(c.upper() for c in countries))
        known = _country_codes()
        wrong = [c for c in countries if c not in known]
        if not countries:
            errors.add("target_audience.countries", _("Choose at least one country."))
        elif wrong:
            errors.add(
                "target_audience.countries",
                _("Not ISO 3166-1 alpha-2 country codes: %(codes)s") % {"codes": ", ".join(wrong[:5])},
            )
        audience["countries"] = countries

    languages = _string_list(errors, "target_audience.languages", raw.get("languages"))
    if languages is not None:
        languages = list(dict.fromkeys(code.lower() for code in languages))
        wrong = [code for code in languages if code not in LANGUAGES]
        if wrong:
            errors.add(
                "target_audience.languages",
                _("Not ISO 639-1 language codes: %(codes)s") % {"codes": ", ".join(wrong[:5])},
            )
        audience["languages"] = languages
    unknown = set(raw) - {"age_min", "age_max", "genders", "interests", "countries", "languages"}
    for key in sorted(unknown)[:5]:
        errors.add(f"target_audience.{key}", _("Unknown field."))
    return audience


def _creative(errors: Errors, raw: Any) -> dict:
    if not isinstance(raw, dict):
        errors.add("ad_creative", _("Enter an object."))
        return {}
    creative = {
        "title": _text(errors, "ad_creative.title", raw.get("title"), LIMITS["title"]),
        "description": _text(
            errors, "ad_creative.description", raw.get("description"), LIMITS["description"], required=False
        ),
        "image_url": https_url(errors, "ad_creative.image_url", raw.get("image_url"), required=False),
        "destination_url": https_url(errors, "ad_creative.destination_url", raw.get("destination_url")),
    }
    cta = raw.get("call_to_action", "LEARN_MORE")
    if not isinstance(cta, str) or cta.upper() not in CALLS_TO_ACTION:
        errors.add(
            "ad_creative.call_to_action", _("Choose one of: %(choices)s") % {"choices": ", ".join(CALLS_TO_ACTION)}
        )
        cta = "LEARN_MORE"
    creative["call_to_action"] = cta.upper()
    # The Meta pixel measuring conversions and the instant form a lead ad opens: numeric Graph ids.
    for key in ("pixel_id", "lead_form_id"):
        value = raw.get(key)
        if value in (None, ""):
            continue
        value = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not value.isdigit() or len(value) > 32:
            errors.add(f"ad_creative.{key}", _("Enter the numeric id Meta shows for it."))
        else:
            creative[key] = value
    asset_id = raw.get("image_asset_id")
    if asset_id not in (None, ""):
        number = _int(errors, "ad_creative.image_asset_id", asset_id)
        creative["image_asset_id"] = number
    return creative


def _budget(errors: Errors, raw: Any) -> dict:
    if not isinstance(raw, dict):
        errors.add("budget", _("Enter an object."))
        return {}
    budget: dict[str, Any] = {}
    kind = raw.get("type")
    if kind not in BudgetType.values:
        errors.add("budget.type", _("Choose “daily” or “lifetime”."))
    budget["type"] = kind
    currency = raw.get("currency")
    currency = currency.upper() if isinstance(currency, str) else ""
    if currency not in currencies.SUPPORTED:
        errors.add("budget.currency", _("Meta ad accounts do not support this currency."))
        currency = ""
    budget["currency"] = currency
    amount = raw.get("amount")
    try:
        if isinstance(amount, bool) or not isinstance(amount, int | float | str):
            raise InvalidOperation
        value = Decimal(str(amount))
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors.add("budget.amount", _("Enter an amount."))
        value = None
    if value is not None:
        if value <= 0:
            errors.add("budget.amount", _("Enter an amount above zero."))
            value = None
        elif value >= Decimal("1e11"):
            errors.add("budget.amount", _("This amount is too large."))
            value = None
        elif currency and value != value.quantize(currencies.quantum(currency)):
            errors.add(
                "budget.amount",
                _("%(currency)s amounts have at most %(n)d decimals.")
                % {"currency": currency, "n": len(str(currencies.offset(currency))) - 1},
            )
            value = None
    budget["amount"] = value
    return budget


def _end_time(errors: Errors, raw: Any) -> datetime | None:
    if raw in (None, ""):
        return None
    value = parse_datetime(raw) if isinstance(raw, str) else None
    if value is None:
        errors.add("end_time", _("Enter a date and time (ISO 8601)."))
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.utc)
    if value <= timezone.now() + timedelta(hours=1):
        errors.add("end_time", _("The end must be at least an hour from now."))
    return value


def check_minimum(errors: Errors, *, objective: str, budget: dict, end_time: datetime | None) -> None:
    amount, currency = budget.get("amount"), budget.get("currency")
    if amount is None or not currency or objective not in Objective.values:
        return
    daily = currencies.minimum_daily(currency, objective)
    if budget.get("type") == BudgetType.LIFETIME:
        if end_time is None:
            return
        days = max(1, -(-int((end_time - timezone.now()).total_seconds()) // 86400))
        minimum = daily * days
    else:
        minimum = daily
    if amount < minimum:
        errors.add(
            "budget.amount",
            _("Meta's minimum for this campaign is %(amount)s %(currency)s.")
            % {"amount": minimum, "currency": currency},
        )


def validate_draft(raw: Any, *, current: dict | None = None) -> dict:
    """The request → cleaned values. With `current` (a PATCH), missing keys
    keep the campaign's values and the whole result is validated again."""
    if not isinstance(raw, dict):
        raise ValidationFailed(details={"non_field_errors": [_("Send a JSON object.")]})
    merged = dict(current or {})
    for key in ("target_audience", "ad_creative", "budget"):
        if key in raw and isinstance(raw[key], dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **raw[key]}
        elif key in raw:
            merged[key] = raw[key]
    for key in ("campaign_name", "objective", "variants", "end_time", "auto_refresh", "language"):
        if key in raw:
            merged[key] = raw[key]
    errors = Errors()
    cleaned: dict[str, Any] = {
        "campaign_name": _text(errors, "campaign_name", merged.get("campaign_name"), LIMITS["campaign_name"])
    }
    objective = merged.get("objective")
    if objective not in Objective.values:
        errors.add("objective", _("Choose one of: %(choices)s") % {"choices": ", ".join(Objective.values)})
    cleaned["objective"] = objective
    cleaned["target_audience"] = _audience(errors, merged.get("target_audience", {}))
    cleaned["ad_creative"] = _creative(errors, merged.get("ad_creative"))
    cleaned["budget"] = _budget(errors, merged.get("budget"))
    cleaned["end_time"] = _end_time(errors, merged.get("end_time"))
    if (
        cleaned["budget"].get("type") == BudgetType.LIFETIME
        and cleaned["end_time"] is None
        and "end_time" not in errors
    ):
        errors.add("end_time", _("A lifetime budget needs an end time."))
    check_minimum(errors, objective=objective, budget=cleaned["budget"], end_time=cleaned["end_time"])
    variants = merged.get("variants", DEFAULT_VARIANTS)
    if isinstance(variants, bool) or not isinstance(variants, int) or not 1 <= variants <= MAX_VARIANTS:
        errors.add("variants", _("Ask for 1 to %(n)d variants.") % {"n": MAX_VARIANTS})
    cleaned["variants"] = variants
    auto_refresh = merged.get("auto_refresh", False)
    if not isinstance(auto_refresh, bool):
        errors.add("auto_refresh", _("Enter true or false."))
    cleaned["auto_refresh"] = bool(auto_refresh)
    language = merged.get("language")
    if language not in (None, "") and language not in COPY_LANGUAGES:
        errors.add("language", _("Choose one of: %(choices)s") % {"choices": ", ".join(COPY_LANGUAGES)})
    cleaned["language"] = language or ""
    if errors:
        raise ValidationFailed(details=dict(errors))
    return cleaned


def copy_language(*, audience: dict, requested: str = "", fallback: str = "en") -> str:
    """The language the copy is written in: the one asked for, else the
    audience's first language we write, else `fallback`."""
    if requested in COPY_LANGUAGES:
        return requested
    for code in audience.get("languages") or ():
        if code in COPY_LANGUAGES:
            return code
    return fallback if fallback in COPY_LANGUAGES else "en"


def validate_variant(raw: Any) -> dict:
    """A PATCH of one variant's copy."""
    if not isinstance(raw, dict):
        raise ValidationFailed(details={"non_field_errors": [_("Send a JSON object.")]})
    errors = Errors()
    cleaned: dict[str, Any] = {}
    for field, limit in COPY_LIMITS.items():
        if field in raw:
            cleaned[field] = _text(errors, field, raw[field], limit, required=field != "description")
    if "call_to_action" in raw:
        cta = raw["call_to_action"]
        if not isinstance(cta, str) or cta.upper() not in CALLS_TO_ACTION:
            errors.add("call_to_action", _("Choose one of: %(choices)s") % {"choices": ", ".join(CALLS_TO_ACTION)})
        else:
            cleaned["call_to_action"] = cta.upper()
    if errors:
        raise ValidationFailed(details=dict(errors))
    return cleaned
