"""Server-rendered SVG charts: no JavaScript, no external assets.

`daily_credits_svg` draws credits per day as bars stacked by module. The
chart mirrors in right-to-left languages (time runs from the start edge,
like the text around it); every bar carries a <title> for pointer users and
the page shows the same numbers as a table for screen readers.
"""

from __future__ import annotations

import math
from datetime import date

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Distinguishable on white, in order of use (Okabe-Ito based).
PALETTE = ["#4f46e5", "#e69f00", "#009e73", "#cc79a7", "#0072b2", "#d55e00", "#56b4e9", "#b8a200", "#6b7280"]

WIDTH, HEIGHT = 720, 260
PAD_START, PAD_END, PAD_TOP, PAD_BOTTOM = 48, 12, 12, 30


def module_colors(modules: list[str]) -> dict[str, str]:
    return {module: PALETTE[index % len(PALETTE)] for index, module in enumerate(modules)}


def _nice_ceiling(value: int) -> int:
    """The smallest 1/2/5 × 10^k at or above `value` (axis maximum)."""
    if value <= 0:
        return 10
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def daily_credits_svg(
    *, days: list[date], daily: list[dict], colors: dict[str, str], labels: dict[str, str], rtl: bool = False
) -> SafeString:
    """An inline SVG of `daily` rows ({date, module, credits}) over `days`."""
    stacks: dict[date, list[tuple[str, int]]] = {day: [] for day in days}
    for row in daily:
        if row["credits"] and row["date"] in stacks:
            stacks[row["date"]].append((row["module"], row["credits"]))
    top = _nice_ceiling(max((sum(c for _m, c in stack) for stack in stacks.values()), default=0))
    plot_w, plot_h = WIDTH - PAD_START - PAD_END, HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(1, len(days))
    bar_w = max(1.0, slot * 0.7)

    def x(offset: float, width: float = 0) -> float:
        left = PAD_START + offset
        return WIDTH - left - width if rtl else left

    def y(value: float) -> float:
        return PAD_TOP + plot_h - plot_h * value / top

    title = _("Credits used per day, by module")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="usage-chart-title" class="chart" preserveAspectRatio="xMidYMid meet">',
        f'<title id="usage-chart-title">{escape(title)}</title>',
    ]
    # grid and the value axis
    for step in range(5):
        value = top * step / 4
        gy = y(value)
        parts.append(
            f'<line x1="{x(0):.1f}" x2="{x(plot_w):.1f}" y1="{gy:.1f}" y2="{gy:.1f}" '
            'stroke="#e3e6ef" stroke-width="1"/>'
        )
        label_x = WIDTH - PAD_START + 6 if rtl else PAD_START - 6
        anchor = "start" if rtl else "end"
        parts.append(
            f'<text x="{label_x:.1f}" y="{gy + 4:.1f}" font-size="11" fill="#667085" text-anchor="{anchor}">'
            f"{escape(formats.number_format(int(value), force_grouping=True, use_l10n=True))}</text>"
        )
    # bars
    label_every = max(1, math.ceil(len(days) / 8))
    for index, day in enumerate(days):
        offset = slot * index + (slot - bar_w) / 2
        base = 0
        day_label = formats.date_format(day, "SHORT_DATE_FORMAT", use_l10n=True)
        for module, credits in stacks[day]:
            y_top, y_base = y(base + credits), y(base)
            tip = f"{day_label} · {labels.get(module, module)}: {credits}"
            parts.append(
                f'<rect x="{x(offset, bar_w):.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" '
                f'height="{max(0.5, y_base - y_top):.1f}" fill="{colors.get(module, PALETTE[-1])}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            base += credits
        if index % label_every == 0:
            short = formats.date_format(day, "M j", use_l10n=True)
            parts.append(
                f'<text x="{x(offset + bar_w / 2):.1f}" y="{HEIGHT - 10}" font-size="11" fill="#667085" '
                f'text-anchor="middle">{escape(short)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))
