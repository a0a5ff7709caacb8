"""A/B tests: the variants of a campaign are its test.

Method (documented in the API answer's `test`):
- Metric `ctr` = clicks / impressions, or `conversion_rate` = conversions / clicks.
- Per variant: the rate and its 95 % Wilson score interval
  (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n), z = 1.959964.
- The leader (highest rate) is compared with every other variant by a
  two-sided two-proportion z-test with pooled variance:
  z = (p₁ − p₂) / √(p̄(1−p̄)(1/n₁ + 1/n₂)), p̄ = (x₁ + x₂)/(n₁ + n₂),
  p = erfc(|z|/√2). `p_value` is the largest of those (the closest rival).
- With more than two variants the level is Bonferroni-corrected:
  α = 0.05 / (k − 1).
- `significant` is true only when every variant has the minimum sample
  (`CAMPAIGNS_AB_MIN_IMPRESSIONS` impressions for CTR,
  `CAMPAIGNS_AB_MIN_CLICKS` clicks for the conversion rate) and the leader
  beats every rival at that level.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import AdInsight, AdVariant, Campaign
from nexusone.errors import Conflict, ValidationFailed

Z95 = 1.959963984540054
ALPHA = 0.05
METRICS = {"ctr": ("clicks", "impressions"), "conversion_rate": ("conversions", "clicks")}


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    if trials <= 0:
        return (0.0, 0.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return (max(0.0, (centre - margin) / denominator), min(1.0, (centre + margin) / denominator))


def two_proportion(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """(z, two-sided p-value) of the pooled two-proportion z-test."""
    if n1 <= 0 or n2 <= 0:
        return (0.0, 1.0)
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return (0.0, 1.0)
    z = (x1 / n1 - x2 / n2) / se
    return (z, math.erfc(abs(z) / math.sqrt(2)))


def minimum_sample(metric: str) -> int:
    if metric == "ctr":
        return int(getattr(settings, "CAMPAIGNS_AB_MIN_IMPRESSIONS", 1000))
    return int(getattr(settings, "CAMPAIGNS_AB_MIN_CLICKS", 100))


def ab_result(*, campaign: Campaign, metric: str = "ctr") -> dict[str, Any]:
    if metric not in METRICS:
        raise ValidationFailed(details={"metric": [_("Choose one of: %(choices)s") % {"choices": ", ".join(METRICS)}]})
    success_field, trial_field = METRICS[metric]
    sums = {
        row["variant_id"]: row
        for row in AdInsight.objects.filter(campaign=campaign)
        .order_by()
        .values("variant_id")
        .annotate(impressions=Sum("impressions"), clicks=Sum("clicks"), conversions=Sum("conversions"))
    }
    variants = list(AdVariant.objects.filter(campaign=campaign).order_by("position"))
    minimum = minimum_sample(metric)
    rows = []
    for variant in variants:
        data = sums.get(variant.pk, {})
        impressions, clicks, conversions = (int(data.get(k) or 0) for k in ("impressions", "clicks", "conversions"))
        successes = {"clicks": clicks, "conversions": conversions}[success_field]
        trials = {"impressions": impressions, "clicks": clicks}[trial_field]
        ctr_low, ctr_high = wilson(clicks, impressions)
        cr_low, cr_high = wilson(conversions, clicks)
        rows.append(
            {
                "variant_id": variant.pk,
                "label": variant.label,
                "headline": variant.headline,
                "status": variant.status,
                "impressions": impressions,
                "clicks": clicks,
                "conversions": conversions,
                "ctr": clicks / impressions if impressions else 0.0,
                "ctr_interval": [ctr_low, ctr_high],
                "conversion_rate": conversions / clicks if clicks else 0.0,
                "conversion_rate_interval": [cr_low, cr_high],
                "sample": trials,
                "enough_sample": trials >= minimum,
                "_x": successes,
                "_n": trials,
            }
        )
    leader = max(rows, key=lambda r: (r["_x"] / r["_n"] if r["_n"] else -1.0, -r["variant_id"]), default=None)
    comparisons = []
    if leader is not None:
        for row in rows:
            if row is leader:
                continue
            z, p = two_proportion(leader["_x"], leader["_n"], row["_x"], row["_n"])
            comparisons.append({"variant_id": row["variant_id"], "label": row["label"], "z": z, "p_value": p})
    level = ALPHA / max(1, len(rows) - 1)
    p_value = max((c["p_value"] for c in comparisons), default=1.0)
    enough = bool(rows) and all(r["enough_sample"] for r in rows)
    significant = bool(comparisons) and enough and all(c["p_value"] < level for c in comparisons)
    for row in rows:
        row.pop("_x"), row.pop("_n")
    winner = campaign.launch_state.get("ab_winner") if isinstance(campaign.launch_state, dict) else None
    return {
        "campaign_id": campaign.pk,
        "metric": metric,
        "test": {
            "name": "two-proportion z-test (pooled, two-sided)",
            "interval": "Wilson score, 95 %",
            "alpha": ALPHA,
            "level": level,
            "correction": "Bonferroni over the leader's comparisons" if len(rows) > 2 else "none",
            "minimum_sample_per_variant": minimum,
            "sample_unit": METRICS[metric][1],
        },
        "variants": rows,
        "comparisons": comparisons,
        "leader": leader["variant_id"] if leader and leader["sample"] else None,
        "leader_label": leader["label"] if leader and leader["sample"] else None,
        "p_value": p_value,
        "significant": significant,
        "enough_sample": enough,
        "offline": campaign.provider == "offline",
        "concluded": bool(winner),
        "winner": winner,
    }


def ab_conclude(*, campaign: Campaign, winner_id: int | None = None, metric: str = "ctr", user=None) -> dict:
    """Keep the winner (given, else the significant leader) and pause the others at the provider."""
    from campaigns.launching import variants_pause

    if campaign.status not in (Campaign.Status.ACTIVE, Campaign.Status.PAUSED):
        raise Conflict(_("Only a launched campaign's test can be concluded."), code="campaign_not_live")
    result = ab_result(campaign=campaign, metric=metric)
    if winner_id is None:
        if not result["significant"]:
            raise Conflict(
                _("The test is not significant yet: choose the winner yourself or wait for more data."),
                code="not_significant",
            )
        winner_id = result["leader"]
    variants = list(AdVariant.objects.filter(campaign=campaign))
    winner = next((v for v in variants if v.pk == winner_id), None)
    if winner is None:
        raise ValidationFailed(details={"winner": [_("Not a variant of this campaign.")]})
    variants_pause(campaign=campaign, variants=[v for v in variants if v.pk != winner.pk])
    state = dict(campaign.launch_state or {})
    state["ab_winner"] = winner.pk
    state["ab_concluded_at"] = timezone.now().isoformat()
    Campaign.objects.filter(pk=campaign.pk).update(launch_state=state, updated_at=timezone.now())
    campaign.launch_state = state
    return ab_result(campaign=campaign, metric=metric)
