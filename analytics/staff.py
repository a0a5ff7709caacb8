"""Staff analytics beyond revenue: module usage across workspaces and user
analytics. Definitions (docs/architecture.md):

- **Module usage (month M)**: per module, credits kept and actions completed
  (from the hourly rollups), and **active workspaces** = workspaces with at
  least one completed action of that module in M.
- **DAU / WAU / MAU** (as of now): distinct users with at least one usage
  event (charged by the server, or reported by a client) in the last 1 / 7 /
  30 days.
- **Sign-ups (M)**: users who joined in M. **Free → paid conversion** of the
  cohort of M: the share of those users owning a workspace that has (or had)
  a Stripe subscription.
- **Retention cohorts**: of the users who joined in month C, the share with at
  least one usage event in month C + k (k = 0…11).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from analytics.models import MetricRollup, UsageEvent
from analytics.revenue import month_starts


def _aware(first: date) -> datetime:
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def module_usage(*, months: int = 12, now: datetime | None = None) -> list[dict]:
    """[{month, module, credits, actions, active_workspaces}] oldest first."""
    now = now or timezone.now()
    since = _aware(month_starts(months=months, now=now)[0])
    rows = (
        MetricRollup.unscoped.filter(hour__gte=since, metric__in=("credits", "actions"))
        .annotate(month=TruncMonth("hour", tzinfo=UTC))
        .values("month", "module")
        .annotate(
            credits=Sum("value", filter=Q(metric="credits")),
            actions=Sum("value", filter=Q(metric="actions")),
            active_workspaces=Count("workspace_id", filter=Q(metric="actions", value__gt=0), distinct=True),
        )
        .order_by("month", "module")
    )
    return [
        {"month": row["month"].date() if isinstance(row["month"], datetime) else row["month"], "module": row["module"],
         "credits": row["credits"] or 0, "actions": row["actions"] or 0, "active_workspaces": row["active_workspaces"]}
        for row in rows
    ]  # fmt: skip


def active_users(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    result = {}
    for label, days in (("dau", 1), ("wau", 7), ("mau", 30)):
        result[label] = (
            UsageEvent.unscoped.filter(created_at__gte=now - timedelta(days=days), user_id__isnull=False)
            .order_by()
            .values("user_id")
            .distinct()
            .count()
        )
    return result


def user_cohorts(*, months: int = 12, now: datetime | None = None) -> list[dict]:
    """[{month, signups, converted, conversion, retention: [share for k = 0…]}] oldest first."""
    from accounts.models import User
    from billing.models import BillingAccount

    now = now or timezone.now()
    starts = month_starts(months=months, now=now)
    since = _aware(starts[0])
    cohort_of: dict[int, date] = {}
    for user_id, joined in User.objects.filter(date_joined__gte=since).values_list("pk", "date_joined"):
        cohort_of[user_id] = date(joined.year, joined.month, 1)
    paid_owners = set(
        BillingAccount.unscoped.exclude(stripe_subscription_id="")
        .filter(workspace__owner_id__in=list(cohort_of))
        .values_list("workspace__owner_id", flat=True)
    )
    active = (
        UsageEvent.unscoped.filter(created_at__gte=since, user_id__in=list(cohort_of))
        .annotate(month=TruncMonth("created_at", tzinfo=UTC))
        .values_list("user_id", "month")
        .distinct()
        .order_by()
    )
    active_months: dict[int, set[date]] = defaultdict(set)
    for user_id, month in active:
        month = month.date() if isinstance(month, datetime) else month
        active_months[user_id].add(date(month.year, month.month, 1))
    report = []
    for index, start in enumerate(starts):
        members = [u for u, c in cohort_of.items() if c == start]
        converted = sum(1 for u in members if u in paid_owners)
        retention = []
        for later in starts[index:]:
            share = sum(1 for u in members if later in active_months.get(u, ())) / len(members) if members else None
            retention.append(share)
        conversion = converted / len(members) if members else None
        report.append({"month": start, "signups": len(members), "converted": converted, "conversion": conversion,
                       "retention": retention})  # fmt: skip
    return report
