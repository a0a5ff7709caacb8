"""dj-stripe's copy of Stripe objects, read with SQL.

The web process runs without dj-stripe installed (its models import the
Stripe SDK and build ~80 model classes: a third of a web worker's boot;
issue 19, docs/architecture.md "Cold start"), while migrations, the worker,
beat, management commands and the tests keep it — so its tables exist and
`manage.py billing_sync_stripe` (and dj-stripe's own sync commands) fill them.
What the web serves from them (the staff revenue page, a billing account's
Stripe panel in the admin) reads the tables here, through the `stripe_data`
column dj-stripe keeps every object in, as Stripe sent it.

`billing/tests/test_stripe_mirror.py` checks the table and column names below
against dj-stripe's models, so an upgrade that renames one fails a test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.dateparse import parse_datetime

# table → the columns read here (every one of them also holds `id` and `stripe_data`)
TABLES = {
    "djstripe_customer": ("id", "stripe_data", "subscriber_id"),
    "djstripe_subscription": ("id", "stripe_data", "customer_id", "created"),
    "djstripe_invoice": ("id", "stripe_data", "customer_id", "created"),
    "djstripe_charge": ("id", "stripe_data", "customer_id", "created"),
}
CHUNK = 500


def _data(value: Any) -> dict:
    """`stripe_data` as a dict (PostgreSQL's jsonb and SQLite's text both arrive as a string)."""
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def when(value: Any) -> datetime | None:
    """A Stripe timestamp (seconds) or a datetime column's value (naive = UTC) as an aware datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return None
        value = parsed
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(int(value), tz=UTC)


def _rows(sql: str, params: list | tuple = ()) -> Iterator[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            yield from chunk


def subscriptions() -> Iterator[dict]:
    """Every stored subscription's `stripe_data`."""
    for (data,) in _rows("SELECT stripe_data FROM djstripe_subscription ORDER BY djstripe_id"):
        yield _data(data)


def _since(table: str, since: datetime) -> Iterator[tuple[dict, datetime | None]]:
    sql = f"SELECT stripe_data, created FROM {table} WHERE created >= %s ORDER BY djstripe_id"  # noqa: S608 (a constant)
    for data, created in _rows(sql, [connection.ops.adapt_datetimefield_value(since)]):
        yield _data(data), when(created)


def charges_since(since: datetime) -> Iterator[tuple[dict, datetime | None]]:
    """(`stripe_data`, `created`) of the charges created at or after `since`."""
    return _since("djstripe_charge", since)


def invoices_since(since: datetime) -> Iterator[tuple[dict, datetime | None]]:
    """(`stripe_data`, `created`) of the invoices created at or after `since`."""
    return _since("djstripe_invoice", since)


# --- one customer (the billing account's admin page) -------------------------------------------------


@dataclass
class CustomerRecords:
    """What dj-stripe holds about one Stripe customer: its own object and its
    subscriptions, latest invoices and charges (newest first)."""

    customer: dict = field(default_factory=dict)
    subscriptions: list[dict] = field(default_factory=list)
    invoices: list[dict] = field(default_factory=list)
    charges: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.customer or self.subscriptions or self.invoices or self.charges)


def customer_records(customer_id: str, *, limit: int = 10) -> CustomerRecords:
    records = CustomerRecords()
    if not customer_id:
        return records
    for (data,) in _rows("SELECT stripe_data FROM djstripe_customer WHERE id = %s", [customer_id]):
        records.customer = _data(data)
    for table, target in (
        ("djstripe_subscription", records.subscriptions),
        ("djstripe_invoice", records.invoices),
        ("djstripe_charge", records.charges),
    ):
        sql = (
            f"SELECT stripe_data FROM {table} WHERE customer_id = %s "  # noqa: S608 (constants)
            f"ORDER BY created DESC, djstripe_id DESC LIMIT {int(limit)}"
        )
        target.extend(_data(data) for (data,) in _rows(sql, [customer_id]))
    return records


def dashboard_url(path: str, object_id: str) -> str:
    """The object's page in Stripe's dashboard (`path`: customers, subscriptions, invoices, payments, prices)."""
    mode = "" if getattr(settings, "STRIPE_LIVE_MODE", False) else "test/"
    return f"https://dashboard.stripe.com/{mode}{path}/{object_id}"


def customers_detach_user(user_id: int) -> int:
    """What `on_delete=SET_NULL` on dj-stripe's `Customer.subscriber` does, for
    a process without dj-stripe's models (the web process): a user deleted in
    the admin leaves the Stripe customer row without a subscriber, instead of
    failing the foreign key. Returns the rows changed."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE djstripe_customer SET subscriber_id = NULL WHERE subscriber_id = %s", [user_id])
        return cursor.rowcount
