"""Accounts, periods, renewal and expiry, purchases, staff adjustments and plan
changes (with audit), quotas, and the seeded catalogue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.services import workspace_create
from accounts.tests.factories import UserFactory, WorkspaceFactory
from billing import defaults, quotas, services
from billing.models import BillingAccount, CreditPack, LedgerEntry, ModuleCost, Plan
from billing.tests.factories import account, assert_ledger_matches, plan
from nexusone.audit import AuditEntry
from nexusone.errors import PlanRequired, QuotaExceeded, ValidationFailed

pytestmark = pytest.mark.django_db


def test_the_catalogue_matches_the_spec_and_seeding_is_idempotent():
    services.plans_ensure_defaults()
    table = {p.key: (p.price, p.monthly_credits, p.videos_per_month, p.landing_pages, p.whatsapp_numbers,
                     p.api_requests_per_minute) for p in Plan.objects.all()}  # fmt: skip
    assert table == {
        "free": (0, 50, 2, 2, 1, 60),
        "pro": (97, 500, 20, 20, 5, 300),
        "premium": (297, 2000, 100, None, 20, 1000),
    }
    costs = dict(ModuleCost.objects.values_list("module", "credits"))
    assert costs == {
        "magic_pages": 10, "video_creator": 25, "facebook_ads": 15, "whatsapp_bot": 5, "ai_agents": 20,
        "product_scraper": 3, "crm": 5, "generate_income": 8, "content": 5, "email_send": 1, "sms_send": 2,
        "voiceover": 5, "image_generation": 5, "agent_reply": 1, "ad_inspiration": 5, "launch_plan": 8,
    }  # fmt: skip
    assert CreditPack.objects.count() == len(defaults.CREDIT_PACKS)
    assert Plan.objects.get(is_default=True).key == "free"
    free = Plan.objects.get(key="free")
    assert (free.name_en, free.name_es, free.name_pt, free.name_ar, free.name_he) == (
        "Free",
        "Gratis",
        "Grátis",
        "مجاني",
        "חינם",
    )
    ModuleCost.objects.filter(module="content").update(credits=7)  # staff edit survives re-seeding
    services.plans_ensure_defaults()
    assert ModuleCost.objects.get(module="content").credits == 7 and Plan.objects.count() == 3


def test_a_new_workspace_opens_on_free_and_the_free_credits_come_with_a_verified_person():
    owner = UserFactory(personal_workspace=False)  # verified address
    workspace = workspace_create(owner=owner, name="Acme")
    acct = assert_ledger_matches(workspace)
    assert (acct.plan.key, acct.status, acct.plan_credits, acct.purchased_credits) == ("free", "active", 0, 0)
    assert acct.current_period_end.date() > timezone.now().date() + timedelta(days=27)
    assert not LedgerEntry.unscoped.filter(workspace=workspace).exists()  # not the personal workspace
    services.billing_account_open(workspace=workspace)  # idempotent
    assert not LedgerEntry.unscoped.filter(workspace=workspace).exists()
    person = UserFactory(personal_workspace=False)
    personal = workspace_create(owner=person, name="Mine", is_personal=True)
    acct = assert_ledger_matches(personal)
    assert (acct.plan.key, acct.plan_credits, acct.free_allowance) == ("free", 50, True)
    entry = LedgerEntry.unscoped.get(workspace=personal)
    assert (entry.kind, entry.amount, entry.idempotency_key) == ("grant", 50, f"allowance:{personal.pk}")


def test_add_months_clamps_to_the_end_of_shorter_months():
    assert services.add_months(datetime(2025, 1, 31, tzinfo=UTC)) == datetime(2025, 2, 28, tzinfo=UTC)
    assert services.add_months(datetime(2024, 12, 15, tzinfo=UTC)) == datetime(2025, 1, 15, tzinfo=UTC)
    assert services.add_months(datetime(2024, 1, 31, tzinfo=UTC)) == datetime(2024, 2, 29, tzinfo=UTC)


def test_free_renewal_expires_the_old_plan_credits_once_and_keeps_purchased_ones():
    ws = WorkspaceFactory()
    acct = account(ws, plan_credits=12, purchased_credits=30)
    end = acct.current_period_end
    later = end + timedelta(hours=1)
    assert services.billing_periods_tick(now=later)["renewed"] >= 1  # also the owner's personal workspace
    assert services.billing_periods_tick(now=later) == {"renewed": 0, "downgraded": 0}
    acct = assert_ledger_matches(ws)
    assert (acct.plan_credits, acct.purchased_credits) == (50, 30)
    assert acct.current_period_start == end and acct.current_period_end == services.add_months(end)
    kinds = list(LedgerEntry.unscoped.filter(workspace=ws).order_by("id").values_list("kind", "amount"))
    assert kinds[-2:] == [("expiry", -12), ("grant", 50)]


def test_a_beat_that_was_down_for_months_grants_only_the_current_period():
    ws = WorkspaceFactory()
    acct = account(ws)
    far = acct.current_period_end + timedelta(days=95)
    services.billing_periods_tick(now=far)
    acct = assert_ledger_matches(ws)
    assert acct.current_period_start <= far < acct.current_period_end
    assert LedgerEntry.unscoped.filter(workspace=ws, kind="grant").count() == 2


def test_stripe_managed_paid_plans_are_not_renewed_by_the_beat_but_manual_ones_are():
    stripe_ws, manual_ws = WorkspaceFactory(), WorkspaceFactory()
    for ws in (stripe_ws, manual_ws):
        services.plan_change(workspace=ws, plan=plan("pro"), reason="test", actor=None)
    BillingAccount.unscoped.filter(workspace=stripe_ws).update(stripe_subscription_id="sub_x")
    later = timezone.now() + timedelta(days=40)
    services.billing_periods_tick(now=later)
    assert BillingAccount.unscoped.get(workspace=manual_ws).current_period_end > later
    assert BillingAccount.unscoped.get(workspace=stripe_ws).current_period_end < later


def test_staff_adjustments_need_a_reason_never_go_negative_and_are_audited():
    ws = WorkspaceFactory()
    account(ws)
    staff = UserFactory(is_staff=True)
    with pytest.raises(ValidationFailed):
        services.credits_adjust(workspace=ws, amount=10, reason=" ", actor=staff)
    with pytest.raises(ValidationFailed):
        services.credits_adjust(workspace=ws, amount=-10, bucket="purchased", reason="oops", actor=staff)
    entry = services.credits_adjust(workspace=ws, amount=100, reason="goodwill after outage", actor=staff)
    assert (entry.kind, entry.purchased_amount, entry.user_id) == ("adjustment", 100, staff.pk)
    services.credits_adjust(workspace=ws, amount=-20, bucket="plan", reason="abuse", actor=staff)
    acct = assert_ledger_matches(ws)
    assert (acct.plan_credits, acct.purchased_credits) == (30, 100)
    audit = AuditEntry.unscoped.filter(action="billing.credits.adjusted", workspace=ws).order_by("id")
    assert [a.metadata["amount"] for a in audit] == [100, -20]
    assert audit[0].actor_user == staff and audit[0].metadata["reason"] == "goodwill after outage"


def test_plan_change_by_staff_starts_a_new_period_and_is_audited():
    ws = WorkspaceFactory()
    account(ws, plan_credits=20, purchased_credits=5)
    staff = UserFactory(is_staff=True)
    services.plan_change(workspace=ws, plan=plan("premium"), reason="partner deal", actor=staff)
    acct = assert_ledger_matches(ws)
    assert (acct.plan.key, acct.plan_credits, acct.purchased_credits) == ("premium", 2000, 5)
    audit = AuditEntry.unscoped.get(action="billing.plan.changed", workspace=ws)
    assert audit.metadata == {"from": "free", "to": "premium", "reason": "partner deal", "reset_credits": True}
    services.plan_change(workspace=ws, plan=plan("pro"), reason="downgrade", actor=staff, reset_credits=False)
    assert assert_ledger_matches(ws).plan_credits == 2000
    with pytest.raises(ValidationFailed):
        services.plan_change(workspace=ws, plan=plan("free"), reason="", actor=staff)


def test_ledger_sum_equals_balance_after_a_mixed_history():
    ws = WorkspaceFactory()
    account(ws)
    services.credits_purchase(workspace=ws, credits=100, idempotency_key="checkout:cs_1")
    assert services.credits_purchase(workspace=ws, credits=100, idempotency_key="checkout:cs_1") is None
    services.plan_change(workspace=ws, plan=plan("pro"), reason="x", actor=None)
    services.billing_periods_tick(now=timezone.now() + timedelta(days=45))
    acct = assert_ledger_matches(ws)
    total = LedgerEntry.unscoped.filter(workspace=ws).aggregate(s=Sum("amount"))["s"]
    assert total == acct.balance == 600


# --- quotas ---------------------------------------------------------------------------------


def test_each_quota_names_itself_its_limit_and_the_current_use():
    ws = WorkspaceFactory()
    account(ws)
    quotas.quota_check_videos(workspace=ws, used=1)
    cases = [
        (quotas.quota_check_videos, "videos_per_month", 2),
        (quotas.quota_check_landing_pages, "landing_pages", 2),
        (quotas.quota_check_whatsapp_numbers, "whatsapp_numbers", 1),
    ]
    for check, quota, limit in cases:
        with pytest.raises(QuotaExceeded) as info:
            check(workspace=ws, used=lambda limit=limit: limit)
        assert info.value.status_code == 403 and info.value.code == "quota_exceeded"
        assert info.value.details == {"quota": quota, "limit": limit, "used": limit}
    with pytest.raises(QuotaExceeded):
        quotas.quota_check_landing_pages(workspace=ws, used=1, adding=2)


def test_unlimited_quotas_never_count():
    ws = WorkspaceFactory()
    services.plan_change(workspace=ws, plan=plan("premium"), reason="x", actor=None)

    def never():
        raise AssertionError("an unlimited quota must not count")

    quotas.quota_check_landing_pages(workspace=ws, used=never)
    with pytest.raises(QuotaExceeded):
        quotas.quota_check_videos(workspace=ws, used=100)


def test_plan_require_names_the_plans_that_have_the_feature():
    ws = WorkspaceFactory()
    account(ws)
    quotas.plan_require(workspace=ws, feature="content")
    with pytest.raises(PlanRequired) as info:
        quotas.plan_require(workspace=ws, feature="ab_tests")
    assert info.value.code == "plan_required" and info.value.status_code == 403
    assert info.value.details == {"feature": "ab_tests", "plan": "free", "available_on": ["pro", "premium"]}


def test_quota_lock_returns_the_locked_account():
    ws = WorkspaceFactory()
    from django.db import transaction

    with transaction.atomic():
        assert quotas.quota_lock(workspace=ws).workspace_id == ws.pk
