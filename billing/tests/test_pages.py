"""Billing and usage pages: roles, no-payments notice, Stripe redirects,
success-page fulfilment, localized prices, RTL, the SVG chart."""

from __future__ import annotations

import pytest
import responses
from django.test import Client

from billing.charging import charge
from billing.models import LedgerEntry
from billing.tests import stripe_objects as so
from billing.tests.conftest import API
from billing.tests.factories import account

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_member_sees_the_billing_page_with_plans_balance_and_history(world):
    a = world["A"]
    account(a.workspace, plan_credits=40, purchased_credits=12)
    html = signed_in(a.users["viewer"]).get(f"/en/w/{a.workspace.slug}/billing/").content.decode()
    for text in ("Billing", "Free", "Pro", "Premium", "$97.00", "$297.00", "Unlimited landing pages", "Credit history"):
        assert text in html, text
    assert "52" in html and "40" in html and "12" in html
    assert "Payments are not configured" in html
    assert "Choose Pro" not in html  # not an owner, and no payments
    assert 'href="/en/w/tenant-a/billing/"' in html and 'href="/en/w/tenant-a/usage/"' in html  # sidebar


def test_prices_and_layout_follow_the_language(world):
    a = world["A"]
    html = signed_in(a.users["owner"]).get(f"/ar/w/{a.workspace.slug}/billing/").content.decode()
    assert 'dir="rtl"' in html and "مجاني" in html
    html = signed_in(a.users["owner"]).get(f"/es/w/{a.workspace.slug}/billing/").content.decode()
    assert "Gratis" in html and "97,00" in html


def test_other_workspaces_billing_is_404_and_viewers_cannot_post(world):
    a, b = world["A"], world["B"]
    assert signed_in(b.users["owner"]).get(f"/en/w/{a.workspace.slug}/billing/").status_code == 404
    url = f"/en/w/{a.workspace.slug}/billing/"
    for role in ("viewer", "member", "admin"):
        assert signed_in(a.users[role]).post(url, {"action": "topup", "pack": "starter"}).status_code == 403


def test_without_payments_an_owner_gets_a_message_not_an_error(world, settings):
    settings.STRIPE_SECRET_KEY = ""
    a = world["A"]
    client = signed_in(a.users["owner"])
    response = client.post(f"/en/w/{a.workspace.slug}/billing/", {"action": "upgrade", "plan": "pro"}, follow=True)
    assert response.status_code == 200
    assert "Payments are not configured" in response.content.decode()


def test_the_local_sandbox_completes_a_plan_and_a_top_up_when_debug_has_no_stripe_key(world, settings):
    from billing.models import BillingAccount

    settings.STRIPE_SECRET_KEY, settings.DEBUG = "", True
    a = world["A"]
    url = f"/en/w/{a.workspace.slug}/billing/"
    owner = signed_in(a.users["owner"])
    html = owner.get(url).content.decode()
    assert "Payments sandbox" in html and "Choose Pro" in html and "Buy" in html
    assert owner.post(url, {"action": "upgrade", "plan": "pro"}).status_code == 302
    acct = BillingAccount.unscoped.get(workspace=a.workspace)
    assert (acct.plan.key, acct.plan_credits, acct.status) == ("pro", 500, "active")
    assert owner.post(url, {"action": "topup", "pack": "starter"}).status_code == 302
    acct.refresh_from_db()
    assert acct.purchased_credits > 0
    assert LedgerEntry.unscoped.filter(workspace=a.workspace, kind="purchase").count() == 1
    assert signed_in(a.users["viewer"]).post(url, {"action": "topup", "pack": "starter"}).status_code == 403


