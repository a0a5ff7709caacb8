"""Daily rollups: the hourly rollups summed per local day, kept per time zone.

A 90-day dashboard of a busy workspace covers ~2,200 hours × every module's
metrics (56,000 hourly rows in `bench/dashboard.py`); the same range as days
is ~25 times fewer rows. Hourly rows stay the truth (they serve any time
zone); `DailyRollup` rows are a cache of their sums per local calendar day,
kept for the few time zones the workspace's dashboards are read in.

- **Sealing** (in `read`, the dashboard's read, when the seal lags): for a time zone,
  every local day that ended at least `SEAL_LAG` ago gets its `DailyRollup`
  rows, summed from the hourly rows in one INSERT … SELECT; `RollupSeal` records
  the first unsealed day (`sealed_day`) and the instant it starts
  (`sealed_until`). The first read in a zone seals the whole history once;
  later reads seal at most the days that ended since.
- **Reading** (`read`): ONE statement — the daily rows of the sealed
  days plus the hourly rows from `sealed_until` on, summed per local day — so
  it sees one snapshot of both tables and the seal. The figures are by
  construction those of summing every hourly row per local day. The same
  statement reports the seal, so a read whose seal is current is one query.
- **Unsealing** (`invalidate`): whoever rewrites hourly rows before a seal
  (a recompute of an old range, a late counted event) moves the seal back to
  the local day containing the first changed hour and deletes the daily rows
  from there, inside its own transaction. It locks the workspace's seal rows
  first, and a sealer holds its seal row locked while it sums, so a write
  either commits before the sum reads it or unseals what the sum produced.
  Counted events (`rollups.bump`) for the last hour need no check: sealing
  never covers hours younger than `SEAL_LAG`.
- At most `MAX_ZONES` zones per workspace; sealing another evicts the least
  recently read one (its daily rows are deleted).

PostgreSQL only (the dashboard falls back to summing hourly rows elsewhere).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from analytics.models import DailyRollup, MetricRollup, RollupSeal

SEAL_LAG = timedelta(hours=3)  # only days that ended this long ago are sealed
UNSEAL_CHECK_AGE = timedelta(hours=1)  # counted events younger than this cannot touch a sealed day
MAX_ZONES = 4
USED_AT_PRECISION = timedelta(hours=1)  # `used_at` is rewritten at most this often

Totals = list[tuple[date, str, str, str, int]]


def supported(tz) -> bool:
    return connection.vendor == "postgresql" and isinstance(tz, ZoneInfo)


def _start_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)  # as `selectors.usage_range` cuts days


def read(*, workspace_id: int, tz: ZoneInfo, date_from: date, date_to: date, start: datetime, end: datetime,
         now: datetime | None = None) -> Totals:  # fmt: skip
    """(day, module, metric, dimension, total) for the local days
    [date_from, date_to] (hours [start, end)): sealed days from the daily
    rows, the rest summed from hourly rows — one statement, one snapshot,
    which also reports the seal. When the seal lags (the first read in this
    zone, or a day ended since), seal the days that ended at least SEAL_LAG
    ago and read again."""
    now = now or timezone.now()
    target = (now - SEAL_LAG).astimezone(tz).date()
    args = {"workspace_id": workspace_id, "tz": tz, "date_from": date_from, "date_to": date_to, "start": start,
            "end": end}  # fmt: skip
    sealed_day, used_at, rows = _read(**args)
    if sealed_day is not None and sealed_day >= target:
        if now - used_at > USED_AT_PRECISION:
            RollupSeal.objects.filter(workspace_id=workspace_id, tz=tz.key).update(used_at=now)
        return rows
    if sealed_day is None:
        _create_seal(workspace_id=workspace_id, tz=tz, now=now)
    _seal(workspace_id=workspace_id, tz=tz, target=target, now=now)
    return _read(**args)[2]


def _create_seal(*, workspace_id: int, tz: ZoneInfo, now: datetime) -> None:
    """The seal row, committed before any sum is taken (a concurrent writer
    must find it to unseal; see the module docstring). Evicts the least
    recently read zone beyond MAX_ZONES."""
    with transaction.atomic():
        # Locked in primary-key order, like `invalidate` (no deadlock between them), evicted by last use.
        seals = list(RollupSeal.objects.select_for_update().filter(workspace_id=workspace_id).order_by("pk"))
        if any(seal.tz == tz.key for seal in seals):
            return
        seals.sort(key=lambda seal: seal.used_at)
        for seal in seals[: max(0, len(seals) - MAX_ZONES + 1)]:
            DailyRollup.unscoped.filter(workspace_id=workspace_id, tz=seal.tz).delete()
            seal.delete()
        RollupSeal.objects.create(workspace_id=workspace_id, tz=tz.key, used_at=now)


def _seal(*, workspace_id: int, tz: ZoneInfo, target: date, now: datetime) -> None:
    with transaction.atomic():
        seal = RollupSeal.objects.select_for_update().filter(workspace_id=workspace_id, tz=tz.key).first()
        if seal is None or (seal.sealed_day is not None and seal.sealed_day >= target):
            return  # evicted meanwhile, or sealed by a concurrent read
        until = _start_of(target, tz)
        since = seal.sealed_until
        hourly, daily = MetricRollup._meta.db_table, DailyRollup._meta.db_table
        lower, params = ("AND hour >= %s ", [since]) if since is not None else ("", [])
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {daily} (workspace_id, tz, day, module, metric, dimension, value) "  # noqa: S608
                "SELECT workspace_id, %s, (hour AT TIME ZONE %s)::date, module, metric, dimension, SUM(value) "
                f"FROM {hourly} WHERE workspace_id = %s {lower}AND hour < %s "
                "GROUP BY 1, 2, 3, 4, 5, 6 "
                "ON CONFLICT (workspace_id, tz, day, module, metric, dimension) "
                f"DO UPDATE SET value = {daily}.value + EXCLUDED.value",
                [tz.key, tz.key, workspace_id, *params, until],
            )
        seal.sealed_day, seal.sealed_until, seal.used_at = target, until, now
        seal.save(update_fields=["sealed_day", "sealed_until", "used_at"])


def _read(*, workspace_id: int, tz: ZoneInfo, date_from: date, date_to: date, start: datetime,
          end: datetime) -> tuple[date | None, datetime | None, Totals]:  # fmt: skip
    hourly, daily, seals = MetricRollup._meta.db_table, DailyRollup._meta.db_table, RollupSeal._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
WITH seal AS (
    SELECT MAX(sealed_day) AS day, MAX(sealed_until) AS until, MAX(used_at) AS used
    FROM {seals} WHERE workspace_id = %(ws)s AND tz = %(tz)s
)
SELECT 0 AS part, seal.day, NULL, NULL, NULL, NULL, seal.used FROM seal
UNION ALL
SELECT 1, d.day, d.module, d.metric, d.dimension, d.value, NULL
FROM {daily} d, seal
WHERE d.workspace_id = %(ws)s AND d.tz = %(tz)s AND d.day >= %(from)s AND d.day <= %(to)s
  AND d.day < COALESCE(seal.day, '-infinity'::date)
UNION ALL
SELECT 1, (h.hour AT TIME ZONE %(tz)s)::date, h.module, h.metric, h.dimension, SUM(h.value)::bigint, NULL
FROM {hourly} h, seal
WHERE h.workspace_id = %(ws)s AND h.hour >= GREATEST(%(start)s, COALESCE(seal.until, '-infinity'::timestamptz))
  AND h.hour < %(end)s
GROUP BY 1, 2, 3, 4, 5
""",  # noqa: S608 - table names from model metadata, values bound
            {"ws": workspace_id, "tz": tz.key, "from": date_from, "to": date_to, "start": start, "end": end},
        )
        result = cursor.fetchall()
    sealed_day = used_at = None
    rows = []
    for part, day, module, metric, dimension, value, used in result:
        if part == 0:
            sealed_day, used_at = day, used
        else:
            rows.append((day, module, metric, dimension, value))
    return sealed_day, used_at, rows


