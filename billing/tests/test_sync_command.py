"""`manage.py billing_sync_stripe` against a Stripe double (responses)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

import pytest
import responses
from django.core.management import CommandError, call_command

from billing.models import CreditPack, Plan
from billing.tests import stripe_objects
from billing.tests.conftest import API

pytestmark = pytest.mark.django_db


class StripeDouble:
    """Products and prices kept in memory, answering the SDK's form posts
    with whole Stripe objects (`stripe_objects.product_object` / `.price_object`, shaped
    like Stripe's published OpenAPI fixtures)."""

    def __init__(self, mock):
        self.products, self.prices, self.created = {}, {}, 0
        mock.add_callback(responses.GET, re.compile(rf"{API}/v1/products/[\w-]+"), self.get_product)
        mock.add_callback(responses.POST, f"{API}/v1/products", self.create_product)
        mock.add_callback(responses.GET, re.compile(rf"{API}/v1/prices(\?.*)?$"), self.list_prices)
        mock.add_callback(responses.POST, f"{API}/v1/prices", self.create_price)
        mock.add_callback(responses.POST, re.compile(rf"{API}/v1/prices/\w+"), self.update_price)
        # dj-stripe looks up the account owning the key before mirroring objects
        account = {"id": "acct_test", "object": "account", "settings": {}, "business_profile": {}}
        mock.add(responses.GET, "https://api.stripe.com/v1/account", json=account)
        mock.add(responses.GET, f"{API}/v1/account", json=account)
        # …and reads each product's entitlement features through the SDK's global host
        empty = {"object": "list", "data": [], "has_more": False}
        mock.add(responses.GET, re.compile(r"https://api\.stripe\.com/v1/products/[\w-]+/features"), json=empty)

    def get_product(self, request):
        product_id = request.url.rsplit("/", 1)[-1].split("?")[0]
        if product_id in self.products:
            return 200, {}, json.dumps(self.products[product_id])
        return 404, {}, json.dumps({"error": {"type": "invalid_request_error", "message": "No such product"}})

    def create_product(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        metadata = {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")}
        product = stripe_objects.product_object(form["id"], form["name"], metadata=metadata)
        self.products[product["id"]] = product
        return 200, {}, json.dumps(product)

    def list_prices(self, request):
        key = parse_qs(request.url.split("?", 1)[1])["lookup_keys[0]"][0]
        found = [p for p in self.prices.values() if p["lookup_key"] == key and p["active"]]
        return 200, {}, json.dumps({"object": "list", "data": found, "has_more": False})

    def create_price(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        self.created += 1
        for price in self.prices.values():  # transfer_lookup_key
            if price["lookup_key"] == form["lookup_key"]:
                price["lookup_key"] = None
        price = stripe_objects.price_object(
            f"price_{self.created}",
            form["product"],
            unit_amount=int(form["unit_amount"]),
            currency=form["currency"],
            recurring="recurring[interval]" in form,
            lookup_key=form["lookup_key"],
            nickname=form.get("nickname"),
        )
        self.prices[price["id"]] = price
        return 200, {}, json.dumps(price)

    def update_price(self, request):
        price = self.prices[request.url.rsplit("/", 1)[-1]]
        price["active"] = parse_qs(request.body)["active"][0] == "true"
        return 200, {}, json.dumps(price)


def test_sync_creates_products_and_prices_and_links_them_idempotently(stripe_api):
    double = StripeDouble(stripe_api)
    call_command("billing_sync_stripe", verbosity=0)
    pro = Plan.objects.get(key="pro")
    assert pro.stripe_price_id and double.prices[pro.stripe_price_id]["unit_amount"] == 9700
    assert double.prices[pro.stripe_price_id]["recurring"]["interval"] == "month"
    assert Plan.objects.get(key="free").stripe_price_id is None
    assert all(pack.stripe_price_id for pack in CreditPack.objects.all())
    assert "nexusone_plan_pro" in double.products
    created = double.created
    call_command("billing_sync_stripe", verbosity=0)
    assert double.created == created  # nothing changed, nothing created
    Plan.objects.filter(key="pro").update(price="99.00")
    call_command("billing_sync_stripe", verbosity=0)
    new_price = Plan.objects.get(key="pro").stripe_price_id
    assert new_price != pro.stripe_price_id and double.prices[new_price]["unit_amount"] == 9900
    assert double.prices[pro.stripe_price_id]["active"] is False  # the old price is archived


def test_sync_without_a_key_says_so(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(CommandError):
        call_command("billing_sync_stripe", verbosity=0)


def test_synced_plans_can_be_bought_end_to_end(world, stripe_api, client, django_capture_on_commit_callbacks):
    """billing_sync_stripe against whole Stripe objects, then checkout, the
    signed webhooks that follow it, and the portal (issue 16, point 1)."""
    from billing.models import BillingAccount
    from billing.tests.conftest import deliver

    double = StripeDouble(stripe_api)
    call_command("billing_sync_stripe", verbosity=0)
    pro_price = Plan.objects.get(key="pro").stripe_price_id
    assert double.prices[pro_price]["unit_amount_decimal"] == "9700"
    customer = stripe_objects.customer_object("cus_e2e", email=world["A"].users["owner"].email)
    stripe_api.add(responses.POST, f"{API}/v1/customers", json=customer)
    session = stripe_objects.checkout_session(
        "cs_e2e", world["A"].workspace.pk, "cus_e2e", mode="subscription", paid=False, kind="subscription"
    )
    sessions = stripe_api.add(responses.POST, f"{API}/v1/checkout/sessions", json=session)
    owner = world["A"].client("owner")
    started = owner.post("/api/v1/billing/checkout", {"plan": "pro"}, format="json", HTTP_IDEMPOTENCY_KEY="e2e")
    assert started.status_code == 200, started.content
    assert started.json() == {"url": session["url"]}
    assert pro_price in sessions.calls[0].request.body

    subscription = stripe_objects.subscription(
        "sub_e2e", "cus_e2e", "active", pro_price, metadata={"workspace_id": str(world["A"].workspace.pk)}
    )
    stripe_api.add(responses.GET, f"{API}/v1/subscriptions/sub_e2e", json=subscription)
    paid = stripe_objects.checkout_session(
        "cs_e2e", world["A"].workspace.pk, "cus_e2e", mode="subscription", subscription="sub_e2e", kind="subscription"
    )
    invoice = stripe_objects.invoice("in_e2e", "cus_e2e", "sub_e2e", pro_price)
    for event in (
        stripe_objects.event("checkout.session.completed", paid),
        stripe_objects.event("customer.subscription.created", subscription),
        stripe_objects.event("invoice.paid", invoice),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(client, event).status_code == 200
    account = BillingAccount.unscoped.get(workspace=world["A"].workspace)
    assert (account.plan.key, account.plan_credits, account.stripe_subscription_id) == ("pro", 500, "sub_e2e")

    portal = {"id": "bps_e2e", "object": "billing_portal.session", "customer": "cus_e2e",
              "url": "https://billing.stripe.test/p/session/e2e", "livemode": False}  # fmt: skip
    stripe_api.add(responses.POST, f"{API}/v1/billing_portal/sessions", json=portal)
    opened = owner.get("/api/v1/billing/portal")
    assert opened.status_code == 200 and opened.json() == {"url": portal["url"]}
