"""Re-run the dashboard rollups for a range: `manage.py analytics_rollup --from 2026-01-01 --to 2026-02-01
[--workspace <slug>]… [--no-counted]`. Idempotent: running it twice writes the same rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from analytics import rollups


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Recompute the hourly rollups for a range of UTC days (every workspace, or the named ones)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, type=_day, help="first UTC day")
        parser.add_argument("--to", dest="end", required=True, type=_day, help="last UTC day (included)")
        parser.add_argument("--workspace", action="append", default=[], help="slug (repeatable)")
        parser.add_argument("--no-counted", action="store_true",
                            help="leave counted metrics (WhatsApp statuses) alone")  # fmt: skip

    def handle(self, *args, start: date, end: date, workspace: list[str], no_counted: bool, **options):
        if end < start:
            raise CommandError("--to is before --from.")
        ids = None
        if workspace:
            ids = list(Workspace.objects.filter(slug__in=workspace).values_list("pk", flat=True))
            if len(ids) != len(set(workspace)):
                raise CommandError("Unknown workspace slug.")
        begin = datetime(start.year, start.month, start.day, tzinfo=UTC)
        finish = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
        written = rollups.rebuild(start=begin, end=finish, workspace_ids=ids, counted=not no_counted)
        self.stdout.write(f"{written} rollup rows written for {start} … {end}.")
