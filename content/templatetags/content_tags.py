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
    try:
        return f"{float(value) * 100:.1f}%"
    except (TypeError, ValueError):
        return "0.0%"
