"""Issue 16 item 9: a client retry while its first request is still working
never runs the work twice, whatever happens to the Idempotency-Key claim.

- The claim's lease outlives the longest provider call (timeout × attempts).
- Even if the claim is taken over (a lease that ran out anyway), the charge
  door answers "in progress" for a charge still reserved: no second provider
  call, no second debit, and the first request's answer is what replays."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from content.gateway import use_provider
from content.models import Generation
from content.tests.conftest import balance, ledger_kinds, ok, top_up
from nexusone.idempotency import IdempotencyInProgress, IdempotencyRecord, idempotency_claim

pytestmark = pytest.mark.django_db

URL = "/api/v1/content/generate"
BODY = {"prompt": "Spring sale on handmade candles", "type": "marketing_copy", "language": "en", "tone": "persuasive",
        "length": "short"}  # fmt: skip


def test_the_lease_outlives_the_longest_provider_call(world):
    longest = settings.OPENAI_TIMEOUT_SECONDS * (settings.OPENAI_MAX_RETRIES + 1)
    assert longest < settings.IDEMPOTENCY_LEASE_SECONDS
    claim = idempotency_claim(workspace=world["A"].workspace, key="slow", fingerprint="f", method="POST", path="/x")
    assert claim.replay is None
    later = timezone.now() + timedelta(seconds=longest)
    # still the first request's claim: no second execution
    with time_machine.travel(later, tick=False), pytest.raises(IdempotencyInProgress):
        idempotency_claim(workspace=world["A"].workspace, key="slow", fingerprint="f", method="POST", path="/x")


def test_a_retry_during_the_work_is_told_in_progress_and_charges_nothing(world, openai_double):
    a = world["A"]
    top_up(a.workspace, 100)
    start = balance(a.workspace)
    client = a.client("member")
    retries, calls = [], []

    def retry_while_working(request):
        calls.append(request)
        if len(calls) > 1:  # the retry's own provider call (only if it wrongly got this far)
            return ok("Candles, lit twice.")
        # The client gives up waiting and retries with the same key; make the
        # first claim's lease look expired so the retry gets past the claim.
        IdempotencyRecord.unscoped.filter(workspace=a.workspace, key="k-1").update(
            locked_until=timezone.now() - timedelta(seconds=1)
        )
        retries.append(client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1"))
        return ok("Candles, lit.")

    double = openai_double([retry_while_working])
    with use_provider(double.provider()):
        first = client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    (retry,) = retries
    assert retry.status_code == 409 and retry.json()["error"]["code"] == "charge_in_progress"
    assert len(double.requests) == 1  # the provider was called once
    assert Generation.unscoped.filter(workspace=a.workspace).count() == 1
    assert ledger_kinds(a.workspace, "content") == ["debit"] and balance(a.workspace) == start - 5
    # the first request's answer is the one stored for the key
    with use_provider(openai_double([ok("never")]).provider()):
        replay = client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
