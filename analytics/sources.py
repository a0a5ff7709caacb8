"""Where the rollup numbers come from: one `RecomputeSource` per table that
keeps a timestamp for what it counts.

Metric names (module · metric [dimension] — meaning):
- <any charged module> · `credits` / `actions` / `refunded` — from usage
  events the charge door wrote: credits kept, charged actions completed,
  attempts refunded (the module is billing's module key).
- `content` · `outputs` — AI content generations; `generate_income` · `outputs`
  — idea batches; `magic_pages` · `outputs` — landing pages created.
- `magic_pages` · `conversions` [page id] — form submissions;
  `magic_pages` · `views` [page id] — counted (`bump`) when a page is served.
- `crm` · `new_contacts` — contacts created (any source); `crm` · `imports`
  — imports finished (by their finish time).
- `whatsapp` · `broadcasts` — broadcasts created; `whatsapp` · `sent` /
  `delivered` / `read` / `failed` — messages that *reached* that status in the
  hour (counted at the transition; rebuildable from the message timestamps);
  `whatsapp` · `received` — inbound messages (counted).
- Modules to come contribute theirs the same way (see `register_source`):
  `campaigns` · `spend_cents` / `impressions` / `clicks` / `conversions` /
  `conversion_value_cents`; `commerce` · `orders` / `revenue_cents` /
  `cost_cents`. The dashboard's panels already read these names and say
  "not used" while they have no rows.

A source returns `(workspace_id, hour, module, metric, dimension, value)`
rows for a set of workspaces and an hour range, using an index that leads with
the workspace. It must own its (module, metric) pairs exclusively: a refresh
deletes them in the range before writing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncHour

Row = tuple[int, datetime, str, str, str, int]


@dataclass(frozen=True)
class RecomputeSource:
    key: str
    metrics: tuple[str, ...]
    modules: tuple[str, ...] | None  # None: any module (the usage source)
    compute: Callable[[list[int], datetime, datetime], Iterable[Row]]
    # PostgreSQL fast path for big sources: one INSERT … SELECT taking
    # (workspace ids, start, end) and writing the same rows as `compute`.
    insert_sql: Callable[[], str] | None = None


SOURCES: list[RecomputeSource] = []
REBUILD_SOURCES: list[RecomputeSource] = []  # counted metrics that can also be recounted (manual re-runs only)


def register_source(source: RecomputeSource, *, rebuild_only: bool = False) -> RecomputeSource:
    target = REBUILD_SOURCES if rebuild_only else SOURCES
    target[:] = [s for s in target if s.key != source.key] + [source]
    return source


def _hourly(queryset, time_field: str, workspace_ids, start, end, *extra: str, **aggregates):
    return (
        queryset.filter(workspace_id__in=workspace_ids, **{f"{time_field}__gte": start, f"{time_field}__lt": end})
        .order_by()
        .annotate(hour=TruncHour(time_field, tzinfo=UTC))
        .values("workspace_id", "hour", *extra)
        .annotate(**aggregates)
    )


def _count_rows(queryset, time_field, module, metric, workspace_ids, start, end, dimension: str = "") -> Iterable[Row]:
    extra = (dimension,) if dimension else ()
    for row in _hourly(queryset, time_field, workspace_ids, start, end, *extra, n=Count("pk")):
        yield row["workspace_id"], row["hour"], module, metric, str(row[dimension]) if dimension else "", row["n"]


# --- usage (every charged module) ------------------------------------------------------------


def _usage(workspace_ids, start, end) -> Iterable[Row]:
    from analytics.models import UsageEvent

    rows = _hourly(
        UsageEvent.unscoped.filter(source="server"), "created_at", workspace_ids, start, end, "module",
        credits=Sum("credits", filter=Q(success=True)),
        actions=Count("pk", filter=Q(success=True)),
        refunded=Count("pk", filter=Q(success=False)),
    )  # fmt: skip
    for row in rows:
        for metric in ("credits", "actions", "refunded"):
            yield row["workspace_id"], row["hour"], row["module"], metric, "", row[metric] or 0


def _usage_insert_sql() -> str:
    from analytics.models import MetricRollup, UsageEvent

    # The connection's time zone is UTC (USE_TZ), so date_trunc cuts UTC hours.
    return f"""
