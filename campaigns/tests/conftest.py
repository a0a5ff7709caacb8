"""Campaign fixtures: a funded workspace and a valid FacebookCampaignRequest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


def give_credits(workspace, amount: int) -> None:
    from billing.services import credits_purchase, plans_ensure_defaults

    plans_ensure_defaults()
    credits_purchase(workspace=workspace, credits=amount, idempotency_key=f"test-topup-{workspace.pk}-{amount}")


def balance(workspace) -> int:
    from billing.models import BillingAccount

    return BillingAccount.unscoped.get(workspace=workspace).balance


def request_body(**extra) -> dict:
    body = {
        "campaign_name": "Rebajas de invierno",
        "objective": "TRAFFIC",
        "target_audience": {
            "age_min": 25,
            "age_max": 45,
            "genders": ["female"],
            "interests": ["Yoga", "Running"],
            "countries": ["ES", "MX"],
            "languages": ["es"],
        },
        "ad_creative": {
            "title": "Esterilla de yoga",
            "description": "Antideslizante y ligera",
            "call_to_action": "SHOP_NOW",
            "destination_url": "https://tienda.example/esterilla",
        },
        "budget": {"type": "daily", "amount": "20.00", "currency": "EUR"},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return body


def in_days(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


@pytest.fixture
def funded(world):
    """Workspace A with 200 credits."""
    give_credits(world["A"].workspace, 200)
    return world["A"]
