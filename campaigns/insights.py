"""Insights: pulled from the provider, upserted per (ad, day), read back per
day and campaign or ad, and fed to the analytics rollups.

- `insights_sync` asks the provider for daily ad-level rows in a date range
  and upserts them (`INSERT … ON CONFLICT (variant, date) DO UPDATE`), so a
  sync run twice changes nothing. Rows for ads we do not know are ignored.
- The beat syncs active campaigns hourly for the last 3 days and nightly for
  the last 28 (Meta restates recent days as conversions are attributed).
- Analytics: `campaigns · spend_cents / impressions / clicks / conversions /
  conversion_value_cents`, one rollup hour per day (its UTC midnight),
  recomputed for the synced days after each sync.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from campaigns.models import AdInsight, AdVariant, Campaign

METRICS = ("spend_cents", "impressions", "clicks", "conversions", "conversion_value_cents")
FIELDS = ("impressions", "reach", "clicks", "spend", "frequency", "conversions", "conversion_value")


def insights_sync(*, campaign: Campaign, since: date, until: date) -> int:
    """Pull and upsert; returns the number of rows written."""
    from campaigns.launching import provider_of

    if not campaign.external_campaign_id:
        return 0
    campaign = Campaign.objects.prefetch_related("variants").get(pk=campaign.pk)
    rows = provider_of(campaign).insights(campaign, since=since, until=until)
    by_ad = {v.external_ad_id: v for v in campaign.variants.all() if v.external_ad_id}
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
