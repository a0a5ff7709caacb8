"""The weekly ad refresh for campaigns with `auto_refresh`.

Once per ISO week per campaign (a `RefreshReport`, unique per campaign and
week, is claimed first — a second run the same week does nothing):
1. sync the last 14 days of insights;
2. an active ad is *fatigued* when its CTR over the last 7 days is at least
   `CAMPAIGNS_FATIGUE_CTR_DROP` (25 %) under its CTR over the 7 days before,
   or its frequency over the last 7 days is above
   `CAMPAIGNS_FATIGUE_FREQUENCY` (3);
3. when some are, as many new variants are written through the gateway
   (charged `facebook_ads` like a draft, once per campaign and week),
   added as new creatives and ads at the provider, and the fatigued ads are
   paused; the report records what was found and done, for the user to read.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from campaigns import copywriting
from campaigns.models import AdInsight, AdVariant, Campaign, RefreshReport
from nexusone.errors import ApplicationError

MODULE = "facebook_ads"


def iso_week(day) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _window(variant: AdVariant, first, last) -> dict:
    sums = AdInsight.objects.filter(variant=variant, date__gte=first, date__lte=last).aggregate(
        impressions=Sum("impressions"), clicks=Sum("clicks"), reach=Sum("reach")
    )
    impressions, clicks, reach = (int(sums[k] or 0) for k in ("impressions", "clicks", "reach"))
    return {
        "impressions": impressions,
        "clicks": clicks,
        "reach": reach,
        "ctr": clicks / impressions if impressions else None,
    }


def fatigue(*, campaign: Campaign, today=None) -> list[dict]:
    """The active ads that are fatigued, with the figures that say so."""
    today = today or timezone.now().date()
    drop = float(getattr(settings, "CAMPAIGNS_FATIGUE_CTR_DROP", 0.25))
    ceiling = float(getattr(settings, "CAMPAIGNS_FATIGUE_FREQUENCY", 3.0))
    found = []
    for variant in AdVariant.objects.filter(campaign=campaign, status=AdVariant.Status.ACTIVE).order_by("position"):
        last = _window(variant, today - timedelta(days=7), today - timedelta(days=1))
        before = _window(variant, today - timedelta(days=14), today - timedelta(days=8))
        frequency = last["impressions"] / last["reach"] if last["reach"] else 0.0
        daily_max = AdInsight.objects.filter(variant=variant, date__gte=today - timedelta(days=7)).aggregate(
            m=Max("frequency")
        )["m"]
        frequency = max(frequency, float(daily_max or Decimal(0)))
        reasons = []
        if last["ctr"] is not None and before["ctr"] and last["ctr"] <= before["ctr"] * (1 - drop):
            reasons.append("ctr_drop")
        if frequency > ceiling:
            reasons.append("frequency")
        if reasons:
            found.append({"variant_id": variant.pk, "label": variant.label, "reasons": reasons, "ctr_last": last["ctr"],
                          "ctr_before": before["ctr"], "frequency": round(frequency, 2)})  # fmt: skip
    return found


def campaign_refresh(*, campaign: Campaign, today=None) -> str:
    from campaigns.insights import insights_sync
    from campaigns.launching import provider_of, variants_pause
    from content.services import charged_run

    today = today or timezone.now().date()
    week = iso_week(today)
    if not campaign.auto_refresh or campaign.status != Campaign.Status.ACTIVE:
        return "skipped"
    try:
        with transaction.atomic():
            report = RefreshReport.objects.create(campaign=campaign, week=week, outcome="running")
    except IntegrityError:
        return "done_this_week"
    try:
        insights_sync(campaign=campaign, since=today - timedelta(days=14), until=today)
        tired = fatigue(campaign=campaign, today=today)
        if not tired:
            RefreshReport.objects.filter(pk=report.pk).update(outcome="healthy")
            return "healthy"
        round_ = (AdVariant.objects.filter(campaign=campaign).aggregate(r=Max("refresh_round"))["r"] or 0) + 1
        provider = provider_of(campaign)

        def work(handle) -> list[AdVariant]:
            copies = copywriting.write_variants(
                language=campaign.language, count=len(tired), objective=campaign.objective,
                audience=campaign.target_audience, creative=campaign.ad_creative, round=round_,
                on_result=lambda result: handle.metadata.update(result.metadata()),
            )  # fmt: skip
            start = (AdVariant.objects.filter(campaign=campaign).aggregate(p=Max("position"))["p"] or 0) + 1
            with transaction.atomic():
                return [
                    AdVariant.objects.create(campaign=campaign, position=start + i, refresh_round=round_, **copy)
                    for i, copy in enumerate(copies)
                ]

        added = charged_run(
            workspace=campaign.workspace, user=None, module=MODULE, idempotency_key=f"refresh:{campaign.pk}:{week}",
            reference="campaigns.refresh", action="campaign_refresh", work=work,
        )  # fmt: skip
        state = dict(campaign.launch_state or {})
        for variant in added:
            variant.external_creative_id = provider.create_creative(campaign, variant, state=state)
            variant.save(update_fields=["external_creative_id", "updated_at"])
            variant.external_ad_id = provider.create_ad(campaign, variant)
            variant.status = AdVariant.Status.ACTIVE
            variant.save(update_fields=["external_ad_id", "status", "updated_at"])
        variants_pause(
            campaign=campaign, variants=list(AdVariant.objects.filter(pk__in=[t["variant_id"] for t in tired]))
        )
        from billing.models import Charge

        charge = Charge.unscoped.filter(
            workspace=campaign.workspace, idempotency_key=f"{MODULE}:refresh:{campaign.pk}:{week}"
        ).first()
        RefreshReport.objects.filter(pk=report.pk).update(
            outcome="refreshed", fatigued=tired, new_variants=[v.pk for v in added],
            credits_charged=getattr(charge, "credits", 0) or 0,
        )  # fmt: skip
        Campaign.objects.filter(pk=campaign.pk).update(last_refresh_at=timezone.now())
        return "refreshed"
    except ApplicationError as exc:
        RefreshReport.objects.filter(pk=report.pk).update(outcome="failed", detail=str(exc.message)[:1000])
        return "failed"
