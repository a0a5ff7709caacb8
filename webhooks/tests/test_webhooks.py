"""Outgoing webhooks: secrets, Standard Webhooks signatures (checked by the
independent `standardwebhooks` library), retries, the outbox after a dead
worker, SSRF refusals, disabling."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from billing.tests.factories import paid_features
from crm.services import contact_create
from nexusone.tenancy import workspace_scope
from nexusone.tests.httpstub import StubServer, reply
from webhooks import services
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.DEBUG = False
    settings.OUTBOUND_ALLOW_CIDRS = ["127.0.0.0/8"]
    answers: list[int] = []

    def handle(handler):
        code = answers.pop(0) if answers else 200
        if code == 0:  # never answer in time
            time.sleep(1.5)
            code = 200
        reply(handler, code, b'{"ok": true}')

    stub = StubServer(routes={"/hook": handle}).start()
    stub.answers = answers
    yield stub
    stub.stop()


def _endpoint(tenant, url, events=("contact.created",)):
    paid_features(tenant.workspace)  # SPEC: webhooks need pro or premium
    response = tenant.client("admin").post(
        "/api/v1/webhook-endpoints/", {"url": url, "events": list(events)}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def _verify(secret: str, seen) -> dict:
    headers = {k: v for k, v in seen.headers.items() if k.startswith("webhook-")}
    return Webhook(secret).verify(seen.body, headers)


def test_secret_is_shown_once_and_stored_encrypted(world, receiver):
    a = world["A"]
    body = _endpoint(a, f"{receiver.url}/hook")
    secret = body["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    shown = a.client("admin").get(f"/api/v1/webhook-endpoints/{body['id']}").json()
    assert "secret" not in shown
    assert a.client("member").get("/api/v1/webhook-endpoints/").status_code == 403
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks WHERE id = %s", [body["id"]])
        assert secret not in cursor.fetchone()[0]


def test_contact_created_reaches_a_local_receiver_signed_and_again_after_a_500(
    world, receiver, django_capture_on_commit_callbacks
):
    a = world["A"]
    secret = _endpoint(a, f"{receiver.url}/hook")["secret"]
    receiver.answers.extend([500])
    with django_capture_on_commit_callbacks(execute=True), workspace_scope(a.workspace):
        contact = contact_create(workspace=a.workspace, data={"first_name": "Ada", "email": "ada@example.test"})
    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.unscoped.get(workspace=a.workspace)
    assert delivery.status == "retrying" and delivery.last_status_code == 500
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 0 < wait <= 60  # the first retry within a minute
    assert services.dispatch_due() == 0  # not due yet
    assert services.dispatch_due(now=timezone.now() + timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 2
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert _verify(secret, first)["type"] == "contact.created"  # the one answered with 500 was signed too
    payload = _verify(secret, second)
    assert payload["type"] == "contact.created" and payload["data"]["id"] == contact.pk
    assert payload["data"]["email"] == "ada@example.test"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + base64.b64encode(b"x" * 32).decode()).verify(
            second.body, {k: v for k, v in second.headers.items() if k.startswith("webhook-")}
        )
    assert WebhookAttempt.unscoped.filter(delivery=delivery).count() == 2


def test_rotation_signs_with_both_secrets_for_a_day(world, receiver):
    a = world["A"]
    created = _endpoint(a, f"{receiver.url}/hook")
    rotated = a.client("admin").post(f"/api/v1/webhook-endpoints/{created['id']}/rotate-secret").json()
    assert rotated["secret"] != created["secret"]
    test = a.client("admin").post(f"/api/v1/webhook-endpoints/{created['id']}/test")
    assert test.status_code == 200 and test.json()["status"] == "succeeded"
    seen = receiver.requests[-1]
    assert len(seen.headers["webhook-signature"].split(" ")) == 2
    assert _verify(created["secret"], seen)["type"] == "webhook.test"
    assert _verify(rotated["secret"], seen)["type"] == "webhook.test"
    endpoint = WebhookEndpoint.unscoped.get(pk=created["id"])
    assert services.live_secrets(endpoint, now=timezone.now() + timedelta(hours=25)) == [rotated["secret"]]


def test_timeouts_are_retried(world, receiver, monkeypatch):
    monkeypatch.setattr(services, "TIMEOUT_SECONDS", 0.5)
    a = world["A"]
    created = _endpoint(a, f"{receiver.url}/hook")
    receiver.answers.extend([0])
    delivery = a.client("admin").post(f"/api/v1/webhook-endpoints/{created['id']}/test").json()
    assert delivery["status"] == "retrying" and delivery["last_status_code"] is None
    assert delivery["last_error"]


def test_a_worker_killed_mid_delivery_is_redelivered_with_the_same_id(world, receiver, monkeypatch):
    a = world["A"]
    secret = _endpoint(a, f"{receiver.url}/hook")["secret"]
    with workspace_scope(a.workspace):
        event = services.emit(workspace=a.workspace, type="contact.created", data={"id": 1}, enqueue=False)
    delivery = WebhookDelivery.unscoped.get(event=event)

    def die(*args, **kwargs):  # the request went out; the worker dies before recording it
        raise SystemExit("worker killed")

    monkeypatch.setattr(services, "_record", die)
    with pytest.raises(SystemExit):
        services.deliver(delivery.pk)
    monkeypatch.undo()
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.locked_until is not None
    assert services.dispatch_due() == 0  # the dead worker's lease still holds it
    with time_machine.travel(timezone.now() + services.LEASE + timedelta(seconds=5)):
        assert services.dispatch_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    ids = {seen.headers["webhook-id"] for seen in receiver.requests}
    assert ids == {event.message_id}
    assert _verify(secret, receiver.requests[-1])["data"] == {"id": 1}


def test_unsafe_urls_are_refused(world, settings, monkeypatch):
    settings.DEBUG = False
    settings.OUTBOUND_ALLOW_CIDRS = []
    a = world["A"]
    paid_features(a.workspace)
    client = a.client("admin")
    for url in ("http://169.254.169.254/latest", "http://127.0.0.1:8000/x", "file:///etc/passwd", "http://10.0.0.1/"):
        response = client.post("/api/v1/webhook-endpoints/", {"url": url, "events": ["contact.created"]}, format="json")
        assert response.status_code == 400 and response.json()["error"]["code"] == "url_not_allowed", url
    plain = client.post("/api/v1/webhook-endpoints/", {"url": "http://example.com/h", "events": ["lead.captured"]},
                        format="json")  # fmt: skip
    assert plain.status_code == 400 and plain.json()["error"]["code"] == "https_required"
    # A name that resolves to a private address is refused at delivery, before any connection.
    endpoint = services.endpoint_create(
        workspace=a.workspace, user=a.users["admin"], role="admin",
        data={"url": "https://hooks.example.com/h", "events": ["contact.created"]},
    )  # fmt: skip
    from nexusone.outbound import ssrf

    monkeypatch.setattr(ssrf, "_dns", lambda host, port: ["10.1.2.3"])
    delivery = services.send_test(endpoint=endpoint, role="admin")
    assert delivery.status == "retrying" and delivery.last_error.startswith("url_not_allowed")


def test_an_endpoint_failing_for_five_days_is_disabled_and_admins_told(world, receiver):
    from notifications.models import Notification

    a = world["A"]
    created = _endpoint(a, f"{receiver.url}/hook")
    WebhookEndpoint.unscoped.filter(pk=created["id"]).update(failing_since=timezone.now() - timedelta(days=5, hours=1))
    receiver.answers.extend([503])
    a.client("admin").post(f"/api/v1/webhook-endpoints/{created['id']}/test")
    endpoint = WebhookEndpoint.unscoped.get(pk=created["id"])
    assert not endpoint.enabled and endpoint.disabled_at is not None
    assert Notification.unscoped.filter(kind="webhook_endpoint_disabled", workspace=a.workspace).exists()
    with workspace_scope(a.workspace):
        assert services.emit(workspace=a.workspace, type="contact.created", data={}) is None  # nobody listens


def test_deliveries_log_and_manual_redeliver(world, receiver):
    a = world["A"]
    created = _endpoint(a, f"{receiver.url}/hook")
    receiver.answers.extend([500])
    client = a.client("admin")
    first = client.post(f"/api/v1/webhook-endpoints/{created['id']}/test").json()
    log = client.get(f"/api/v1/webhook-endpoints/{created['id']}/deliveries").json()["results"]
    assert log[0]["id"] == first["id"] and log[0]["last_status_code"] == 500 and log[0]["last_duration_ms"] >= 0
    again = client.post(f"/api/v1/webhook-endpoints/{created['id']}/deliveries/{first['id']}/redeliver")
    assert again.status_code == 200 and again.json()["status"] == "succeeded"
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]
    b = world["B"]
    assert b.client("admin").get(f"/api/v1/webhook-endpoints/{created['id']}/deliveries").status_code == 404
    assert WebhookEvent.unscoped.filter(workspace=b.workspace).count() == 0
    assert json.loads(receiver.requests[0].body)["type"] == "webhook.test"


def test_endpoints_need_a_paid_plan_and_hold_deliveries_after_a_downgrade(
    world, receiver, django_capture_on_commit_callbacks
):
    """SPEC: outgoing webhooks need pro or premium. On free: 403 `plan_required`
    and the page offers the upgrade; after a downgrade deliveries wait (no
    attempt counted) and go out once the plan allows webhooks again."""
    from django.test import Client

    from billing.models import BillingAccount, Plan
    from billing.services import RATE_LIMITS

    a = world["A"]
    refused = a.client("admin").post(
        "/api/v1/webhook-endpoints/", {"url": f"{receiver.url}/hook", "events": ["contact.created"]}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "plan_required"
    assert refused.json()["error"]["details"]["feature"] == "webhooks"
    page = Client()
    page.force_login(a.users["admin"])
    html = page.get(f"/en/w/{a.workspace.slug}/webhooks/").content.decode()
    assert 'name="action" value="create"' not in html and f"/en/w/{a.workspace.slug}/billing/" in html

    created = _endpoint(a, f"{receiver.url}/hook")
    BillingAccount.unscoped.filter(workspace=a.workspace).update(plan=Plan.objects.get(key="free"))
    RATE_LIMITS.delete(a.workspace.pk)
    with django_capture_on_commit_callbacks(execute=True), workspace_scope(a.workspace):
        contact_create(workspace=a.workspace, data={"email": "held@example.test"})
    delivery = WebhookDelivery.unscoped.get(endpoint_id=created["id"], event__type="contact.created")
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 0
    assert delivery.last_error == "plan_required" and receiver.requests == []
    paid_features(a.workspace)
    assert services.dispatch_due(now=timezone.now() + timedelta(minutes=20)) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and len(receiver.requests) == 1


def test_many_events_recorded_together_are_each_recorded_once_and_sent_in_order_by_one_task(
    world, receiver, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a = world["A"]
    secret = _endpoint(a, f"{receiver.url}/hook", events=("order.created",))["secret"]
    _endpoint(a, f"{receiver.url}/other", events=("contact.created",))  # not subscribed: nothing for it
    with workspace_scope(a.workspace):
        services.emit(workspace=a.workspace, type="order.created", data={"id": 2}, dedup_key="order:2", enqueue=False)
    items = [({"id": n}, f"order:{n}") for n in (1, 2, 3, 3, 4)]  # 2 recorded before, 3 twice
    with (
        django_capture_on_commit_callbacks() as callbacks,
        workspace_scope(a.workspace),
        CaptureQueriesContext(connection) as queries,
    ):
        events = services.emit_many(workspace=a.workspace, type="order.created", items=items)
    assert [e.data["id"] for e in events] == [1, 3, 4]
    # the endpoints, the keys recorded before, the events, their deliveries — however many items
    assert len(queries) == 4
    assert WebhookEvent.unscoped.filter(workspace=a.workspace, type="order.created").count() == 4
    assert WebhookDelivery.unscoped.filter(event__in=events).count() == 3
    assert len(callbacks) == 1  # one task sends the batch, in order
    callbacks[0]()
    assert [_verify(secret, seen)["data"]["id"] for seen in receiver.requests] == [1, 3, 4]
    assert all(seen.path == "/hook" for seen in receiver.requests)
