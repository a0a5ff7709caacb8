"""Usage reads for the dashboards and the usage API.

Days are the active time zone's calendar days (the user's, set by the
middleware), so "today" in Tel Aviv is not cut at UTC midnight. Credits count
successful (charged and kept) events only; refunded attempts show as failed.
The queries use the (workspace, created_at) index.
"""

from __future__ import annotations

import time as time_module
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from analytics.models import UsageEvent

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


@dataclass(frozen=True)
class UsageRange:
    date_from: date
    date_to: date
    start: datetime  # inclusive
    end: datetime  # exclusive
    tz: tzinfo

    @property
    def days(self) -> list[date]:
        return [self.date_from + timedelta(days=n) for n in range((self.date_to - self.date_from).days + 1)]


def usage_range(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    days: int = DEFAULT_RANGE_DAYS,
    tz: tzinfo | None = None,
) -> UsageRange:
    """The inclusive date range in `tz` (default: the active time zone),
    defaulting to the last `days` days up to today."""
    tz = tz or timezone.get_current_timezone()
    today = timezone.localdate(timezone=tz)
    date_to = date_to or today
    date_from = date_from or date_to - timedelta(days=days - 1)
    # One open bound beyond the other or too far away is clamped, not an error.
    date_from = min(date_from, date_to)
    date_from = max(date_from, date_to - timedelta(days=MAX_RANGE_DAYS - 1))
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return UsageRange(date_from=date_from, date_to=date_to, start=start, end=end, tz=tz)


def usage_events(*, workspace, period: UsageRange, module: str | None = None) -> QuerySet[UsageEvent]:
    """The workspace's events in the range, newest first (needs the workspace scope)."""
    events = UsageEvent.objects.filter(
        workspace_id=workspace.pk, created_at__gte=period.start, created_at__lt=period.end
    )
    if module:
        events = events.filter(module=module)
    return events.order_by("-created_at", "-id")


def usage_daily(*, workspace, period: UsageRange, module: str | None = None) -> list[dict]:
    """[{date, module, credits, events, failed}] per day and module, oldest
    first — charged actions only (client-reported events are listed, not counted)."""
    rows = (
        usage_events(workspace=workspace, period=period, module=module)
        .filter(source="server")
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=period.tz))
        .values("day", "module")
        .annotate(
            credits=Coalesce(Sum("credits", filter=Q(success=True)), 0),
            events=Count("id"),
            failed=Count("id", filter=Q(success=False)),
        )
        .order_by("day", "module")
    )
    return [
        {"date": row["day"], "module": row["module"], "credits": row["credits"], "events": row["events"],
         "failed": row["failed"]}
        for row in rows
    ]  # fmt: skip


def usage_by_module(daily: list[dict]) -> list[dict]:
    """Totals per module from `usage_daily` rows, largest first."""
    totals: dict[str, dict] = {}
    for row in daily:
        total = totals.setdefault(row["module"], {"module": row["module"], "credits": 0, "events": 0, "failed": 0})
        for field in ("credits", "events", "failed"):
            total[field] += row[field]
    return sorted(totals.values(), key=lambda t: (-t["credits"], t["module"]))


# --- the dashboard ---------------------------------------------------------------------------------


def dashboard_data(*, workspace, period: UsageRange, rtl: bool = False, refresh: bool = True):
    """The workspace's rollups for the period summed per local day (and per
    dimension), after bringing its rollups up to date (`analytics.rollups`).
    Reads rollups only: on PostgreSQL the daily rollups of the period's time
    zone for the sealed days plus the hourly ones after them, in one
    statement (`analytics.daily`); elsewhere the hourly rows summed per day."""
    from analytics import daily as daily_rollups
    from analytics import rollups
    from analytics.panels import DashboardData

    if refresh:
        rollups.ensure_fresh(workspace_id=workspace.pk, backfill_from=period.start)
    data = DashboardData(workspace=workspace, period=period, rtl=rtl, module_labels=cached_module_labels())
    if daily_rollups.supported(period.tz):
        rows = daily_rollups.read(workspace_id=workspace.pk, tz=period.tz, date_from=period.date_from,
                                  date_to=period.date_to, start=period.start, end=period.end)  # fmt: skip
    else:
        rows = hourly_totals(workspace=workspace, period=period)
    per_day, per_dimension = data.daily, data.per_dimension
    for day, module, metric, dimension, total in rows:
        key = (day, module, metric)
        per_day[key] = per_day.get(key, 0) + total
        if dimension:
            dim_key = (module, metric, dimension)
            per_dimension[dim_key] = per_dimension.get(dim_key, 0) + total
    return data


_LABELS: dict[str, tuple[float, dict[str, str]]] = {}  # language → (expires, billing's module labels)
LABELS_SECONDS = 60.0


def cached_module_labels() -> dict[str, str]:
    """`billing.selectors.module_labels()` in the active language, kept a
    minute per process (dropped when a module cost is saved; see apps.py):
    the labels change with the catalogue, not between dashboard reads."""
    from django.utils.translation import get_language

    from billing.selectors import module_labels

    language = get_language() or ""
    cached = _LABELS.get(language)
    if cached is None or cached[0] < time_module.monotonic():
        cached = (time_module.monotonic() + LABELS_SECONDS, module_labels())
        _LABELS[language] = cached
    return cached[1]


def forget_module_labels(**_kwargs) -> None:
    _LABELS.clear()


def hourly_totals(*, workspace, period: UsageRange) -> list[tuple[date, str, str, str, int]]:
    """(day, module, metric, dimension, total): every hourly rollup of the
    period summed per local day — what the daily rollups must equal."""
    from analytics.models import MetricRollup

    return list(
        MetricRollup.objects.filter(workspace_id=workspace.pk, hour__gte=period.start, hour__lt=period.end)
        .annotate(day=TruncDate("hour", tzinfo=period.tz))
        .values_list("day", "module", "metric", "dimension")
        .annotate(total=Sum("value"))
        .order_by()
    )


def contacts_by_stage(*, workspace) -> list[tuple[str, str, int]]:
    """(stage, label, count) for every stage — the CRM's current funnel."""
    from crm.models import Contact, Stage

    counts = dict(Contact.objects.order_by().values_list("stage").annotate(n=Count("pk")))
    return [(stage.value, str(stage.label), counts.get(stage.value, 0)) for stage in Stage]


def page_titles(*, workspace, ids) -> dict[str, str]:
    from content.models import LandingPage

    numeric = [int(i) for i in ids if str(i).isdigit()]
    return {str(pk): title for pk, title in LandingPage.objects.filter(pk__in=numeric).values_list("pk", "title")}