INSERT INTO {MetricRollup._meta.db_table} (workspace_id, hour, module, metric, dimension, value)
SELECT g.workspace_id, g.hour, g.module, m.metric, '', m.value
FROM (
    SELECT workspace_id, date_trunc('hour', created_at) AS hour, module,
           COALESCE(SUM(credits) FILTER (WHERE success), 0) AS credits,
           COUNT(*) FILTER (WHERE success) AS actions,
           COUNT(*) FILTER (WHERE NOT success) AS refunded
    FROM {UsageEvent._meta.db_table}
    WHERE workspace_id = ANY(%s) AND created_at >= %s AND created_at < %s AND source = 'server'
    GROUP BY 1, 2, 3
) AS g
CROSS JOIN LATERAL (VALUES ('credits', g.credits), ('actions', g.actions), ('refunded', g.refunded)) AS m(metric, value)
WHERE m.value > 0
"""  # noqa: S608 - table names from model metadata, values bound


register_source(
    RecomputeSource("usage", ("credits", "actions", "refunded"), None, _usage, insert_sql=_usage_insert_sql)
)


# --- content, landing pages ------------------------------------------------------------------------


def _content(workspace_ids, start, end) -> Iterable[Row]:
    content = apps.get_app_config("content")
    yield from _count_rows(content.get_model("Generation").unscoped, "created_at", "content", "outputs",
                           workspace_ids, start, end)  # fmt: skip
    yield from _count_rows(content.get_model("IdeaBatch").unscoped, "created_at", "generate_income", "outputs",
                           workspace_ids, start, end)  # fmt: skip
    yield from _count_rows(content.get_model("LandingPage").unscoped, "created_at", "magic_pages", "outputs",
                           workspace_ids, start, end)  # fmt: skip
    yield from _count_rows(content.get_model("LandingPageSubmission").unscoped, "created_at", "magic_pages",
                           "conversions", workspace_ids, start, end, dimension="page_id")  # fmt: skip


if apps.is_installed("content"):
    register_source(
        RecomputeSource("content", ("outputs", "conversions"), ("content", "generate_income", "magic_pages"), _content)
    )


# --- CRM ------------------------------------------------------------------------------------------------


def _crm(workspace_ids, start, end) -> Iterable[Row]:
    crm = apps.get_app_config("crm")
    yield from _count_rows(crm.get_model("Contact").unscoped, "created_at", "crm", "new_contacts",
                           workspace_ids, start, end)  # fmt: skip
    yield from _count_rows(crm.get_model("ContactImport").unscoped.filter(status="done"), "finished_at", "crm",
                           "imports", workspace_ids, start, end)  # fmt: skip


if apps.is_installed("crm"):
    register_source(RecomputeSource("crm", ("new_contacts", "imports"), ("crm",), _crm))


# --- WhatsApp -------------------------------------------------------------------------------------------

WHATSAPP_STATUS_METRICS = ("sent", "delivered", "read", "failed")


def _whatsapp_broadcasts(workspace_ids, start, end) -> Iterable[Row]:
    broadcast = apps.get_model("whatsapp", "Broadcast")
    yield from _count_rows(broadcast.unscoped, "created_at", "whatsapp", "broadcasts", workspace_ids, start, end)


def _whatsapp_statuses(workspace_ids, start, end) -> Iterable[Row]:
    """Recount "reached status X in hour H" from the message timestamps (a
    manual rebuild: it scans the workspaces' messages)."""
    message = apps.get_model("whatsapp", "Message").unscoped.filter(direction="outbound")
    for metric in WHATSAPP_STATUS_METRICS:
        reached = (
            message.filter(status="failed") if metric == "failed" else message
        )  # cancelled ones have failed_at too
        yield from _count_rows(reached, f"{metric}_at", "whatsapp", metric, workspace_ids, start, end)
    inbound = apps.get_model("whatsapp", "Message").unscoped.filter(direction="inbound")
    yield from _count_rows(inbound, "created_at", "whatsapp", "received", workspace_ids, start, end)


if apps.is_installed("whatsapp"):
    register_source(RecomputeSource("whatsapp", ("broadcasts",), ("whatsapp",), _whatsapp_broadcasts))
    register_source(
        RecomputeSource("whatsapp_statuses", (*WHATSAPP_STATUS_METRICS, "received"), ("whatsapp",),
                        _whatsapp_statuses),
        rebuild_only=True,
    )  # fmt: skip
