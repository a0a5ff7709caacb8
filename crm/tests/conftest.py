"""CRM fixtures: billing's catalogue (the `crm` module costs 5 credits) and
helpers to give a workspace a known balance and read it back."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def billing_catalogue(db):
    """Plans and module costs, as the data migration seeds them (tests run
    without migrations)."""
    from billing.services import plans_ensure_defaults

    plans_ensure_defaults()


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Uploads and staged files go to a per-test directory, not to MEDIA_ROOT."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }


def set_credits(workspace, credits: int) -> None:
    """Make `workspace`'s balance exactly `credits` (purchased, non-expiring)
    through billing's own adjustment service, never by touching balances."""
    from billing.selectors import billing_account_get
    from billing.services import credits_adjust

    account = billing_account_get(workspace=workspace)
    for bucket, amount in (("plan", account.plan_credits), ("purchased", account.purchased_credits)):
        if amount:
            credits_adjust(workspace=workspace, amount=-amount, bucket=bucket, reason="test reset", actor=None)
    if credits:
        credits_adjust(workspace=workspace, amount=credits, bucket="purchased", reason="test balance", actor=None)


def balance(workspace) -> int:
    from billing.selectors import billing_account_get

    return billing_account_get(workspace=workspace).balance