def test_the_sandbox_never_exists_with_debug_off(world, settings):
    from billing.models import BillingAccount
    from billing.sandbox import sandbox_subscribe
    from nexusone.errors import NotFound

    settings.STRIPE_SECRET_KEY, settings.DEBUG = "", False
    a = world["A"]
    url = f"/en/w/{a.workspace.slug}/billing/"
    owner = signed_in(a.users["owner"])
    assert "Payments sandbox" not in owner.get(url).content.decode()
    owner.post(url, {"action": "upgrade", "plan": "pro"})
    assert BillingAccount.unscoped.get(workspace=a.workspace).plan.key == "free"
    with pytest.raises(NotFound):
        sandbox_subscribe(workspace=a.workspace, plan_key="pro", actor=a.users["owner"], actor_role="owner")


def test_an_owner_is_sent_to_stripe_checkout_and_portal(world, stripe_api):
    so.link_prices()
    a = world["A"]
    stripe_api.upsert(responses.POST, f"{API}/v1/customers", json={"id": "cus_pg", "object": "customer"})
    stripe_api.upsert(
        responses.POST, f"{API}/v1/checkout/sessions", json={"id": "cs_pg", "url": "https://checkout.stripe.test/cs_pg"}
    )
    stripe_api.upsert(
        responses.POST, f"{API}/v1/billing_portal/sessions", json={"id": "bps", "url": "https://billing.stripe.test/p"}
    )
    client = signed_in(a.users["owner"])
    url = f"/en/w/{a.workspace.slug}/billing/"
    html = client.get(url).content.decode()
    assert "Choose Pro" in html and "Buy" in html and "Payments are not configured" not in html
    response = client.post(url, {"action": "upgrade", "plan": "pro"})
    assert response.status_code == 302 and response["Location"] == "https://checkout.stripe.test/cs_pg"
    response = client.post(url, {"action": "topup", "pack": "starter"})
    assert response["Location"] == "https://checkout.stripe.test/cs_pg"
    assert client.post(url, {"action": "portal"})["Location"] == "https://billing.stripe.test/p"
    response = client.post(url, {"action": "upgrade", "plan": "free"}, follow=True)
    assert "no checkout is needed" in response.content.decode()


def test_returning_from_checkout_fulfils_a_top_up_once(world, stripe_api):
    a = world["A"]
    account(a.workspace)
    session = so.checkout_session("cs_back", a.workspace.pk, "cus_back", mode="payment", kind="topup", credits="100")
    stripe_api.upsert(responses.GET, f"{API}/v1/checkout/sessions/cs_back", json=session)
    client = signed_in(a.users["member"])
    url = f"/en/w/{a.workspace.slug}/billing/?checkout=success&session_id=cs_back"
    assert client.get(url).status_code == 302
    assert client.get(url).status_code == 302
    assert LedgerEntry.unscoped.filter(workspace=a.workspace, kind="purchase").count() == 1
    # a session of another workspace is never applied here
    other = so.checkout_session("cs_other", world["B"].workspace.pk, "cus_o", mode="payment", kind="topup", credits="9")
    stripe_api.upsert(responses.GET, f"{API}/v1/checkout/sessions/cs_other", json=other)
    client.get(f"/en/w/{a.workspace.slug}/billing/?checkout=success&session_id=cs_other")
    assert LedgerEntry.unscoped.filter(kind="purchase", reference="cs_other").count() == 0


def test_the_usage_page_draws_credits_by_module_as_inline_svg(world):
    a = world["A"]
    account(a.workspace, plan_credits=100)
    with charge(workspace=a.workspace, module="content"):
        pass
    with charge(workspace=a.workspace, module="magic_pages"):
        pass
    html = signed_in(a.users["viewer"]).get(f"/en/w/{a.workspace.slug}/usage/").content.decode()
    assert "<svg" in html and 'role="img"' in html and html.count("<rect") == 2
    assert "AI content" in html and "Magic pages" in html and "15" in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org/2000/svg", "")
    rtl = signed_in(a.users["viewer"]).get(f"/he/w/{a.workspace.slug}/usage/?days=7&module=content").content.decode()
    assert 'dir="rtl"' in rtl and "תוכן AI" in rtl and rtl.count("<rect") == 1
