"""T16 — Meta's webhook: handshake, signatures on the raw body, dedup,
monotonic statuses, refunds on failure, a burst acknowledged fast with
processing deferred and nothing lost."""

from __future__ import annotations

import json
import statistics
import time

import pytest
from django.test import Client

from whatsapp.models import Broadcast, Message, SendBatch, WebhookEvent
from whatsapp.services.broadcasts import broadcast_create
from whatsapp.tests.conftest import (
    APP_SECRET,
    VERIFY_TOKEN,
    balance,
    give_credits,
    inbound_payload,
    post_webhook,
    sign,
    status,
    status_payload,
)
from whatsapp.tests.factories import make_account

pytestmark = pytest.mark.django_db


def _sent_message(workspace, account, *, to="+14155552671", wamid="wamid.HBgLMTQxNTU1NTI2NzE=", batch=True):
    """A message the sender already handed to Meta (status sent), paid by a batch."""
    from nexusone.tenancy import workspace_scope
    from whatsapp import credits

    with workspace_scope(workspace):
        broadcast = Broadcast.objects.create(
            account=account, message={"type": "text", "text": {"body": "hi"}}, status=Broadcast.Status.SENDING,
            count_total=1, count_sent=1, unit_cost=5, credits_charged=5,
        )  # fmt: skip
        send_batch = SendBatch.objects.create(broadcast=broadcast, account=account, size=1) if batch else None
        if batch:
            credits.reserve_batches(workspace=workspace, user=None, batches=[send_batch], key_base=f"t:{broadcast.pk}")
        return Message.objects.create(
            account=account, broadcast=broadcast, batch=send_batch, to=to, wamid=wamid, status=Message.Status.SENT
        )


# --- handshake ----------------------------------------------------------------------------


def test_handshake_echoes_the_challenge_exactly():
    response = Client().get(
        "/webhooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
    ],
)
def test_handshake_refused(params):
    response = Client().get("/webhooks/whatsapp/", params)
    assert response.status_code == 403
    assert response.content == b""


