"""nexusone.idempotency — the platform Idempotency-Key piece (T17), beyond
what the checkout API tests show: canonical bodies, leases, expiry, purge,
and concurrent first requests on PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from accounts.tests.factories import WorkspaceFactory
from nexusone.idempotency import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IdempotencyRecord,
    idempotency_claim,
    idempotency_complete,
    idempotency_purge,
    request_fingerprint,
)

pytestmark = pytest.mark.django_db


def _claim(ws, key="k", fingerprint="f" * 64, **kwargs):
    return idempotency_claim(workspace=ws, key=key, fingerprint=fingerprint, method="POST", path="/x", **kwargs)


def test_the_fingerprint_ignores_json_key_order_and_spacing_but_not_values():
    from rest_framework.parsers import JSONParser
    from rest_framework.request import Request

    factory = APIRequestFactory()

    def fp(body: str) -> str:
        request = Request(factory.post("/api/v1/x", body, content_type="application/json"), parsers=[JSONParser()])
        return request_fingerprint(request)

    assert fp('{"a": 1, "b": [1, 2]}') == fp('{"b":[1,2],"a":1}')
    assert fp('{"a": 1}') != fp('{"a": 2}')


def test_claim_replay_reuse_and_in_flight():
    ws = WorkspaceFactory()
    first = _claim(ws)
    assert first.replay is None
    with pytest.raises(IdempotencyInProgress):
        _claim(ws)
    with pytest.raises(IdempotencyKeyReused):
        _claim(ws, fingerprint="g" * 64)
    idempotency_complete(record=first.record, status=201, body={"id": 7})
    replay = _claim(ws).replay
    assert (replay.status_code, json.loads(replay.content), replay["Idempotent-Replayed"]) == (201, {"id": 7}, "true")
    assert replay.content == b'{"id":7}'  # the stored bytes, so a replay is byte-identical


def test_a_dead_workers_claim_is_taken_over_after_its_lease():
    ws = WorkspaceFactory()
    claim = _claim(ws, lease_seconds=1)
    IdempotencyRecord.unscoped.filter(pk=claim.record.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    again = _claim(ws)
    assert again.replay is None and again.record.pk == claim.record.pk


def test_expired_records_are_new_requests_and_get_purged():
    ws = WorkspaceFactory()
    claim = _claim(ws)
    idempotency_complete(record=claim.record, status=200, body={})
    IdempotencyRecord.unscoped.filter(pk=claim.record.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    fresh = _claim(ws, fingerprint="h" * 64)  # a different body is fine once the key expired
    assert fresh.replay is None
    IdempotencyRecord.unscoped.filter(pk=claim.record.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert idempotency_purge() == 1 and not IdempotencyRecord.unscoped.exists()


def test_keys_are_checked_for_length(world, stripe_on):
    response = (
        world["A"]
        .client("owner")
        .post("/api/v1/billing/topup", {"pack": "starter"}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "idempotency_key_invalid"
