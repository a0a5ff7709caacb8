"""CRM fixtures: billing's catalogue (the `crm` module costs 5 credits) and
helpers to give a workspace a known balance and to act inside its scope."""

from __future__ import annotations

import pytest

from nexusone.tenancy import workspace_scope


@pytest.fixture(autouse=True)
def billing_catalogue(db):
    """Plans and module costs, as the data migration seeds them (tests run
    without migrations)."""
    from billing.services import plans_ensure_defaults

    plans_ensure_defaults()


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


@pytest.fixture
def scope():
    """`with scope(workspace): …` — act as the edges do."""
    return workspace_scope


@pytest.fixture
def in_scope(world):
    """Workspace A's scope for the whole test."""
    with workspace_scope(world["A"].workspace):
        yield world["A"].workspace
