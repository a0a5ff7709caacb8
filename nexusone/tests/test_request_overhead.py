"""Guard rails on what every API request costs (issue 19, point 1): the auth
guard, the plan rate and the throttle together make ONE Redis round trip, and
a list's SQL does not grow with its page. If one of these fails, something
added per-request work: measure it with `bench/api_lists.py` before raising a
number here."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import redis.connection
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey
from crm.models import Contact
from nexusone.api.authentication import hash_api_key

pytestmark = pytest.mark.skipif(
    not isinstance(caches["default"], RedisCache), reason="counts Redis round trips (the suite's CI cache is Redis)"
)


@pytest.fixture(autouse=True)
def billing_catalogue(db):
    from billing.services import plans_ensure_defaults

    plans_ensure_defaults()


@pytest.fixture
def key_client(world) -> APIClient:
    from billing.tests.factories import paid_features

    workspace = world["A"].workspace
    paid_features(workspace)  # SPEC: API keys need pro or premium
    prefix, secret = ApiKey.generate_secret()
    ApiKey.unscoped.create(
        workspace=workspace,
        name="bench",
        prefix=prefix,
        key_hash=hash_api_key(secret),
        created_by=workspace.owner,
        last_used_at=timezone.now(),  # not due for its once-a-minute "last used" write
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


@contextmanager
def redis_round_trips(monkeypatch):
    """Counts packets sent to Redis: a pipeline is one."""
    sent: list[bytes] = []
    original = redis.connection.Connection.send_packed_command

    def spy(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", spy)
    try:
        yield sent
    finally:
        monkeypatch.setattr(redis.connection.Connection, "send_packed_command", original)


def _measure(client, url, monkeypatch) -> tuple[int, int, int]:
    with redis_round_trips(monkeypatch) as sent, CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(sent), len(queries), response


@pytest.mark.parametrize(("size", "page_queries"), [(1, 1), (60, 1), (150, 2)])
def test_a_contact_list_request_is_one_redis_round_trip_and_few_queries(
    world, key_client, monkeypatch, size, page_queries
):
    Contact.unscoped.bulk_create(
        [Contact(workspace=world["A"].workspace, email=f"c{i}@example.com") for i in range(size)]
    )
    key_client.get("/api/v1/crm/contacts/")  # warm: the plan's rate is now cached in process
    round_trips, queries, response = _measure(key_client, "/api/v1/crm/contacts/?page_size=100", monkeypatch)
    assert len(response.json()["results"]) == min(size, 100) and response.json()["count"] == size
    # the key with its workspace, creator and the creator's role; the page; and the count only
    # when the list is longer than the page (a page holding the whole list is its own count).
    assert (round_trips, queries) == (1, 1 + page_queries)


def test_the_first_request_of_a_process_reads_the_plan_rate_once(world, key_client, monkeypatch):
    from billing.selectors import billing_account_get

    billing_account_get(workspace=world["A"].workspace)  # opened (a write) before we count
    round_trips, queries, _response = _measure(key_client, "/api/v1/billing/credits", monkeypatch)
    # + the plan's rate (in process afterwards); then the account's summary and the ledger page.
    assert (round_trips, queries) == (1, 4)
    round_trips, queries, _response = _measure(key_client, "/api/v1/billing/credits", monkeypatch)
    assert (round_trips, queries) == (1, 3)


def test_a_credits_call_reads_the_account_and_its_plan_in_one_statement(world, key_client, monkeypatch):
    from billing.services import credits_adjust

    credits_adjust(workspace=world["A"].workspace, amount=40, bucket="purchased", reason="t", actor=None)
    key_client.get("/api/v1/billing/credits")  # warm: the plan's rate is now cached in process
    round_trips, queries, response = _measure(key_client, "/api/v1/billing/credits", monkeypatch)
    # the key; the account's summary with its plan's key (one plain statement); the ledger page.
    assert (round_trips, queries) == (1, 3)
    body = response.json()
    assert body["balance"] == body["plan_credits"] + body["purchased_credits"] and body["purchased_credits"] == 40
    assert body["transactions"][0]["balance_after"] == body["balance"]


def test_every_request_still_counts_against_the_plan_rate(world, key_client):
    from billing.models import Plan

    Plan.objects.filter(accounts__workspace=world["A"].workspace).update(api_requests_per_minute=3)
    codes = [key_client.get("/api/v1/crm/contacts/").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_the_window_counter_expires(world):
    from nexusone.api.throttles import count_hit

    backend = caches["default"]
    assert [count_hit("throttle:probe", 30) for _ in range(3)] == [1, 2, 3]
    key = backend.make_and_validate_key("throttle:probe")
    client = backend._cache.get_client(key)
    assert 0 < client.ttl(key) <= 30
    assert backend.get("throttle:probe") == 3  # the cache API reads what the pipeline wrote
