"""Landing-page themes: CSS custom properties only (our constants, never
user input), inlined by the public template so pages load no external asset.
Values contain no quotes (family names are unquoted identifiers) because the
template autoescapes them like everything else."""

from __future__ import annotations

import re

_SANS = "system-ui, -apple-system, Segoe UI, Noto Sans, Noto Sans Arabic, Noto Sans Hebrew, sans-serif"

THEMES: dict[str, dict[str, str]] = {
    "modern": {
        "bg": "#ffffff",
        "fg": "#111827",
        "muted": "#4b5563",
        "surface": "#f3f4f6",
        "line": "#e5e7eb",
        "accent": "#4338ca",
        "accent-ink": "#ffffff",
        "hero-bg": "linear-gradient(135deg, #eef2ff, #f5f3ff)",
        "radius": "14px",
        "font": _SANS,
        "heading-weight": "800",
    },
    "classic": {
        "bg": "#fdfbf7",
        "fg": "#2b2118",
        "muted": "#5b4a3a",
        "surface": "#f4efe6",
        "line": "#e4dccd",
        "accent": "#8b1e3f",
        "accent-ink": "#ffffff",
        "hero-bg": "#f4efe6",
        "radius": "4px",
        "font": "Georgia, Times New Roman, Noto Serif, Noto Naskh Arabic, Noto Serif Hebrew, serif",
        "heading-weight": "700",
    },
    "minimal": {
        "bg": "#ffffff",
        "fg": "#111111",
        "muted": "#555555",
        "surface": "#fafafa",
        "line": "#e6e6e6",
        "accent": "#111111",
        "accent-ink": "#ffffff",
        "hero-bg": "#ffffff",
        "radius": "0",
        "font": "system-ui, -apple-system, Helvetica Neue, Arial, Noto Sans Arabic, Noto Sans Hebrew, sans-serif",
        "heading-weight": "600",
    },
    "creative": {
        "bg": "#fff7ed",
        "fg": "#1f1147",
        "muted": "#4c3d73",
        "surface": "#ffffff",
        "line": "#fbd5b5",
        "accent": "#be185d",
        "accent-ink": "#ffffff",
        "hero-bg": "linear-gradient(120deg, #fde68a, #fbcfe8 55%, #c7d2fe)",
        "radius": "24px",
        "font": "Trebuchet MS, " + _SANS,
        "heading-weight": "800",
    },
    "corporate": {
        "bg": "#f8fafc",
        "fg": "#0f172a",
        "muted": "#475569",
        "surface": "#ffffff",
        "line": "#dbe3ec",
        "accent": "#0b5cab",
        "accent-ink": "#ffffff",
        "hero-bg": "#0f2a4a",
        "hero-fg": "#ffffff",
        "hero-muted": "#cbd5e1",
        "radius": "6px",
        "font": "Segoe UI, Roboto, Helvetica Neue, Arial, Noto Sans Arabic, Noto Sans Hebrew, sans-serif",
        "heading-weight": "700",
    },
}


_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _ink_for(color: str) -> str:
    """Black or white, whichever reads better on `color` (WCAG relative luminance)."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(color[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#111111" if luminance > 0.179 else "#ffffff"


def theme_variables(theme: str, *, brand_color: str = "") -> list[tuple[str, str]]:
    """(name, value) pairs of the theme's custom properties, hero colours defaulted.
    A workspace's brand colour (validated `#rrggbb`) replaces the theme's accent."""
    values = THEMES.get(theme, THEMES["modern"])
    values = {"hero-fg": values["fg"], "hero-muted": values["muted"], **values}
    if brand_color and _HEX_COLOR.match(brand_color):
        values["accent"] = brand_color.lower()
        values["accent-ink"] = _ink_for(brand_color)
    return sorted(values.items())
