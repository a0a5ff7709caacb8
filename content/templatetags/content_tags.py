"""Template helpers for content pages. None of them marks text safe."""

from __future__ import annotations

from django import template

from content.sections import is_safe_link

register = template.Library()


@register.filter
def safe_href(value, fallback: str = "#form") -> str:
    """`value` if it is an allowed link (#anchor, http(s), mailto:, tel:), else
    `fallback` — a second check after validation, so a `javascript:` URL can
    never reach an href even if a row was written around the validators."""
    return value if isinstance(value, str) and is_safe_link(value) else fallback


@register.filter
def percent(value) -> str:
    """A ratio as a percentage with one decimal, written the way the page's language writes it
    (CLDR's pattern through babel, one decimal added: "12.5%", "12,5 %"…)."""
    from babel.numbers import format_percent
    from django.utils.translation import get_language

    from accounts.regional import cldr_locale

    try:
        ratio = float(value)
    except (TypeError, ValueError):
        ratio = 0.0
    locale = cldr_locale(get_language() or "en")
    pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)
    return format_percent(ratio, format=pattern, locale=locale)
