"""Agents fixtures: billing's catalogue (`ai_agents` 20, `agent_reply` 1,
`whatsapp_bot` 5) and credit helpers going through billing's own services."""

from __future__ import annotations

import pytest

# WhatsApp's fixtures (fast settings, on-commit hooks) for the agents-on-WhatsApp tests.
from whatsapp.tests.conftest import _whatsapp_settings, run_commit_hooks  # noqa: F401


@pytest.fixture(autouse=True)
def billing_catalogue(db):
    from billing.services import plans_ensure_defaults

    plans_ensure_defaults()


def set_credits(workspace, credits: int) -> None:
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
