"""dj-stripe's tables read with SQL (`billing.stripe_mirror`): what the web
process, which runs without dj-stripe's models, shows staff about a
workspace's Stripe state — and what it does in place of dj-stripe's
`on_delete` when a user is deleted."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client

from accounts.tests.factories import UserFactory, WorkspaceFactory
from billing import stripe_mirror
from billing.models import BillingAccount
from billing.tests import stripe_objects as so
from billing.tests.factories import account

pytestmark = pytest.mark.django_db

ADMIN = "/" + settings.ADMIN_URL
MAY = int(datetime(2026, 5, 10, tzinfo=UTC).timestamp())


def test_the_tables_and_columns_read_with_sql_are_dj_stripes():
    """An upgrade of dj-stripe that renames a table or a column fails here, not in production."""
    by_table = {model._meta.db_table: model for model in apps.get_app_config("djstripe").get_models()}
    for table, columns in stripe_mirror.TABLES.items():
        assert table in by_table, table
        existing = {field.column for field in by_table[table]._meta.concrete_fields}
        assert {*columns, "djstripe_id", "created"} <= existing, (table, set(columns) - existing)


def _stripe_rows(customer_id: str, *, subscriber=None) -> None:
    from djstripe.models import Charge, Customer, Invoice, Subscription

    Customer.objects.create(
        id=customer_id,
        subscriber=subscriber,
        stripe_data={**so.customer_object(customer_id, email="owner@example.com", name="Owner"), "delinquent": True},
    )
    sub = so.subscription("sub_mirror", customer_id, "past_due", "price_pro", start=MAY, cancel_at_period_end=True)
    Subscription.objects.create(id=sub["id"], customer_id=customer_id, stripe_data=sub)
    for number, (invoice_id, day) in enumerate((("in_old", 1), ("in_new", 20)), start=1):
        data = {
            **so.invoice(invoice_id, customer_id, "sub_mirror", "price_pro", start=MAY),
            "number": f"NX-000{number}",
            "currency": "usd",
            "total": 9700,
            "amount_paid": 9700 if invoice_id == "in_old" else 0,
            "status": "paid" if invoice_id == "in_old" else "open",
            "created": MAY + day * 86400,
        }
        Invoice.objects.create(
            id=invoice_id,
            customer_id=customer_id,
            stripe_data=data,
            created=datetime.fromtimestamp(data["created"], tz=UTC),
        )
    charge = so.charge_object("ch_mirror", customer_id, amount=4900, amount_refunded=1000, created=MAY)
    Charge.objects.create(
        id=charge["id"],
        customer_id=customer_id,
        amount=49,
        currency="usd",
        status="succeeded",
        stripe_data=charge,
        created=datetime.fromtimestamp(MAY, tz=UTC),
    )


def test_customer_records_read_one_customers_rows_newest_first():
    from djstripe.models import Customer

    _stripe_rows("cus_mirror")
    Customer.objects.create(id="cus_other", stripe_data=so.customer_object("cus_other"))
    records = stripe_mirror.customer_records("cus_mirror")
    assert records.customer["email"] == "owner@example.com"
    assert [s["id"] for s in records.subscriptions] == ["sub_mirror"]
    assert [i["id"] for i in records.invoices] == ["in_new", "in_old"]
    assert [c["id"] for c in records.charges] == ["ch_mirror"]
    assert stripe_mirror.customer_records("cus_other").customer["id"] == "cus_other"
    assert stripe_mirror.customer_records("cus_none").empty
    assert stripe_mirror.customer_records("").empty


def test_a_billing_accounts_admin_page_shows_its_stripe_state():
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True, personal_workspace=False))
    ws = WorkspaceFactory()
    acct = account(ws)
    page = staff.get(f"{ADMIN}billing/billingaccount/{acct.pk}/change/").content.decode()
    assert "No Stripe customer yet." in page

    BillingAccount.unscoped.filter(pk=acct.pk).update(
        stripe_customer_id="cus_mirror", stripe_subscription_id="sub_mirror"
    )
    page = staff.get(f"{ADMIN}billing/billingaccount/{acct.pk}/change/").content.decode()
    assert "dj-stripe holds no copy of this customer" in page  # known to us, not mirrored yet
    assert "https://dashboard.stripe.com/test/customers/cus_mirror" in page

    _stripe_rows("cus_mirror")
    page = staff.get(f"{ADMIN}billing/billingaccount/{acct.pk}/change/").content.decode()
    assert "dj-stripe holds no copy" not in page
    assert "owner@example.com" in page and "delinquent" in page
    assert "https://dashboard.stripe.com/test/subscriptions/sub_mirror" in page and "past_due" in page
    assert "NX-0001" in page and "NX-0002" in page and "$97.00" in page  # the invoices, with their totals
    assert "https://dashboard.stripe.com/test/invoices/in_new" in page
    assert "https://dashboard.stripe.com/test/payments/ch_mirror" in page and "$49.00" in page and "$10.00" in page


def test_the_dashboard_links_follow_the_mode(settings):
    settings.STRIPE_LIVE_MODE = True
    assert stripe_mirror.dashboard_url("customers", "cus_1") == "https://dashboard.stripe.com/customers/cus_1"
    settings.STRIPE_LIVE_MODE = False
    assert stripe_mirror.dashboard_url("customers", "cus_1") == "https://dashboard.stripe.com/test/customers/cus_1"


def test_detaching_a_deleted_users_stripe_customers_is_what_set_null_does():
    from djstripe.models import Customer

    user, other = UserFactory(), UserFactory()
    Customer.objects.create(id="cus_a", subscriber=user, stripe_data=so.customer_object("cus_a"))
    Customer.objects.create(id="cus_b", subscriber=other, stripe_data=so.customer_object("cus_b"))
    assert stripe_mirror.customers_detach_user(user.pk) == 1
    assert Customer.objects.get(id="cus_a").subscriber_id is None
    assert Customer.objects.get(id="cus_b").subscriber_id == other.pk


def test_payments_since_reads_the_created_column_on_either_database():
    _stripe_rows("cus_mirror")
    since = datetime(2026, 5, 10, tzinfo=UTC)
    assert [data["id"] for data, _created in stripe_mirror.charges_since(since)] == ["ch_mirror"]
    assert {data["id"] for data, _created in stripe_mirror.invoices_since(since)} == {"in_old", "in_new"}
    later = datetime(2026, 5, 15, tzinfo=UTC)
    assert [data["id"] for data, created in stripe_mirror.invoices_since(later)] == ["in_new"]
    assert all(created.tzinfo is not None for _data, created in stripe_mirror.invoices_since(since))
    assert list(stripe_mirror.charges_since(datetime.fromtimestamp(time.time() + 86400, tz=UTC))) == []
