"""Landing-page themes: CSS custom properties only (our constants, never
user input), inlined by the public template so pages load no external asset.
Values contain no quotes (family names are unquoted identifiers) because the
template autoescapes them like everything else."""

from __future__ import annotations

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


def theme_variables(theme: str) -> list[tuple[str, str]]:
    """(name, value) pairs of the theme's custom properties, hero colours defaulted."""
    values = THEMES.get(theme, THEMES["modern"])
    values = {"hero-fg": values["fg"], "hero-muted": values["muted"], **values}
    return sorted(values.items())
