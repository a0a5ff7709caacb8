"""Hourly rollups: workspace × UTC hour × module × metric (× dimension).

Dashboards read `MetricRollup` rows only; a day in any time zone with a
whole-hour offset is an exact sum of hours (zones offset by 30 or 45 minutes
— India, Nepal, parts of Australia — have their days cut at the full hour
before local midnight; see docs/architecture.md).

Two ways a number gets there:

1. **Recomputed** metrics (`RecomputeSource` in `analytics.sources`): a
   GROUP BY over the module's own rows for a set of workspaces and an hour
   range, replacing the rollup rows that source owns in that range, in one
   transaction. Idempotent by construction and re-runnable for any range
   (`manage.py analytics_rollup --from … --to …`).
2. **Counted** metrics (`bump()`): events that leave no row with a timestamp
   to recount (a page view increments a counter; a WhatsApp message status
   reached is a transition) add to their hour with an UPSERT *inside the
   writer's transaction*, so a rolled-back write counts nothing and a
   committed one counts once. A re-run never touches them (except WhatsApp,
   whose statuses keep their timestamps: its source can rebuild them).

Freshness: each workspace has a `RollupCursor.refreshed_until`. `refresh()`
recomputes from a little before the cursor (late commits) to now. The beat
task `analytics_rollups_tick` (every minute) refreshes the workspaces active
since its last run (usage events found through a BRIN index, plus those
`touch()`ed by writers); `dashboard()` refreshes its own workspace first when
its cursor is older than `FRESH_SECONDS` (15 s), so the numbers shown are exact even
without a beat (`make run`) and the raw scan is bounded to the last minutes.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from analytics import daily
from analytics.models import MetricRollup, RollupCursor, UsageEvent
from analytics.sources import SOURCES, RecomputeSource
from nexusone import live

logger = logging.getLogger(__name__)

FRESH_SECONDS = 15  # a dashboard older than this refreshes its workspace first
LATE_COMMIT_MARGIN = timedelta(minutes=5)  # rows may commit a little after their timestamp
MAX_TICK_WINDOW = timedelta(hours=48)
TICK_STATE_KEY = "analytics:rollups:tick"
DIRTY_KEY = "analytics:rollups:dirty"
BUMP_BATCH = 500  # (hour, metric) rows per UPSERT statement of bump_many


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


# --- recomputing ---------------------------------------------------------------------------


def _owned(source: RecomputeSource) -> Q:
    owned = Q(metric__in=source.metrics)
    if source.modules is not None:
        owned &= Q(module__in=source.modules)
    return owned


def recompute(
    *, workspace_ids: list[int], start: datetime, end: datetime, sources: list[RecomputeSource] | None = None
) -> int:
    """Replace the recomputed rollups of `workspace_ids` for the hours in
    [floor_hour(start), end). Returns the rows written. Idempotent."""
    if not workspace_ids:
        return 0
    start = floor_hour(start)
    written = 0
    for source in sources or SOURCES:
        if source.insert_sql is not None and connection.vendor == "postgresql":
            with transaction.atomic(), connection.cursor() as cursor:
                _owned_rows(source, workspace_ids, start, end).delete()
                cursor.execute(source.insert_sql(), [list(workspace_ids), start, end])
                written += cursor.rowcount
                daily.invalidate(workspace_ids=workspace_ids, since=start)
            continue
        rows = [
            MetricRollup(workspace_id=ws, hour=hour, module=module, metric=metric, dimension=dimension, value=value)
            for ws, hour, module, metric, dimension, value in source.compute(workspace_ids, start, end)
            if value
        ]
        with transaction.atomic():
            _owned_rows(source, workspace_ids, start, end).delete()
            MetricRollup.unscoped.bulk_create(rows, batch_size=2000)
            daily.invalidate(workspace_ids=workspace_ids, since=start)
        written += len(rows)
    return written


def _owned_rows(source: RecomputeSource, workspace_ids: list[int], start: datetime, end: datetime):
    return MetricRollup.unscoped.filter(_owned(source), workspace_id__in=workspace_ids, hour__gte=start, hour__lt=end)


def refresh(*, workspace_ids: list[int], now: datetime | None = None, backfill_from: datetime | None = None) -> int:
    """Bring the workspaces' recomputed rollups up to `now` from their
    cursors (a workspace without one is rebuilt from `backfill_from`, default
    its creation). Serialised per workspace by locking its cursor row."""
    now = now or timezone.now()
    written = 0
    for workspace_id in sorted(set(workspace_ids)):
        with transaction.atomic():
            RollupCursor.objects.get_or_create(workspace_id=workspace_id)
            cursor = RollupCursor.objects.select_for_update().get(workspace_id=workspace_id)
            if cursor.refreshed_until is not None:
                start = cursor.refreshed_until - LATE_COMMIT_MARGIN
            else:  # first refresh: from the workspace's creation (or earlier, for backdated rows)
                start = min(filter(None, [backfill_from, _workspace_start(workspace_id)]))
            written += recompute(workspace_ids=[workspace_id], start=start, end=floor_hour(now) + timedelta(hours=1))
            cursor.refreshed_until = now
            cursor.save(update_fields=["refreshed_until", "updated_at"])
    return written


def _workspace_start(workspace_id: int) -> datetime:
    from accounts.models import Workspace

    created = Workspace.objects.filter(pk=workspace_id).values_list("created_at", flat=True).first()
    return created or timezone.now()


def ensure_fresh(*, workspace_id: int, now: datetime | None = None, backfill_from: datetime | None = None) -> None:
    """Refresh one workspace when its cursor is older than FRESH_SECONDS."""
    now = now or timezone.now()
    until = RollupCursor.objects.filter(workspace_id=workspace_id).values_list("refreshed_until", flat=True).first()
    if until is None or (now - until).total_seconds() > FRESH_SECONDS:
        refresh(workspace_ids=[workspace_id], now=now, backfill_from=backfill_from)


def rebuild(*, start: datetime, end: datetime, workspace_ids: list[int] | None = None, counted: bool = True) -> int:
    """Recompute every recomputable metric — and, with `counted`, the counted
    ones that can be recounted from rows (WhatsApp statuses) — for a range
    (every workspace when `workspace_ids` is None)."""
    from analytics.sources import REBUILD_SOURCES

    if workspace_ids is None:
        from accounts.models import Workspace

        workspace_ids = list(Workspace.objects.values_list("pk", flat=True))
    written = 0
    for offset in range(0, len(workspace_ids), 200):
        batch = workspace_ids[offset : offset + 200]
        sources = [*SOURCES, *REBUILD_SOURCES] if counted else SOURCES
        written += recompute(workspace_ids=batch, start=start, end=end, sources=sources)
    return written


# --- the beat tick ----------------------------------------------------------------------------


def active_workspaces(*, since: datetime) -> set[int]:
    """Workspaces with usage events since `since` (BRIN-indexed scan of the
    recent blocks) plus those `touch()`ed by writers."""
    active = set(
        UsageEvent.unscoped.filter(created_at__gte=since).order_by().values_list("workspace_id", flat=True).distinct()
    )
    return active | _pop_dirty()


def tick(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    last = cache.get(TICK_STATE_KEY)
    since = max(last, now - MAX_TICK_WINDOW) if last else now - timedelta(minutes=10)
    workspaces = active_workspaces(since=since - LATE_COMMIT_MARGIN)
    written = refresh(workspace_ids=sorted(workspaces), now=now)
    cache.set(TICK_STATE_KEY, now, None)
    return {"workspaces": len(workspaces), "rows": written}


# --- counted metrics and touches ----------------------------------------------------------------


def bump(*, workspace_id: int, module: str, metric: str, value: int = 1, at: datetime | None = None,
         dimension: str = "") -> None:  # fmt: skip
    """Add `value` to one counted metric's hour. Call it inside the
    transaction of the write it counts (see the module docstring)."""
    bump_many(workspace_id=workspace_id, module=module, rows=[(metric, value, at)], dimension=dimension)


def bump_many(*, workspace_id: int, module: str, rows: Iterable[tuple[str, int, datetime | None]],
              dimension: str = "") -> None:  # fmt: skip
    """`bump` for many events of one workspace and module — `rows` of (metric,
    value, at) — summed per hour and metric and written in one UPSERT (a page
    of a sync: one statement, not one per event and metric). The end state is
    that of one `bump` per row. Call it inside the transaction of the write."""
    totals: dict[tuple[datetime, str], int] = defaultdict(int)
    now = timezone.now()
    for metric, value, at in rows:
        if value:
            totals[(floor_hour(at or now), metric)] += value
    if not totals:
        return
    table, dimension = MetricRollup._meta.db_table, str(dimension)[:64]
    adapt, items = connection.ops.adapt_datetimefield_value, sorted(totals.items())
    with connection.cursor() as cursor:
        for offset in range(0, len(items), BUMP_BATCH):
            batch = items[offset : offset + BUMP_BATCH]
            params: list = []
            for (hour, metric), value in batch:
                params += [workspace_id, adapt(hour), module, metric, dimension, value]
            cursor.execute(
                f"INSERT INTO {table} (workspace_id, hour, module, metric, dimension, value) VALUES "  # noqa: S608
                + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
                + " ON CONFLICT (workspace_id, hour, module, metric, dimension) "
                f"DO UPDATE SET value = {table}.value + EXCLUDED.value",
                params,
            )
    late = [hour for hour, _metric in totals if daily.needs_check(hour)]
    if late:  # late events: their days may already be summed in the daily rollups (the earliest covers the rest)
        daily.invalidate(workspace_ids=[workspace_id], since=min(late))


def bump_with_counter(*, model, pk: int, counter: str, module: str, metric: str, dimension: str = "",
                      at: datetime | None = None) -> bool:  # fmt: skip
    """Add 1 to `model.<counter>` of row `pk` and to its hour's counted metric
    — one statement on PostgreSQL (a data-modifying CTE: both or neither),
    a transaction elsewhere. The row's workspace is read by the statement
    itself. False when the row does not exist."""
    hour = floor_hour(at or timezone.now())
    if connection.vendor != "postgresql":
        with transaction.atomic():
            workspace_id = model._base_manager.filter(pk=pk).values_list("workspace_id", flat=True).first()
            if workspace_id is None or not model._base_manager.filter(pk=pk).update(**{counter: F(counter) + 1}):
                return False
            bump(workspace_id=workspace_id, module=module, metric=metric, dimension=dimension, at=hour)
            return True
    table, rollup = model._meta.db_table, MetricRollup._meta.db_table
    column = model._meta.get_field(counter).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH row AS (UPDATE {table} SET {column} = {column} + 1 WHERE id = %s RETURNING workspace_id) "  # noqa: S608
            f"INSERT INTO {rollup} (workspace_id, hour, module, metric, dimension, value) "
            "SELECT workspace_id, %s, %s, %s, %s, 1 FROM row "
            "ON CONFLICT (workspace_id, hour, module, metric, dimension) "
            f"DO UPDATE SET value = {rollup}.value + EXCLUDED.value",
            [pk, hour, module, metric, str(dimension)[:64]],
        )
        counted = cursor.rowcount > 0
    if counted and daily.needs_check(hour):
        workspace_id = model._base_manager.filter(pk=pk).values_list("workspace_id", flat=True).first()
        daily.invalidate(workspace_ids=[workspace_id], since=hour)
    return counted


_local_dirty: set[int] = set()
_local_lock = threading.Lock()


def touch(workspace_id: int) -> None:
    """Ask the next tick to refresh this workspace (a writer whose rows the
    tick would not otherwise notice: free contacts, submissions…). Cheap and
    best-effort: dashboards refresh themselves anyway."""
    if live._redis_url():
        try:
            live._redis_client().sadd(DIRTY_KEY + _suffix(), int(workspace_id))
            return
        except Exception:
            logger.warning("analytics: could not mark workspace %s dirty", workspace_id, exc_info=True)
    with _local_lock:
        _local_dirty.add(int(workspace_id))


def _suffix() -> str:
    return ":" + getattr(settings, "LIVE_CHANNEL_PREFIX", "")


def _pop_dirty() -> set[int]:
    if live._redis_url():
        try:
            members = live._redis_client().spop(DIRTY_KEY + _suffix(), 10_000) or []
            return {int(m) for m in members}
        except Exception:
            logger.warning("analytics: could not read the dirty workspaces", exc_info=True)
            return set()
    with _local_lock:
        dirty = set(_local_dirty)
        _local_dirty.clear()
    return dirty


_WHATSAPP_FORWARD = ("queued", "sending", "sent", "delivered", "read")


def count_whatsapp_transition(*, old: str, new: str, count: int = 1, at: datetime | None = None) -> None:
    """Count `count` messages of the active workspace moving old → new as
    the statuses they *reach* (a jump sending → read reaches sent, delivered
    and read). Called inside the transaction that moved them."""
    from nexusone.tenancy import get_active_workspace

    workspace = get_active_workspace()
    if workspace is None or count <= 0:
        return
    if new == "failed":
        reached = ["failed"]
    elif new in _WHATSAPP_FORWARD and old in _WHATSAPP_FORWARD:
        low, high = _WHATSAPP_FORWARD.index(old), _WHATSAPP_FORWARD.index(new)
        reached = [s for s in _WHATSAPP_FORWARD[low + 1 : high + 1] if s in ("sent", "delivered", "read")]
    else:
        return
    for metric in reached:
        bump(workspace_id=workspace.pk, module="whatsapp", metric=metric, value=count, at=at)
