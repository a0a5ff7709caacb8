"""The offline ads provider: the default when the platform has no Meta app
(`META_APP_ID` empty, as on `make run`).

It accepts launches (ids prefixed `offline_`), and produces plausible,
deterministic insights — the same campaign and day always give the same
figures — so the pages, the charts and the A/B maths work on a fresh
machine. Everything it makes is marked `provider: "offline"`.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from campaigns.currencies import USD_RATES
from campaigns.providers.base import AdStatus, InsightRow, Published, ReportStatus

PROVIDER = "offline"


def _unit(*parts) -> float:
    """A stable number in [0, 1) from the parts."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return int(digest[:12], 16) / float(1 << 48)


class OfflineAds:
    name = PROVIDER
    offline = True
    currency = ""

    def __init__(self, *, workspace=None):
        self.workspace = workspace

    def create_campaign(self, campaign) -> str:
        return f"offline_campaign_{campaign.pk}"

    def create_adset(self, campaign, *, state: dict) -> str:
        state["interests"] = [
            {"id": f"offline_{i}", "name": n} for i, n in enumerate(campaign.target_audience.get("interests") or [])
        ]
        return f"offline_adset_{campaign.pk}"

    def prepare_image(self, campaign, *, state: dict) -> None:
        if campaign.image_asset_id:
            state["image_hash"] = f"offline_{campaign.image_asset_id}"

    def create_creative(self, campaign, variant, *, state: dict) -> str:
        return f"offline_creative_{variant.pk}"

    def create_ad(self, campaign, variant) -> str:
        return f"offline_ad_{variant.pk}"

    def set_status(self, object_id: str, status: str) -> None:
        return None

    def ad_statuses(self, campaign) -> list[AdStatus]:
        return [
            AdStatus(ad_id=v.external_ad_id, effective_status="ACTIVE" if v.status == "active" else "PAUSED")
            for v in campaign.variants.all()
            if v.external_ad_id
        ]

    # The offline report is ready as soon as it is asked for.
    def insights_start(self, campaign, *, since: date, until: date) -> str:
        return f"offline_report_{campaign.pk}_{since.isoformat()}_{until.isoformat()}"

    def insights_status(self, report_run_id: str) -> ReportStatus:
        return ReportStatus(state="completed", percent=100, provider_status="Job Completed")

    def insights_rows(self, campaign, report_run_id: str, *, since: date, until: date) -> list[InsightRow]:
        return self.insights(campaign, since=since, until=until)

    def insights(self, campaign, *, since: date, until: date) -> list[InsightRow]:
        if campaign.launched_at is None:
            return []
        first = max(since, campaign.launched_at.date())
        last = min(until, timezone.now().date())
        ads = [v for v in campaign.variants.all() if v.external_ad_id]
        if not ads or first > last:
            return []
        rate = USD_RATES.get(campaign.currency, Decimal(1))
        if campaign.budget_type == "daily":
            per_day = campaign.budget_amount
        else:
            days = max(1, (campaign.end_time.date() - campaign.launched_at.date()).days) if campaign.end_time else 30
            per_day = campaign.budget_amount / days
        rows = []
        day = first
        while day <= last:
            for variant in ads:
                if variant.status != "active" and day >= variant.updated_at.date():
                    continue  # stopped since that day
                quality = _unit(variant.external_ad_id, "quality")
                noise = _unit(variant.external_ad_id, day.isoformat())
                spend = (per_day / len(ads)) * Decimal(str(0.8 + 0.2 * noise))
                cpm = Decimal(str(6 + 4 * _unit(campaign.pk, day.isoformat()))) * rate
                impressions = int(spend / cpm * 1000) if cpm else 0
                ctr = 0.008 + 0.022 * quality + 0.002 * (noise - 0.5)
                clicks = int(impressions * max(ctr, 0.001))
                conversions = int(clicks * (0.03 + 0.05 * quality))
                value = Decimal(conversions) * Decimal(str(25 + 30 * quality)) * rate
                frequency = Decimal(str(1.1 + 0.6 * noise))
                rows.append(
                    InsightRow(
                        ad_id=variant.external_ad_id,
                        date=day,
                        impressions=impressions,
                        reach=int(impressions / frequency),
                        clicks=clicks,
                        spend=spend.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                        frequency=frequency.quantize(Decimal("0.0001")),
                        conversions=conversions,
                        conversion_value=value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                    )
                )
            day += timedelta(days=1)
        return rows

    def fetch_lead(self, leadgen_id: str) -> dict:
        return {"id": leadgen_id, "field_data": []}

    def publish_post(self, post) -> Published:
        return Published(id=f"offline_post_{post.pk}")
