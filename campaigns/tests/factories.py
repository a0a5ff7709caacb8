"""Campaign test rows and the route walk's `TENANT_FACTORIES`."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from campaigns.models import AdInsight, AdVariant, Campaign

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
