"""Staff revenue analytics from dj-stripe's data (subscriptions, invoices,
charges), per calendar month (UTC) for the last 12 months. The tables are read
with SQL (`billing.stripe_mirror`): the web process that serves the page runs
without dj-stripe's models (issue 19, "Cold start").

Definitions (tested against a hand-built fixture in
`analytics/tests/test_revenue.py`; also in docs/architecture.md):

- A subscription is **paying at instant t** when it started before t, has not
  ended by t (`ended_at`, else `canceled_at` once canceled), is past its trial
  (`trial_end`), and is not `incomplete` / `incomplete_expired`. `past_due`
  still counts: the customer is subscribed until Stripe cancels.
- Its **monthly amount** is Σ over its items of `price.unit_amount × quantity`,
  normalised to a month (`year` ÷ 12, `week` × 52 ÷ 12, `day` × 365 ÷ 12, each
  ÷ `interval_count`). Discounts and taxes are ignored (list-price MRR).
- **MRR(M)** is the sum over paying subscriptions at the end of month M (for
  the current month: now). **ARR = 12 × MRR.**
- Per Stripe customer, comparing the end of M−1 with the end of M: **new**
  (0 → x: +x), **expansion** (x → y > x: +(y−x)), **contraction**
  (x → y, 0 < y < x: (x−y)), **churn** (x → 0: x). **Net new MRR = new +
  expansion − contraction − churn = MRR(M) − MRR(M−1).**
- **Logo churn(M)** = customers churned in M ÷ paying customers at the end of
  M−1. **Revenue churn(M)** = (churn + contraction) ÷ MRR(M−1).
- **Paying workspaces by plan** and **ARPU by plan** = plan MRR ÷ its paying
  customers, at the end of M; the plan is the subscription's `metadata.plan`
  (set by our Checkout), else its first price's nickname or id.
- **Top-up revenue(M)** = Σ (amount − amount_refunded) of succeeded charges
  created in M that are credit top-ups (`metadata.kind == "topup"`, copied
  from the Checkout's payment intent) or, failing metadata, not an invoice's.
- **Invoiced revenue(M)** = Σ `amount_paid` of paid invoices created in M.

Amounts are integers in the currency's minor unit (cents); the plans are
priced in one currency.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.utils import timezone

from billing import stripe_mirror

NOT_PAYING = ("incomplete", "incomplete_expired")
PER_MONTH = {"month": 1.0, "year": 1 / 12, "week": 52 / 12, "day": 365 / 12}


def _when(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(int(value), tz=UTC)


@dataclass(frozen=True)
class Span:
    """One subscription as the definitions need it."""

    customer: str
    plan: str
    monthly: int  # cents
    start: datetime
    end: datetime | None
    trial_end: datetime | None
    status: str

    def paying_at(self, moment: datetime) -> bool:
        if self.status in NOT_PAYING or self.start >= moment:
            return False
        if self.end is not None and self.end <= moment:
            return False
        return not (self.trial_end is not None and self.trial_end > moment)


def span_from_stripe(data: dict) -> Span | None:
    """A subscription object as Stripe sends it (dj-stripe keeps it in `stripe_data`)."""
    start = _when(data.get("start_date") or data.get("created"))
    if start is None:
        return None
    monthly = 0.0
    first_price: dict = {}
    for item in (data.get("items") or {}).get("data") or []:
        price = item.get("price") or item.get("plan") or {}
        first_price = first_price or price
        recurring = price.get("recurring") or {"interval": price.get("interval"),
                                                "interval_count": price.get("interval_count")}  # fmt: skip
        per_month = PER_MONTH.get(recurring.get("interval") or "month", 1.0) / (recurring.get("interval_count") or 1)
        monthly += (price.get("unit_amount") or price.get("amount") or 0) * (item.get("quantity") or 1) * per_month
    status = data.get("status") or ""
    end = _when(data.get("ended_at")) or (_when(data.get("canceled_at")) if status == "canceled" else None)
    customer = data.get("customer")
    customer = customer.get("id") if isinstance(customer, dict) else str(customer or "")
    plan = (data.get("metadata") or {}).get("plan") or first_price.get("nickname") or first_price.get("id") or "?"
    return Span(customer=customer, plan=plan, monthly=round(monthly), start=start, end=end,
                trial_end=_when(data.get("trial_end")), status=status)  # fmt: skip


def stripe_spans() -> list[Span]:
    spans = (span_from_stripe(data) for data in stripe_mirror.subscriptions())
    return [span for span in spans if span is not None]


# --- months -----------------------------------------------------------------------------------------


def month_starts(*, months: int, now: datetime) -> list[date]:
    """The first days of the last `months` months, oldest first (the last is now's)."""
    year, month = now.year, now.month
    starts = []
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _next(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _end_of(first: date, now: datetime) -> datetime:
    end = datetime(*_next(first).timetuple()[:3], tzinfo=UTC)
    return min(end, now)


@dataclass
class RevenueMonth:
    month: date
    mrr: int = 0
    arr: int = 0
    new: int = 0
    expansion: int = 0
    contraction: int = 0
    churn: int = 0
    net_new: int = 0
    paying: int = 0
    churned_customers: int = 0
    logo_churn: float | None = None
    revenue_churn: float | None = None
    topups: int = 0
    invoiced: int = 0
    by_plan: dict[str, dict] = field(default_factory=dict)  # plan → {customers, mrr, arpu}


def _per_customer(spans: list[Span], moment: datetime) -> tuple[dict[str, int], dict[str, list[Span]]]:
    amounts: dict[str, int] = defaultdict(int)
    by_plan: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        if span.paying_at(moment):
            amounts[span.customer] += span.monthly
            by_plan[span.plan].append(span)
    return dict(amounts), by_plan


def revenue_report(*, months: int = 12, now: datetime | None = None, spans: list[Span] | None = None,
                   payments: dict[date, tuple[int, int]] | None = None) -> list[RevenueMonth]:  # fmt: skip
    """One `RevenueMonth` per month, oldest first (see the module docstring)."""
    now = now or timezone.now()
    spans = stripe_spans() if spans is None else spans
    starts = month_starts(months=months, now=now)
    payments = stripe_payments(since=starts[0]) if payments is None else payments
    first = starts[0]
    previous_month = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    before, _plans = _per_customer(spans, _end_of(previous_month, now))
    report = []
    for start in starts:
        current, plans = _per_customer(spans, _end_of(start, now))
        row = RevenueMonth(month=start, mrr=sum(current.values()), paying=len(current))
        row.arr = 12 * row.mrr
        for customer in set(before) | set(current):
            old, new = before.get(customer, 0), current.get(customer, 0)
            if not old and new:
                row.new += new
            elif old and not new:
                row.churn += old
                row.churned_customers += 1
            elif new > old:
                row.expansion += new - old
            elif new < old:
                row.contraction += old - new
        row.net_new = row.new + row.expansion - row.contraction - row.churn
        row.logo_churn = row.churned_customers / len(before) if before else None
        previous_mrr = sum(before.values())
        row.revenue_churn = (row.churn + row.contraction) / previous_mrr if previous_mrr else None
        for plan, plan_spans in sorted(plans.items()):
            customers = len({s.customer for s in plan_spans})
            plan_mrr = sum(s.monthly for s in plan_spans)
            row.by_plan[plan] = {"customers": customers, "mrr": plan_mrr, "arpu": round(plan_mrr / customers)}
        row.topups, row.invoiced = payments.get(start, (0, 0))
        report.append(row)
        before = current
    return report


def stripe_payments(*, since: date) -> dict[date, tuple[int, int]]:
    """month → (top-up revenue, invoiced revenue) from dj-stripe's charges and invoices."""
    since_at = datetime(since.year, since.month, since.day, tzinfo=UTC)
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for data, stored_created in stripe_mirror.charges_since(since_at):
        if data.get("status") != "succeeded":
            continue
        is_topup = (data.get("metadata") or {}).get("kind") == "topup" or not data.get("invoice")
        created = _when(data.get("created")) or stored_created
        if is_topup and created is not None:
            totals[date(created.year, created.month, 1)][0] += int(data.get("amount") or 0) - int(
                data.get("amount_refunded") or 0
            )
    for data, stored_created in stripe_mirror.invoices_since(since_at):
        created = _when(data.get("created")) or stored_created
        if (data.get("status") == "paid" or data.get("paid")) and created is not None:
            totals[date(created.year, created.month, 1)][1] += int(data.get("amount_paid") or 0)
    return {month: (values[0], values[1]) for month, values in totals.items()}
