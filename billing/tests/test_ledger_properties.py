"""T20 (sequence part): any sequence of charges, failures, purchases,
adjustments and renewals keeps the balances equal to a simple model and to
Σ ledger, never negative. 30 examples by default; set
BILLING_HYPOTHESIS_EXAMPLES=500 for the long run."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import WorkspaceFactory
from billing import services
from billing.charging import charge
from billing.models import BillingAccount
from billing.tests.factories import account, assert_ledger_matches
from nexusone.errors import InsufficientCredits, ValidationFailed

pytestmark = pytest.mark.django_db

COSTS = {"content": 5, "magic_pages": 10, "video_creator": 25}


class Failed(Exception):
    pass


operations = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), st.sampled_from(sorted(COSTS)), st.booleans()),
        st.tuples(st.just("purchase"), st.integers(1, 120)),
        st.tuples(st.just("adjust"), st.integers(-60, 60).filter(bool), st.sampled_from(["plan", "purchased"])),
        st.tuples(st.just("renew")),
    ),
    max_size=12,
)


@settings(
    max_examples=int(os.environ.get("BILLING_HYPOTHESIS_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, start_plan=st.integers(0, 60), start_purchased=st.integers(0, 60))
def test_any_sequence_keeps_balances_exact(ops, start_plan, start_purchased):
    ws = WorkspaceFactory()
    account(ws, plan_credits=start_plan, purchased_credits=start_purchased)
    plan, purchased = start_plan, start_purchased
    for step, op in enumerate(ops):
        if op[0] == "charge":
            _kind, module, succeeds = op
            n = COSTS[module]
            try:
                with charge(workspace=ws, module=module):
                    if not succeeds:
                        raise Failed
            except InsufficientCredits:
                assert plan + purchased < n
            except Failed:
                assert plan + purchased >= n  # reserved, then refunded: no change
            else:
                used_plan = min(plan, n)
                plan, purchased = plan - used_plan, purchased - (n - used_plan)
        elif op[0] == "purchase":
            services.credits_purchase(workspace=ws, credits=op[1], idempotency_key=f"p{step}")
            purchased += op[1]
        elif op[0] == "adjust":
            _kind, amount, bucket = op
            try:
                services.credits_adjust(workspace=ws, amount=amount, bucket=bucket, reason="prop", actor=None)
            except ValidationFailed:
                assert (plan if bucket == "plan" else purchased) + amount < 0
            else:
                plan, purchased = (plan + amount, purchased) if bucket == "plan" else (plan, purchased + amount)
        else:
            end = BillingAccount.unscoped.get(workspace=ws).current_period_end
            services.account_renew_if_due(
                account_id=BillingAccount.unscoped.get(workspace=ws).pk, now=end + timedelta(seconds=1)
            )
            plan = 50  # the free plan's monthly credits replace what was left
        acct = assert_ledger_matches(ws)
        assert (acct.plan_credits, acct.purchased_credits) == (plan, purchased), (step, op)