def test_handshake_refused_when_no_verify_token_is_configured(settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""
    response = Client().get(
        "/webhooks/whatsapp/", {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )
    assert response.status_code == 403


# --- signatures -----------------------------------------------------------------------------


@pytest.fixture
def delivered_payload(world):
    account = make_account(world["A"].workspace)
    message = _sent_message(world["A"].workspace, account, batch=False)
    return account, message, status_payload(account.phone_number_id, [status(message.wamid, "delivered")])


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=abc", "garbage", sign(b"{}")],
    ids=["missing", "wrong", "other-algorithm", "malformed", "other-body"],
)
def test_bad_signatures_are_refused_and_store_nothing(delivered_payload, signature, run_commit_hooks):
    _account, message, payload = delivered_payload
    with run_commit_hooks():
        response = post_webhook(Client(), payload, signature=signature)
    assert response.status_code == 403
    assert WebhookEvent.unscoped.count() == 0
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_body_altered_after_signing_is_refused(delivered_payload, run_commit_hooks):
    _account, _message, payload = delivered_payload
    body = json.dumps(payload).encode()
    signature = sign(body)
    altered = body.replace(b'"delivered"', b'"read"     ')
    with run_commit_hooks():
        response = Client().post(
            "/webhooks/whatsapp/", data=altered, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
        )
    assert response.status_code == 403
    assert WebhookEvent.unscoped.count() == 0


def test_no_app_secret_configured_refuses_everything(delivered_payload, settings):
    settings.WHATSAPP_APP_SECRET = ""
    _account, _message, payload = delivered_payload
    assert post_webhook(Client(), payload, secret="").status_code == 403


def test_a_payload_with_emoji_verifies_on_its_exact_bytes(world, run_commit_hooks):
    account = make_account(world["A"].workspace)
    payload = inbound_payload(
        account.phone_number_id, sender="14155552671", text="Hola 👋🏽 ¿precio? مرحبا שלום", wamid="wamid.emoji1"
    )
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")  # raw UTF-8, as a proxy might pass it on
    with run_commit_hooks():
        response = Client().post(
            "/webhooks/whatsapp/", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(body)
        )
    assert response.status_code == 200
    escaped = json.dumps(payload).encode()  # Meta's own \\uXXXX escaping: also its exact bytes
    with run_commit_hooks():
        assert post_webhook(Client(), escaped).status_code == 200
    inbound = Message.unscoped.get(wamid="wamid.emoji1")
    assert inbound.body == "Hola 👋🏽 ¿precio? مرحبا שלום"


# --- statuses ------------------------------------------------------------------------------------


def test_the_same_status_three_times_is_one_transition(delivered_payload, run_commit_hooks):
    _account, message, payload = delivered_payload
    for _ in range(3):
        with run_commit_hooks():
            assert post_webhook(Client(), payload).status_code == 200
    assert WebhookEvent.unscoped.filter(kind="status").count() == 1
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    broadcast = Broadcast.unscoped.get(pk=message.broadcast_id)
    assert (broadcast.count_sent, broadcast.count_delivered) == (0, 1)


def test_statuses_out_of_order_end_at_read(world, run_commit_hooks):
    account = make_account(world["A"].workspace)
    message = _sent_message(world["A"].workspace, account, batch=False)
    for value, ts in (("read", 1750857390), ("delivered", 1750857385), ("sent", 1750857384)):
        with run_commit_hooks():
            post_webhook(Client(), status_payload(account.phone_number_id, [status(message.wamid, value, ts=ts)]))
    message.refresh_from_db()
    assert message.status == Message.Status.READ
    assert message.read_at is not None and message.delivered_at is not None
    broadcast = Broadcast.unscoped.get(pk=message.broadcast_id)
    assert broadcast.counters()["read"] == 1 and broadcast.count_sent == 0 and broadcast.count_delivered == 0


def test_a_failed_status_refunds_the_message_once(world, run_commit_hooks):
    workspace = world["A"].workspace
    give_credits(workspace, 100)
    account = make_account(workspace)
    message = _sent_message(workspace, account)
    after_charge = balance(workspace)
    failed = status(
        message.wamid, "failed",
        errors=[{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
                 "error_data": {"details": "Message Undeliverable."}}],
    )  # fmt: skip
    for _ in range(3):  # duplicates, plus a second failure report under another key
        with run_commit_hooks():
            post_webhook(Client(), status_payload(account.phone_number_id, [failed]))
    with run_commit_hooks():
        post_webhook(Client(), status_payload(account.phone_number_id, [status(message.wamid, "delivered")]))
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED  # terminal: a late delivered does not revive it
    assert (message.error_code, message.error_reason) == ("131026", "invalid_recipient")
    assert message.refund_state == Message.RefundState.REFUNDED
    assert balance(workspace) == after_charge + 5
    from billing.models import LedgerEntry

    assert LedgerEntry.unscoped.filter(workspace=workspace, kind="refund").count() == 1


def test_unknown_phone_number_id_is_stored_but_ignored(run_commit_hooks):
    with run_commit_hooks():
        response = post_webhook(Client(), status_payload("999", [status("wamid.x", "delivered")]))
    assert response.status_code == 200
    event = WebhookEvent.unscoped.get()
    assert event.workspace_id is None and event.outcome == "unknown_number" and event.processed_at is not None


def test_invalid_json_with_a_valid_signature_is_a_400():
    body = b"{not json"
    response = Client().post(
        "/webhooks/whatsapp/", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(body)
    )
    assert response.status_code == 400


def test_a_burst_of_1000_is_acknowledged_fast_and_all_processed(world, django_capture_on_commit_callbacks):
    """1,000 status notifications in 200 signed deliveries of 5 (Meta batches
    statuses). Acks are measured with processing deferred (the on-commit task
    publications held back, as a busy broker would), then the held tasks run:
    every notification is processed, none lost."""
    workspace = world["A"].workspace
    account = make_account(workspace)
    from nexusone.tenancy import workspace_scope

    with workspace_scope(workspace):
        messages = Message.objects.bulk_create(
            [Message(workspace=workspace, account=account, to=f"+1415555{i:04d}", wamid=f"wamid.burst.{i}",
                     status="sent") for i in range(1000)]
        )  # fmt: skip
    client = Client()
    client.get("/webhooks/whatsapp/")  # warm the URLconf and middleware imports
    latencies = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for start in range(0, 1000, 5):
            rows = [status(m.wamid, "delivered") for m in messages[start : start + 5]]
            body = json.dumps(status_payload(account.phone_number_id, rows)).encode()
            started = time.perf_counter()
            response = client.post("/webhooks/whatsapp/", data=body, content_type="application/json",
                                   HTTP_X_HUB_SIGNATURE_256=sign(body))  # fmt: skip
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200
    p95 = statistics.quantiles(latencies, n=20)[18]
    assert p95 < 0.2, f"p95 ack latency {p95 * 1000:.1f} ms"
    assert Message.unscoped.filter(status="delivered").count() == 0  # nothing processed inline
    assert WebhookEvent.unscoped.filter(processed_at__isnull=True).count() == 1000
    assert len(callbacks) == 200
    for callback in callbacks:  # the broker delivers the tasks
        callback()
    assert Message.unscoped.filter(status="delivered").count() == 1000
    assert WebhookEvent.unscoped.filter(processed_at__isnull=True).count() == 0


def test_signature_helper_rejects_uppercase_prefix_tricks():
    from nexusone.graph_webhooks import signature_valid

    body = b'{"a":1}'
    good = sign(body)
    assert signature_valid(body, good, APP_SECRET)
    assert signature_valid(body, good.upper().replace("SHA256=", "sha256="), APP_SECRET)  # hex case is irrelevant
    assert not signature_valid(body, good[:-1], APP_SECRET)
    assert not signature_valid(body, good, "another-secret")


def test_a_status_that_races_its_send_matches_by_callback_data(world, run_commit_hooks):
    """Meta can report `sent` before the sender stored the wamid: the
    `biz_opaque_callback_data` echo ("nx:<id>") finds the message."""
    account = make_account(world["A"].workspace)
    message = _sent_message(world["A"].workspace, account, wamid="", batch=False)
    Message.unscoped.filter(pk=message.pk).update(status=Message.Status.SENDING)
    row = status("wamid.racing", "delivered", biz_opaque_callback_data=f"nx:{message.pk}")
    with run_commit_hooks():
        post_webhook(Client(), status_payload(account.phone_number_id, [row]))
    message.refresh_from_db()
    assert (message.status, message.wamid) == (Message.Status.DELIVERED, "wamid.racing")


def test_broadcast_created_by_service_gets_statuses_from_the_sandbox(world, run_commit_hooks):
    """The sandbox reports through the same webhook processing (signed path aside)."""
    from nexusone.tenancy import workspace_scope

    workspace = world["A"].workspace
    give_credits(workspace, 100)
    account = make_account(workspace)
    with workspace_scope(workspace), run_commit_hooks():
        created = broadcast_create(
            workspace=workspace, user=world["A"].users["member"], account=account,
            message={"type": "text", "text": {"body": "hi"}}, recipients=["+14155552671", "+14155550000"],
        )  # fmt: skip
    broadcast = Broadcast.unscoped.get(pk=created.broadcast.pk)
    assert broadcast.counters()["delivered"] == 1 and broadcast.counters()["failed"] == 1
    assert WebhookEvent.unscoped.filter(kind="status").count() == 3  # sent + delivered, failed


def test_events_stored_while_the_broker_is_down_are_processed_by_the_relay(
    world, django_capture_on_commit_callbacks, monkeypatch, time_machine
):
    """T18 for webhooks: the event rows are the outbox."""
    from datetime import timedelta

    from celery.app.task import Task
    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from whatsapp.tasks import whatsapp_tick

    account = make_account(world["A"].workspace)
    message = _sent_message(world["A"].workspace, account, batch=False)

    def broker_down(self, *args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(Task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(Client(), status_payload(account.phone_number_id, [status(message.wamid, "read")]))
    assert response.status_code == 200  # Meta gets its 200: the event is safe in the table
    assert WebhookEvent.unscoped.filter(processed_at__isnull=True).count() == 1
    monkeypatch.undo()
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        whatsapp_tick.delay()
    message.refresh_from_db()
    assert message.status == Message.Status.READ
    assert WebhookEvent.unscoped.get().outcome == "applied"
