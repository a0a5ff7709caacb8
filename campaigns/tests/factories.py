"""Campaign test rows and the route walk's `TENANT_FACTORIES`."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from campaigns.models import (
    AdInsight,
    AdVariant,
    Campaign,
    Generation,
    GraphEvent,
    InsightRun,
    RefreshReport,
    SocialPost,
)

_sequence = itertools.count(1)


def make_campaign(workspace, *, variants: int = 0, **fields) -> Campaign:
    n = next(_sequence)
    values = {
        "name": f"Campaign {n} of {workspace.slug}",
        "objective": "TRAFFIC",
        "target_audience": {
            "age_min": 18,
            "age_max": 65,
            "genders": [],
            "interests": [],
            "countries": ["ES"],
            "languages": ["es"],
        },
        "ad_creative": {
            "title": f"Product {n}",
            "description": "",
            "image_url": "",
            "call_to_action": "SHOP_NOW",
            "destination_url": "https://shop.example/",
        },
        "budget_type": "daily",
        "budget_amount": Decimal("20.00"),
        "currency": "EUR",
        "language": "es",
        **fields,
    }
    campaign = Campaign.unscoped.create(workspace=workspace, **values)
    for position in range(1, variants + 1):
        make_variant(workspace, campaign=campaign, position=position)
    return campaign


def make_variant(workspace, campaign: Campaign | None = None, **fields) -> AdVariant:
    campaign = campaign or make_campaign(workspace)
    position = fields.pop("position", None) or (AdVariant.unscoped.filter(campaign=campaign).count() + 1)
    values = {
        "headline": f"Headline {position}",
        "primary_text": f"Primary text {position}",
        "description": "Short",
        "call_to_action": "SHOP_NOW",
        **fields,
    }
    return AdVariant.unscoped.create(workspace=workspace, campaign=campaign, position=position, **values)


def make_insight(workspace, variant: AdVariant | None = None, **fields) -> AdInsight:
    variant = variant or make_variant(workspace)
    values = {"date": date(2026, 1, 1), "impressions": 1000, "clicks": 30, "spend": Decimal("5.00"), **fields}
    return AdInsight.unscoped.create(workspace=workspace, campaign=variant.campaign, variant=variant, **values)


TENANT_FACTORIES = {Campaign: make_campaign, AdVariant: make_variant, AdInsight: make_insight}


def make_graph_event(workspace, **fields) -> GraphEvent:
    n = next(_sequence)
    values = {"key": f"leadgen:{n}", "kind": "leadgen", "payload": {"leadgen_id": str(n)}, **fields}
    return GraphEvent.unscoped.create(workspace=workspace, **values)


def make_post(workspace, **fields) -> SocialPost:
    values = {"platform": "instagram", "text": f"Post of {workspace.slug}", **fields}
    return SocialPost.unscoped.create(workspace=workspace, **values)


def make_generation(workspace, **fields) -> Generation:
    values = {
        "kind": "plan",
        "language": "es",
        "request": {"product": f"Product of {workspace.slug}"},
        "result": {"summary": "", "currency": "EUR", "total_budget": "100.00", "weeks": []},
        **fields,
    }
    return Generation.unscoped.create(workspace=workspace, **values)


def make_refresh_report(workspace, **fields) -> RefreshReport:
    campaign = fields.pop("campaign", None) or make_campaign(workspace)
    return RefreshReport.unscoped.create(
        workspace=workspace, campaign=campaign, week="2026-W49", outcome="healthy", **fields
    )


def make_insight_run(workspace, **fields) -> InsightRun:
    campaign = fields.pop("campaign", None) or make_campaign(workspace)
    values = {"since": date(2026, 12, 1), "until": date(2026, 12, 2), "report_run_id": f"offline_report_{campaign.pk}"}
    return InsightRun.unscoped.create(workspace=workspace, campaign=campaign, **{**values, **fields})


TENANT_FACTORIES.update(
    {
        InsightRun: make_insight_run,
        GraphEvent: make_graph_event,
        SocialPost: make_post,
        Generation: make_generation,
        RefreshReport: make_refresh_report,
    }
)
