"""Server-rendered SVG charts for the dashboard panels: no JavaScript, no
external request. Bars per day (stacked or side by side) and bars per
category. In right-to-left languages the time axis runs from the right edge,
like the text around it, and the value axis sits on the right; every bar
carries a <title> and the page shows the same numbers as a table."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#4f46e5", "#e69f00", "#009e73", "#cc79a7", "#0072b2", "#d55e00", "#56b4e9", "#b8a200", "#6b7280"]
WIDTH, HEIGHT = 720, 240
PAD_START, PAD_END, PAD_TOP, PAD_BOTTOM = 52, 12, 12, 30
MUTED = "#667085"


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    color: str


def series(items: list[tuple[str, str]]) -> list[Series]:
    return [Series(key, label, PALETTE[index % len(PALETTE)]) for index, (key, label) in enumerate(items)]


def nice_ceiling(value: float) -> float:
    if value <= 0:
        return 10
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def _number(value: float) -> str:
    return formats.number_format(round(value, 2) if value % 1 else int(value), force_grouping=True, use_l10n=True)


class _Canvas:
    def __init__(self, *, title: str, rtl: bool, top: float, label_id: str) -> None:
        self.rtl, self.top = rtl, top
        self.plot_w, self.plot_h = WIDTH - PAD_START - PAD_END, HEIGHT - PAD_TOP - PAD_BOTTOM
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart" '
            f'aria-labelledby="{label_id}" preserveAspectRatio="xMidYMid meet">',
            f'<title id="{label_id}">{escape(title)}</title>',
        ]
        for step in range(5):
            value = top * step / 4
            gy = self.y(value)
            self.parts.append(
                f'<line x1="{self.x(0):.1f}" x2="{self.x(self.plot_w):.1f}" y1="{gy:.1f}" y2="{gy:.1f}" '
                'stroke="#e3e6ef" stroke-width="1"/>'
            )
            label_x = WIDTH - PAD_START + 6 if rtl else PAD_START - 6
            self.parts.append(
                f'<text x="{label_x:.1f}" y="{gy + 4:.1f}" font-size="11" fill="{MUTED}" '
                f'text-anchor="{"start" if rtl else "end"}">{escape(_number(value))}</text>'
            )

    def x(self, offset: float, width: float = 0) -> float:
        left = PAD_START + offset
        return WIDTH - left - width if self.rtl else left

    def y(self, value: float) -> float:
        return PAD_TOP + self.plot_h - self.plot_h * value / self.top

    def bar(self, offset: float, width: float, low: float, high: float, color: str, tip: str) -> None:
        y_top, y_base = self.y(high), self.y(low)
        self.parts.append(
            f'<rect x="{self.x(offset, width):.1f}" y="{y_top:.1f}" width="{width:.1f}" '
            f'height="{max(0.5, y_base - y_top):.1f}" fill="{color}"><title>{escape(tip)}</title></rect>'
        )

    def axis_label(self, offset: float, text: str) -> None:
        self.parts.append(
            f'<text x="{self.x(offset):.1f}" y="{HEIGHT - 10}" font-size="11" fill="{MUTED}" '
            f'text-anchor="middle">{escape(text)}</text>'
        )

    def render(self) -> SafeString:
        return mark_safe("".join([*self.parts, "</svg>"]))


def daily_bars(
    *,
    title: str,
    days: list[date],
    series_list: list[Series],
    value: Callable[[date, str], float],
    stacked: bool = True,
    rtl: bool = False,
    label_id: str = "chart",
) -> SafeString:
    """Bars per day: one stack (or one group) of `series_list` per day."""
    if stacked:
        peak = max((sum(value(d, s.key) for s in series_list) for d in days), default=0)
    else:
        peak = max((value(d, s.key) for d in days for s in series_list), default=0)
    canvas = _Canvas(title=title, rtl=rtl, top=nice_ceiling(peak), label_id=label_id)
    slot = canvas.plot_w / max(1, len(days))
    group_w = max(1.0, slot * 0.75)
    label_every = max(1, math.ceil(len(days) / 8))
    for index, day in enumerate(days):
        offset = slot * index + (slot - group_w) / 2
        day_label = formats.date_format(day, "SHORT_DATE_FORMAT", use_l10n=True)
        base = 0.0
        for position, item in enumerate(series_list):
            amount = value(day, item.key)
            if not amount:
                continue
            tip = f"{day_label} · {item.label}: {_number(amount)}"
            if stacked:
                canvas.bar(offset, group_w, base, base + amount, item.color, tip)
                base += amount
            else:
                width = group_w / len(series_list)
                canvas.bar(offset + width * position, width, 0, amount, item.color, tip)
        if index % label_every == 0:
            canvas.axis_label(offset + group_w / 2, formats.date_format(day, "M j", use_l10n=True))
    return canvas.render()


def category_bars(
    *, title: str, categories: list[tuple[str, float]], rtl: bool = False, label_id: str = "chart", color: str = ""
) -> SafeString:
    """One bar per category (stages, pages, modules), in the given order."""
    canvas = _Canvas(title=title, rtl=rtl, top=nice_ceiling(max((v for _l, v in categories), default=0)),
                     label_id=label_id)  # fmt: skip
    slot = canvas.plot_w / max(1, len(categories))
    bar_w = max(1.0, slot * 0.6)
    for index, (label, amount) in enumerate(categories):
        offset = slot * index + (slot - bar_w) / 2
        if amount:
            canvas.bar(offset, bar_w, 0, amount, color or PALETTE[index % len(PALETTE)], f"{label}: {_number(amount)}")
        short = label if len(label) <= 14 else label[:13] + "…"
        canvas.axis_label(offset + bar_w / 2, short)
    return canvas.render()
