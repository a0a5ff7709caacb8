"""Insights: pulled from the provider, upserted per (ad, day), read back per
day and campaign or ad, and fed to the analytics rollups.

- Insights are asked for as an asynchronous report (`InsightRun`; Meta's
  AdReportRun): `insights_request` starts one for a date range,
  `insights_advance` polls it once and, when the provider says it is done,
  reads its daily ad-level rows and upserts them (`INSERT … ON CONFLICT
  (variant, date) DO UPDATE`), so a sync run twice changes nothing. Rows for
  ads we do not know are ignored. A failed or skipped report is kept with the
  provider's reason; one still running after `REPORT_MAX_AGE` is expired.
- Tasks poll with `poll_delay` between tries (and Meta's own wait when it
  throttles); `insights_sync` / `insights_wait` wait in-process for a short
  while (the API's sync, the weekly refresh) and leave the rest to the task.
- The beat syncs active campaigns hourly for the last 3 days and nightly for
  the last 28 (Meta restates recent days as conversions are attributed).
- Analytics: `campaigns · spend_cents / impressions / clicks / conversions /
  conversion_value_cents`, one rollup hour per day (its UTC midnight),
  recomputed for the synced days after each sync.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from time import monotonic, sleep
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import AdInsight, AdVariant, Campaign, InsightRun

logger = logging.getLogger(__name__)
# Meta: "async jobs can take up to an hour including retries" (PROVIDERS.md §1); a little more, then expired.
REPORT_MAX_AGE = timedelta(minutes=getattr(settings, "CAMPAIGNS_INSIGHTS_REPORT_MAX_MINUTES", 75))
# How long a request (the API's sync, the weekly refresh) waits for a report before leaving it to the task.
INLINE_WAIT = float(getattr(settings, "CAMPAIGNS_INSIGHTS_INLINE_WAIT", 8))

METRICS = ("spend_cents", "impressions", "clicks", "conversions", "conversion_value_cents")
FIELDS = ("impressions", "reach", "clicks", "spend", "frequency", "conversions", "conversion_value")


def _store(campaign: Campaign, rows) -> int:
    """Upsert provider rows per (ad, day); rows of ads we do not know are ignored."""
    by_ad = {v.external_ad_id: v for v in AdVariant.objects.filter(campaign=campaign) if v.external_ad_id}
    objects = [
        AdInsight(
            workspace_id=campaign.workspace_id,
            campaign=campaign,
            variant=by_ad[row.ad_id],
            date=row.date,
            impressions=row.impressions,
            reach=row.reach,
            clicks=row.clicks,
            spend=row.spend,
            frequency=row.frequency,
            conversions=row.conversions,
            conversion_value=row.conversion_value,
        )
        for row in rows
        if row.ad_id in by_ad
    ]
    if objects:
        AdInsight.objects.bulk_create(
            objects, update_conflicts=True, unique_fields=["variant", "date"], update_fields=[*FIELDS, "updated_at"]
        )
    Campaign.objects.filter(pk=campaign.pk).update(last_synced_at=timezone.now())
    days = sorted({o.date for o in objects})
    if days:
        _rollup(campaign.workspace_id, days[0], days[-1])
    return len(objects)


def insights_request(*, campaign: Campaign, since: date, until: date) -> InsightRun | None:
    """Ask the provider for a report of the range (None for a campaign not launched).
    A report for the same range still running is reused rather than asked twice."""
    from campaigns.launching import provider_of

    if not campaign.external_campaign_id:
        return None
    running = (
        InsightRun.objects.filter(campaign=campaign, since=since, until=until, status=InsightRun.Status.RUNNING)
        .order_by("-created_at")
        .first()
    )
    if running is not None and running.created_at > timezone.now() - REPORT_MAX_AGE:
        return running
    report_run_id = provider_of(campaign).insights_start(campaign, since=since, until=until)
    return InsightRun.objects.create(
        workspace_id=campaign.workspace_id, campaign=campaign, since=since, until=until, report_run_id=report_run_id
    )


def insights_advance(*, run: InsightRun) -> InsightRun:
    """Poll the report once; when the provider is done, store its rows and close the run.

    Throttling (`AdsThrottled`) and other provider errors propagate: the caller
    decides whether to wait (a task) or to answer (the API)."""
    from campaigns.launching import provider_of

    if run.status != InsightRun.Status.RUNNING:
        return run
    campaign = Campaign.objects.select_related("workspace").get(pk=run.campaign_id)
    provider = provider_of(campaign)
    status = provider.insights_status(run.report_run_id)
    now = timezone.now()
    fields: dict[str, Any] = {
        "polls": run.polls + 1,
        "percent": status.percent,
        "provider_status": status.provider_status,
    }
    if status.state == "completed":
        rows = provider.insights_rows(campaign, run.report_run_id, since=run.since, until=run.until)
        fields.update(status=InsightRun.Status.COMPLETED, rows=_store(campaign, rows), finished_at=now)
    elif status.state in ("failed", "skipped"):
        fields.update(status=status.state, error=status.error[:1000], finished_at=now)
        logger.info("campaigns: insights report %s of %s: %s", run.report_run_id, campaign.pk, status.provider_status)
    elif run.created_at < now - REPORT_MAX_AGE:
        # Meta documents jobs of up to an hour, retries included; past that we stop waiting.
        fields.update(
            status=InsightRun.Status.EXPIRED,
            error=str(_("Meta did not finish the insights report within %(minutes)d minutes."))
            % {"minutes": int(REPORT_MAX_AGE.total_seconds() // 60)},
            finished_at=now,
        )
    # Only the poller that still sees the run running writes (a second poller changes nothing).
    InsightRun.objects.filter(pk=run.pk, status=InsightRun.Status.RUNNING).update(**fields, updated_at=now)
    run.refresh_from_db()
    return run


def poll_delay(polls: int) -> float:
    """Seconds before the next poll of a running report: 5, 10, 20, 40, then every 60."""
    return float(min(60, 5 * 2 ** min(polls, 4)))


def insights_sync(*, campaign: Campaign, since: date, until: date, wait: float | None = None) -> int:
    """Ask for a report and wait for it in this process, for at most `wait`
    seconds (default `CAMPAIGNS_INSIGHTS_INLINE_WAIT`); returns the rows
    written (0 when the report is still running: the poll task finishes it)."""
    run = insights_wait(campaign=campaign, since=since, until=until, wait=wait)
    return run.rows if run is not None and run.status == InsightRun.Status.COMPLETED else 0


def insights_wait(*, campaign: Campaign, since: date, until: date, wait: float | None = None) -> InsightRun | None:
    run = insights_request(campaign=campaign, since=since, until=until)
    if run is None:
        return None
    budget = INLINE_WAIT if wait is None else wait
    deadline = monotonic() + budget
    run = insights_advance(run=run)
    step = 0.5
    while run.status == InsightRun.Status.RUNNING and monotonic() + step <= deadline:
        sleep(step)
        step = min(step * 2, 4.0)
        run = insights_advance(run=run)
    return run


def insights_sync_now(*, campaign: Campaign, days: int = 28) -> InsightRun | None:
    """On demand (the API's and the page's sync): ask for the last `days` days,
    wait briefly, leave a still-running report to the poll task, and turn a
    failed, skipped or expired report into the provider's message."""
    from campaigns.providers import AdsError
    from campaigns.tasks import eager, enqueue, insight_run_poll_task

    today = timezone.now().date()
    run = insights_wait(campaign=campaign, since=today - timedelta(days=days - 1), until=today)
    if run is None:
        return None
    if run.status == InsightRun.Status.RUNNING:
        if not eager():  # eager ignores countdowns: the sweep polls it instead
            enqueue(
                insight_run_poll_task,
                countdown=poll_delay(run.polls),
                workspace_id=campaign.workspace_id,
                run_id=run.pk,
            )
    elif run.status != InsightRun.Status.COMPLETED:
        raise AdsError(run.error or _("Meta could not prepare the insights report."))
    return run


