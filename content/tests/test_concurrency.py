"""T17 under real concurrency (PostgreSQL): ten simultaneous requests with one
Idempotency-Key run the provider once, create one row and charge once; the
others get 409 (still running) or the replay."""

from __future__ import annotations

import contextvars
import threading
import time

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from content.gateway import use_provider
from content.gateway.offline import OfflineProvider
from content.models import Generation
from content.tests.conftest import balance, ledger_kinds

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locks and concurrent connections"),
]


class SlowOffline(OfflineProvider):
    def __init__(self):
        self.calls = 0
        self.lock = threading.Lock()

    def complete(self, request):
        with self.lock:
            self.calls += 1
        time.sleep(0.4)
        return super().complete(request)


def test_ten_concurrent_requests_with_one_key_generate_and_charge_once(world):
    a = world["A"]
    member = a.users["member"]
    start = balance(a.workspace)
    provider = SlowOffline()
    barrier = threading.Barrier(10)
    results: list[int] = []

    def call():
        try:
            client = APIClient()
            client.force_authenticate(member)
            barrier.wait()
            response = client.post(
                "/api/v1/content/generate",
                {"prompt": "Flash sale", "type": "text", "language": "en"},
                format="json",
                HTTP_X_WORKSPACE=str(a.workspace.pk),
                HTTP_IDEMPOTENCY_KEY="same-key",
            )
            results.append(response.status_code)
        finally:
            connections.close_all()

    with use_provider(provider):
        threads = [threading.Thread(target=contextvars.copy_context().run, args=(call,)) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(set(results)) <= [201, 409] and results.count(201) >= 1, results
    assert provider.calls == 1
    assert Generation.unscoped.filter(workspace=a.workspace).count() == 1
    assert ledger_kinds(a.workspace, "content") == ["debit"] and balance(a.workspace) == start - 5
