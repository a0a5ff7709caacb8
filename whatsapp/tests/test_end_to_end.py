"""The issue's "done when": a broadcast to a CRM segment goes out through the
real Cloud API client against an HTTP double, its statuses come back through
signed webhooks, and the counters and the credits add up to the message."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from billing.models import Charge, LedgerEntry
from nexusone.tenancy import workspace_scope
from whatsapp.models import Broadcast, Message
from whatsapp.tasks import workspace_maintenance_task
from whatsapp.tests.conftest import TOKEN, balance, give_credits, post_webhook, status, status_payload
from whatsapp.tests.factories import make_account

pytestmark = pytest.mark.django_db


def test_segment_broadcast_through_the_cloud_api_and_signed_webhooks(world, cloud_api, run_commit_hooks):
    from crm.models import Contact
    from crm.services import segment_create

    tenant = world["A"]
    give_credits(tenant.workspace, 1000)
    account = make_account(tenant.workspace, access_token=TOKEN)
    phones = [f"+1415555{i:04d}" for i in range(2671, 2677)]  # six customers
    with workspace_scope(tenant.workspace):
        for index, phone in enumerate(phones):
            Contact.objects.create(first_name=f"C{index}", phone=phone, whatsapp_opt_in=True, tags=["spring"])
        Contact.objects.create(first_name="No consent", phone="+14155552699", tags=["spring"])
        segment = segment_create(workspace=tenant.workspace, name="Spring buyers", definition={"tags_any": ["spring"]})
    before = balance(tenant.workspace)

    template = {"type": "template", "template": {"name": "order_update", "language": {"code": "en_US"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]}}  # fmt: skip
    with run_commit_hooks():
        created = tenant.client("member").post(
            "/api/v1/whatsapp/broadcasts/",
            {"whatsapp_account_id": account.pk, "message": template, "segment_id": segment.pk},
            format="json",
            HTTP_IDEMPOTENCY_KEY="spring-2026",
        )
    assert created.status_code == 201, created.content
    broadcast_id = created.json()["id"]
    assert created.json()["counters"]["total"] == 6 and created.json()["counters"]["opted_out"] == 1
    assert balance(tenant.workspace) == before - 30  # charged once, at creation

    # The real client spoke Meta's wire format to the double.
    assert sorted(cloud_api.sent_to()) == sorted(p.lstrip("+") for p in phones)
    first = cloud_api.sent[0]
    assert first["type"] == "template" and first["template"]["name"] == "order_update"
    assert first["biz_opaque_callback_data"].startswith("nx:")

    # Meta reports back through signed webhooks: sent+delivered for four, read for two of them,
    # failed for two (one before and one after "sent").
    messages = list(Message.unscoped.filter(broadcast_id=broadcast_id).order_by("to"))
    webhook_rows = []
    for message in messages[:4]:
        webhook_rows += [status(message.wamid, "sent"), status(message.wamid, "delivered")]
    webhook_rows += [status(messages[0].wamid, "read"), status(messages[1].wamid, "read")]
    undeliverable = {"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
                     "error_data": {"details": "Message Undeliverable."}}  # fmt: skip
    webhook_rows += [status(messages[4].wamid, "sent"), status(messages[4].wamid, "failed", errors=[undeliverable])]
    webhook_rows += [status(messages[5].wamid, "failed", errors=[undeliverable])]
    client = Client()
    for row in webhook_rows:
        body = json.dumps(status_payload(account.phone_number_id, [row])).encode()
        with run_commit_hooks():
            assert post_webhook(client, body).status_code == 200
        with run_commit_hooks():
            assert post_webhook(client, body).status_code == 200  # Meta retries: no double effect

    broadcast = Broadcast.unscoped.get(pk=broadcast_id)
    counters = broadcast.counters()
    assert (counters["read"], counters["delivered"], counters["failed"], counters["queued"], counters["sent"]) == (
        2, 2, 2, 0, 0)  # fmt: skip
    assert sum(counters[k] for k in ("queued", "sent", "delivered", "read", "failed", "cancelled")) == 6
    assert broadcast.status == Broadcast.Status.COMPLETED

    # The two failures were refunded once; the beat settles (commits) the rest.
    with run_commit_hooks():
        workspace_maintenance_task.delay(workspace_id=tenant.workspace.pk)
    broadcast.refresh_from_db()
    assert (broadcast.credits_charged, broadcast.credits_refunded) == (30, 10)
    assert balance(tenant.workspace) == before - 20  # 4 delivered messages × 5 credits
    charges = Charge.unscoped.filter(workspace=tenant.workspace, module="whatsapp_bot")
    assert sum(c.credits - c.refunded_credits for c in charges.filter(status=Charge.Status.COMMITTED)) == 20
    assert not charges.filter(status=Charge.Status.RESERVED).exists()
    ledger = LedgerEntry.unscoped.filter(workspace=tenant.workspace, module="whatsapp_bot")
    assert -sum(entry.amount for entry in ledger) == 20
    listed = tenant.client("viewer").get(f"/api/v1/whatsapp/broadcasts/{broadcast_id}/messages/").json()["results"]
    assert {m["status"] for m in listed} == {"read", "delivered", "failed"}
    assert all(m["error"]["reason"] == "invalid_recipient" for m in listed if m["status"] == "failed")