# --- reading -------------------------------------------------------------------------------


def _cents(value: Decimal | None) -> int:
    return int((Decimal(value or 0) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def derived(row: dict[str, Any]) -> dict[str, Any]:
    """CTR %, CPC, CPM, ROAS from the sums (None when the denominator is zero)."""
    impressions, clicks = int(row.get("impressions") or 0), int(row.get("clicks") or 0)
    spend, value = Decimal(row.get("spend") or 0), Decimal(row.get("conversion_value") or 0)

    def ratio(a: Decimal, b: Decimal, places: str) -> str | None:
        return str((a / b).quantize(Decimal(places), rounding=ROUND_HALF_UP)) if b else None

    return {
        **row,
        "spend": str(spend.quantize(Decimal("0.01"))),
        "conversion_value": str(value.quantize(Decimal("0.01"))),
        "ctr": ratio(Decimal(clicks) * 100, Decimal(impressions), "0.01"),
        "cpc": ratio(spend, Decimal(clicks), "0.01"),
        "cpm": ratio(spend * 1000, Decimal(impressions), "0.01"),
        "roas": ratio(value, spend, "0.01"),
    }


SUMS = {
    "impressions": Sum("impressions"),
    "reach": Sum("reach"),
    "clicks": Sum("clicks"),
    "spend": Sum("spend"),
    "conversions": Sum("conversions"),
    "conversion_value": Sum("conversion_value"),
}


def _clean(row: dict) -> dict:
    return {k: (v if v is not None else 0) for k, v in row.items()}


def campaign_insights(*, campaign: Campaign, since: date, until: date, level: str = "campaign") -> dict:
    """Daily rows (per day, or per day and ad) and the range's totals."""
    queryset = AdInsight.objects.filter(campaign=campaign, date__gte=since, date__lte=until).order_by()
    if level == "ad":
        labels = {v.pk: (v.label, v.external_ad_id) for v in AdVariant.objects.filter(campaign=campaign)}
        rows = []
        for r in queryset.values("date", "variant_id").annotate(**SUMS).order_by("date", "variant_id"):
            label, ad_id = labels.get(r["variant_id"], ("?", ""))
            row = {**_clean(r), "date": r["date"].isoformat(), "label": label, "ad_id": ad_id}
            rows.append(derived(row))
    else:
        rows = [
            derived({**_clean(r), "date": r["date"].isoformat()})
            for r in queryset.values("date").annotate(**SUMS).order_by("date")
        ]
    totals = derived(_clean(queryset.aggregate(**SUMS)))
    return {
        "campaign_id": campaign.pk,
        "currency": campaign.currency,
        "from": since.isoformat(),
        "to": until.isoformat(),
        "level": level,
        "provider": campaign.provider,
        "totals": totals,
        "rows": rows,
    }


def workspace_metrics(*, since: date, until: date) -> dict:
    """Seed 002 `marketing-metrics`: the workspace's totals (per currency) and per campaign per day."""
    queryset = AdInsight.objects.filter(date__gte=since, date__lte=until).order_by()
    names = dict(Campaign.objects.values_list("pk", "name"))
    currencies = dict(Campaign.objects.values_list("pk", "currency"))
    per_day = [
        derived({**_clean(r), "date": r["date"].isoformat(), "campaign_id": r["campaign_id"],
                 "campaign_name": names.get(r["campaign_id"], ""), "currency": currencies.get(r["campaign_id"], "")})
        for r in queryset.values("date", "campaign_id").annotate(**SUMS).order_by("date", "campaign_id")
    ]  # fmt: skip
    totals: dict[str, dict] = {}
    for row in queryset.values("campaign__currency").annotate(**SUMS).order_by("campaign__currency"):
        currency = row.pop("campaign__currency")
        totals[currency] = derived(_clean(row))
    return {"from": since.isoformat(), "to": until.isoformat(), "totals": totals, "rows": per_day}


# --- analytics -----------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def rollup_rows(workspace_ids: list[int], start: datetime, end: datetime):
    """The analytics source: each day's sums at its UTC midnight hour."""
    first = start.astimezone(UTC).date() + (
        timedelta(days=0) if start.astimezone(UTC).time() == time(0) else timedelta(days=1)
    )
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    if first > last:
        return
    rows = (
        AdInsight.unscoped.filter(workspace_id__in=workspace_ids, date__gte=first, date__lte=last)
        .order_by()
        .values("workspace_id", "date")
        .annotate(**SUMS)
    )
    for row in rows:
        hour = _midnight(row["date"])
        yield row["workspace_id"], hour, "campaigns", "spend_cents", "", _cents(row["spend"])
        yield row["workspace_id"], hour, "campaigns", "impressions", "", int(row["impressions"] or 0)
        yield row["workspace_id"], hour, "campaigns", "clicks", "", int(row["clicks"] or 0)
        yield row["workspace_id"], hour, "campaigns", "conversions", "", int(row["conversions"] or 0)
        yield row["workspace_id"], hour, "campaigns", "conversion_value_cents", "", _cents(row["conversion_value"])


def register_rollups() -> None:
    from analytics.sources import RecomputeSource, register_source

    register_source(RecomputeSource(key="campaigns", metrics=METRICS, modules=("campaigns",), compute=rollup_rows))


def _rollup(workspace_id: int, first: date, last: date) -> None:
    from analytics.rollups import recompute
    from analytics.sources import SOURCES

    source = next((s for s in SOURCES if s.key == "campaigns"), None)
    if source is not None:
        recompute(
            workspace_ids=[workspace_id],
            start=_midnight(first),
            end=_midnight(last) + timedelta(days=1),
            sources=[source],
        )
