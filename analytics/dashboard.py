"""The workspace dashboard: panels over rollups, as data, CSV and (pages) SVG."""

from __future__ import annotations

import csv
import io
from datetime import date, tzinfo

from django.utils import timezone

from analytics import selectors
from analytics.panels import PanelData, ordered_panels

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def workspace_timezone(workspace) -> tzinfo:
    """The workspace's time zone when it has one (workspace settings), else
    the signed-in user's (activated by the middleware)."""
    name = getattr(workspace, "time_zone", "") or getattr(workspace, "timezone", "")
    if name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_current_timezone()


def dashboard(
    *, workspace, date_from: date | None = None, date_to: date | None = None, tz: tzinfo | None = None,
    rtl: bool = False, only: str | None = None, refresh: bool = True,
) -> tuple[selectors.UsageRange, list[PanelData]]:  # fmt: skip
    """Every registered panel (or `only` one) for the period, days cut in `tz`."""
    period = selectors.usage_range(date_from=date_from, date_to=date_to, tz=tz or workspace_timezone(workspace))
    data = selectors.dashboard_data(workspace=workspace, period=period, rtl=rtl, refresh=refresh)
    panels = [panel.build(data) for panel in ordered_panels() if only is None or panel.key == only]
    return period, panels


def dashboard_body(period: selectors.UsageRange, panels: list[PanelData]) -> dict:
    """The API's JSON body (`GET /api/v1/analytics/dashboard`): the panels' tables, no charts."""
    return {
        "date_from": period.date_from,
        "date_to": period.date_to,
        "tz": str(period.tz),
        "panels": [
            {"key": p.key, "title": p.title, "used": p.used, "message": p.unused_message,
             "summary": [{"label": label, "value": value} for label, value in p.summary],
             "columns": [{"key": key, "label": label} for key, label in p.columns], "rows": p.rows,
             "table": ({"columns": [{"key": k, "label": label} for k, label in p.extra_table[0]],
                        "rows": p.extra_table[1]} if p.extra_table else None)}
            for p in panels
        ],
    }  # fmt: skip


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def panels_csv(panels: list[PanelData]) -> str:
    """One panel: its table (date + one column per series). Several: long
    form, one line per panel × date × series."""
    out = io.StringIO()
    writer = csv.writer(out)
    if len(panels) == 1:
        panel = panels[0]
        writer.writerow([_cell(label) for _key, label in panel.columns])
        for row in panel.rows:
            writer.writerow([_cell(row.get(key)) for key, _label in panel.columns])
        if panel.extra_table:
            columns, rows = panel.extra_table
            writer.writerow([])
            writer.writerow([_cell(label) for _key, label in columns])
            for row in rows:
                writer.writerow([_cell(row.get(key)) for key, _label in columns])
        return out.getvalue()
    writer.writerow(["panel", "date", "series", "value"])
    for panel in panels:
        for row in panel.rows:
            for key, _label in panel.columns[1:]:
                writer.writerow([panel.key, row["date"], key, _cell(row.get(key))])
    return out.getvalue()
