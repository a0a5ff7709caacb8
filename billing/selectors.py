"""Billing reads. Until plans land, every workspace is on the free plan."""

from __future__ import annotations

from django.conf import settings


def plan_requests_per_minute(*, workspace) -> int:
    return settings.API_DEFAULT_REQUESTS_PER_MINUTE


def workspace_billing_summary(*, workspace) -> dict:
    return {"plan": "free", "credits": 0}