def invalidate(*, workspace_ids: list[int], since: datetime) -> int:
    """Hourly rows from `since` on changed (or will, in this transaction):
    move every later seal of these workspaces back to the local day holding
    `since` and delete the daily rows from that day on. Returns the seals moved."""
    if connection.vendor != "postgresql" or not workspace_ids:
        return 0
    moved = 0
    with transaction.atomic():
        # Lock them all (not only the later ones): a seal being extended right
        # now is waited for, then judged by what it committed.
        for seal in RollupSeal.objects.select_for_update().filter(workspace_id__in=workspace_ids).order_by("pk"):
            if seal.sealed_until is None or seal.sealed_until <= since:
                continue
            tz = ZoneInfo(seal.tz)
            day = since.astimezone(tz).date()
            DailyRollup.unscoped.filter(workspace_id=seal.workspace_id, tz=seal.tz, day__gte=day).delete()
            seal.sealed_day, seal.sealed_until = day, _start_of(day, tz)
            seal.save(update_fields=["sealed_day", "sealed_until"])
            moved += 1
    return moved


def needs_check(hour: datetime, now: datetime | None = None) -> bool:
    """Whether a counted event in `hour` may fall in a sealed day."""
    return hour < (now or timezone.now()) - UNSEAL_CHECK_AGE
