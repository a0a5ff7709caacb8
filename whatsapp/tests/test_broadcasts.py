"""Broadcast rules: normalisation and dedupe, opt-outs, one charge at
creation, 402 with nothing queued, Idempotency-Key (T17), provider errors,
refunds per failed message, cancel with refund, scheduling, and counters and
credits that add up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Charge, LedgerEntry
from nexusone.tenancy import workspace_scope
from whatsapp.models import Broadcast, Message, MessageTemplate, OptOut, SendBatch
from whatsapp.tasks import whatsapp_tick, workspace_maintenance_task
from whatsapp.tests.conftest import TOKEN, CloudApiDouble, balance, give_credits
from whatsapp.tests.factories import make_account, make_template

pytestmark = pytest.mark.django_db

URL = "/api/v1/whatsapp/broadcasts/"
TEMPLATE = {"type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}}}


@pytest.fixture
def a(world):
    give_credits(world["A"].workspace, 1000)
    return world["A"]


@pytest.fixture
def cloud_account(a):
    return make_account(a.workspace, access_token=TOKEN)


def create(tenant, account, recipients=None, *, key="key-1", role="member", message=TEMPLATE, **extra):
    body = {"whatsapp_account_id": account.pk, "message": message, **extra}
    if recipients is not None:
        body["recipients"] = recipients
    return tenant.client(role).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def settle(workspace):
    """What the beat does later: reap stuck sends, refund, commit finished batches."""
    workspace_maintenance_task.delay(workspace_id=workspace.pk)


def test_recipients_are_normalised_deduplicated_and_opted_out_skipped(a, cloud_account, cloud_api, run_commit_hooks):
    with workspace_scope(a.workspace):
        OptOut.objects.create(phone="+14155552675")
    recipients = [
        "+14155552671",
        "+1 (415) 555-2671",  # the same number, written differently
        "4155552672",  # national: the workspace's region (US)
        "0034 612 345 678",  # 00 international prefix
        "+14155552675",  # opted out
        "not a number",
        "+1415",
        "+999123456789",
        "",
    ]
    before = balance(a.workspace)
    with run_commit_hooks():
        response = create(a, cloud_account, recipients)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["counters"]["requested"] == 9
    assert body["counters"]["duplicates"] == 1
    assert body["counters"]["opted_out"] == 1
    assert body["counters"]["rejected"] == 4
    assert body["counters"]["total"] == 3
    reasons = {row["input"]: row["reason"] for row in body["rejected_recipients"]}
    assert reasons == {"not a number": "not_a_number", "+1415": "too_short", "+999123456789": "invalid_country_code",
                       "": "empty"}  # fmt: skip
    assert all(row["message"] for row in body["rejected_recipients"])
    assert sorted(cloud_api.sent_to()) == ["14155552671", "14155552672", "34612345678"]
    assert body["credits"] == {"unit_cost": 5, "charged": 15, "refunded": 0}
    assert balance(a.workspace) == before - 15


def test_the_workspace_region_fills_in_national_numbers(a, cloud_account, cloud_api, run_commit_hooks):
    a.workspace.default_region = "ES"
    a.workspace.save(update_fields=["default_region"])
    with run_commit_hooks():
        response = create(a, cloud_account, ["612 34 56 78"])
    assert response.status_code == 201
    assert cloud_api.sent_to() == ["34612345678"]


def test_not_enough_credits_is_402_and_nothing_is_created(world, cloud_api, run_commit_hooks):
    tenant = world["A"]
    give_credits(tenant.workspace, 1)
    account = make_account(tenant.workspace, access_token=TOKEN)
    available = balance(tenant.workspace)
    recipients = [f"+1415555{i:04d}" for i in range(100, 120)]
    with run_commit_hooks():
        response = create(tenant, account, recipients)
    assert response.status_code == 402
    error = response.json()["error"]
    assert error["code"] == "insufficient_credits"
    assert error["details"] == {"needed": 100, "available": available}
    assert Broadcast.unscoped.count() == 0 and Message.unscoped.count() == 0 and SendBatch.unscoped.count() == 0
    assert Charge.unscoped.count() == 0
    assert balance(tenant.workspace) == available
    assert cloud_api.sent == []  # T24: the provider is never called


def test_idempotency_key_replays_without_a_second_broadcast_or_charge(a, cloud_account, cloud_api, run_commit_hooks):
    recipients = ["+14155552671", "+14155552672"]
    with run_commit_hooks():
        first = create(a, cloud_account, recipients, key="same")
    replays = []
    for _ in range(3):
        with run_commit_hooks():
            replays.append(create(a, cloud_account, recipients, key="same"))
    assert first.status_code == 201
    for replay in replays:
        assert (replay.status_code, replay.json()) == (201, first.json())
        assert replay["Idempotent-Replayed"] == "true"
    assert Broadcast.unscoped.count() == 1
    assert len(cloud_api.sent) == 2
    assert LedgerEntry.unscoped.filter(workspace=a.workspace, kind="debit", module="whatsapp_bot").count() == 1
    # a different body with the same key is refused; no key is refused
    assert create(a, cloud_account, ["+14155552699"], key="same").status_code == 422
    no_key = a.client("member").post(URL, {"whatsapp_account_id": cloud_account.pk, "message": TEMPLATE,
                                           "recipients": recipients}, format="json")  # fmt: skip
    assert no_key.status_code == 400 and no_key.json()["error"]["code"] == "idempotency_key_required"


def test_the_same_key_in_another_workspace_is_independent(world, cloud_api, run_commit_hooks):
    for label in ("A", "B"):
        give_credits(world[label].workspace, 100)
    account_a = make_account(world["A"].workspace, access_token=TOKEN)
    account_b = make_account(world["B"].workspace, access_token=TOKEN)
    with run_commit_hooks():
        assert create(world["A"], account_a, ["+14155552671"], key="shared").status_code == 201
        assert create(world["B"], account_b, ["+14155552671"], key="shared").status_code == 201
    assert Broadcast.unscoped.count() == 2 and len(cloud_api.sent) == 2


def test_an_account_of_another_workspace_is_a_400(world, run_commit_hooks):
    give_credits(world["B"].workspace, 100)
    foreign = make_account(world["A"].workspace)
    response = create(world["B"], foreign, ["+14155552671"])
    assert response.status_code == 400
    assert "whatsapp_account_id" in response.json()["error"]["details"]


def test_a_viewer_cannot_send(a, cloud_account):
    assert create(a, cloud_account, ["+14155552671"], role="viewer").status_code == 403


def test_a_recipient_failure_fails_and_refunds_that_message_only(a, cloud_account, cloud_api, run_commit_hooks):
    cloud_api.failures["14155552672"] = CloudApiDouble.graph_error(131026, "Message undeliverable")
    cloud_api.failures["14155552673"] = CloudApiDouble.graph_error(
        131047, "Re-engagement message", "Message failed to send because more than 24 hours have passed"
    )
    before = balance(a.workspace)
    with run_commit_hooks():
        response = create(a, cloud_account, ["+14155552671", "+14155552672", "+14155552673", "+14155552674"])
    broadcast = Broadcast.unscoped.get(pk=response.json()["id"])
    assert broadcast.status == Broadcast.Status.COMPLETED
    assert broadcast.counters()["sent"] == 2 and broadcast.counters()["failed"] == 2
    failed = {m.to: (m.error_code, m.error_reason) for m in Message.unscoped.filter(status="failed")}
    assert failed == {"+14155552672": ("131026", "invalid_recipient"), "+14155552673": ("131047", "outside_window")}
    assert broadcast.credits_refunded == 10
    assert balance(a.workspace) == before - 10
    messages = a.client("viewer").get(f"{URL}{broadcast.pk}/messages/?status=failed").json()["results"]
    assert {m["to"]: m["error"]["reason"] for m in messages} == {"+14155552672": "invalid_recipient",
                                                                 "+14155552673": "outside_window"}  # fmt: skip


def test_an_expired_token_stops_the_broadcast_and_refunds_everything(a, cloud_account, cloud_api, run_commit_hooks):
    cloud_api.fail_all = CloudApiDouble.graph_error(
        190, "Error validating access token: Session has expired", status=401
    )
    before = balance(a.workspace)
    recipients = [f"+1415555{i:04d}" for i in range(2671, 2679)]  # 8 recipients in 3 batches
    with run_commit_hooks():
        response = create(a, cloud_account, recipients)
    broadcast = Broadcast.unscoped.get(pk=response.json()["id"])
    assert broadcast.status == Broadcast.Status.FAILED
    assert broadcast.failure_reason.startswith("token_expired")
    assert broadcast.counters()["failed"] == 8 and broadcast.counters()["queued"] == 0
    assert len(cloud_api.router.calls) == 1  # stopped at the first answer
    assert balance(a.workspace) == before
    assert broadcast.credits_refunded == 40
    cloud_account.refresh_from_db()
    assert cloud_account.last_error.startswith("token_expired")


def test_a_template_that_is_not_approved_is_refused_before_charging(a, cloud_account):
    make_template(a.workspace, account=cloud_account, name="spring_sale", language="es", status="REJECTED")
    cloud_account.templates_synced_at = timezone.now()
    cloud_account.save(update_fields=["templates_synced_at"])
    before = balance(a.workspace)
    message = {"type": "template", "template": {"name": "spring_sale", "language": {"code": "es"}}}
    response = create(a, cloud_account, ["+14155552671"], message=message)
    assert response.status_code == 400
    assert "not approved" in str(response.json()["error"]["details"]["message"])
    unknown = {"type": "template", "template": {"name": "nope", "language": {"code": "es"}}}
    assert create(a, cloud_account, ["+14155552671"], message=unknown, key="k2").status_code == 400
    assert balance(a.workspace) == before and Broadcast.unscoped.count() == 0


def test_meta_rate_limit_is_retried_without_a_duplicate(a, cloud_account, cloud_api, run_commit_hooks):
    answers = iter([CloudApiDouble.graph_error(130429, "Rate limit hit", status=400)])
    original = cloud_api._send

    def flaky(request):
        error = next(answers, None)
        if error is not None:
            import httpx

            return httpx.Response(error[0], json=error[1])
        return original(request)

    cloud_api.router.routes[0].side_effect = flaky
    with run_commit_hooks():
        response = create(a, cloud_account, ["+14155552671", "+14155552672"])
    broadcast = Broadcast.unscoped.get(pk=response.json()["id"])
    assert broadcast.counters()["sent"] == 2
    assert sorted(cloud_api.sent_to()) == ["14155552671", "14155552672"]  # each exactly once
    assert Message.unscoped.get(to="+14155552671").attempts == 2


def test_cancel_a_scheduled_broadcast_refunds_everything(a, cloud_account, cloud_api, run_commit_hooks):
    before = balance(a.workspace)
    when = (timezone.now() + timedelta(hours=2)).isoformat()
    with run_commit_hooks():
        response = create(a, cloud_account, ["+14155552671", "+14155552672"], schedule_date=when)
    assert response.json()["status"] == "scheduled"
    assert balance(a.workspace) == before - 10  # credits held at creation
    with run_commit_hooks():
        cancelled = a.client("member").post(f"{URL}{response.json()['id']}/cancel/")
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "cancelled"
    assert body["counters"]["cancelled"] == 2 and body["credits"]["refunded"] == 10
    assert balance(a.workspace) == before
    assert a.client("member").post(f"{URL}{response.json()['id']}/cancel/").status_code == 409
    with run_commit_hooks():
        whatsapp_tick.delay()
    assert cloud_api.sent == []


def test_cancel_a_running_broadcast_refunds_only_the_unsent(
    a, cloud_account, cloud_api, django_capture_on_commit_callbacks
):
    before = balance(a.workspace)
    recipients = [f"+1415555{i:04d}" for i in range(2671, 2678)]  # 7 → batches of 3, 3, 1
    with django_capture_on_commit_callbacks(execute=False) as held:
        response = create(a, cloud_account, recipients)
    assert len(held) == 1  # the dispatch task, held back by a busy broker
    broadcast = Broadcast.unscoped.get(pk=response.json()["id"])
    from whatsapp.services.broadcasts import broadcast_dispatch
    from whatsapp.services.sending import batch_send

    with workspace_scope(a.workspace), django_capture_on_commit_callbacks(execute=False):
        broadcast_dispatch(broadcast_id=broadcast.pk)  # queued → sending (its batch tasks held too)
        first_batch = SendBatch.objects.filter(broadcast=broadcast).order_by("index").first()
        batch_send(batch_id=first_batch.pk)  # one worker got through one batch
    assert len(cloud_api.sent) == 3
    cancelled = a.client("member").post(f"{URL}{broadcast.pk}/cancel/").json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["counters"]["sent"] == 3 and cancelled["counters"]["cancelled"] == 4
    assert cancelled["credits"]["refunded"] == 20
    assert balance(a.workspace) == before - 15
    for callback in held:  # the late tasks find a cancelled broadcast: nothing more is sent
        callback()
    with workspace_scope(a.workspace):
        for batch in SendBatch.objects.filter(broadcast=broadcast):
            batch_send(batch_id=batch.pk)
    assert len(cloud_api.sent) == 3


def test_scheduled_broadcasts_go_out_from_the_beat_tick(a, cloud_account, cloud_api, run_commit_hooks, time_machine):
    when = timezone.now() + timedelta(minutes=30)
    with run_commit_hooks():
        response = create(a, cloud_account, ["+14155552671"], schedule_date=when.isoformat())
        whatsapp_tick.delay()
    assert cloud_api.sent == [] and response.json()["status"] == "scheduled"
    time_machine.move_to(when + timedelta(seconds=5))
    with run_commit_hooks():
        whatsapp_tick.delay()
    assert cloud_api.sent_to() == ["14155552671"]
    assert Broadcast.unscoped.get(pk=response.json()["id"]).status == Broadcast.Status.COMPLETED


def test_a_suspended_workspace_sends_no_scheduled_broadcast(
    a, cloud_account, cloud_api, run_commit_hooks, time_machine
):
    from accounts.models import Workspace

    when = timezone.now() + timedelta(minutes=30)
    with run_commit_hooks():
        response = create(a, cloud_account, ["+14155552671"], schedule_date=when.isoformat())
    Workspace.objects.filter(pk=a.workspace.pk).update(is_suspended=True)
    time_machine.move_to(when + timedelta(seconds=5))
    with run_commit_hooks():
        whatsapp_tick.delay()
    assert cloud_api.sent == []
    assert Broadcast.unscoped.get(pk=response.json()["id"]).status == Broadcast.Status.SCHEDULED
    Workspace.objects.filter(pk=a.workspace.pk).update(is_suspended=False)  # lifted: it goes out
    with run_commit_hooks():
        whatsapp_tick.delay()
    assert cloud_api.sent_to() == ["14155552671"]


def test_counters_and_credits_add_up_after_statuses_and_settlement(a, run_commit_hooks):
    """Sandbox number: the provider reports sent+delivered, or failed for …0000."""
    account = make_account(a.workspace)
    before = balance(a.workspace)
    recipients = ["+14155552671", "+14155552672", "+14155550000", "+14155552673", "+16505550000"]
    with run_commit_hooks():
        response = create(a, account, recipients)
    broadcast = Broadcast.unscoped.get(pk=response.json()["id"])
    counters = broadcast.counters()
    assert counters["delivered"] == 3 and counters["failed"] == 2
    by_status = sum(counters[k] for k in ("queued", "sent", "delivered", "read", "failed", "cancelled"))
    assert by_status == counters["total"] == Message.unscoped.filter(broadcast=broadcast).count()
    with run_commit_hooks():
        settle(a.workspace)
    charges = Charge.unscoped.filter(workspace=a.workspace, module="whatsapp_bot")
    committed = sum(c.credits - c.refunded_credits for c in charges if c.status == Charge.Status.COMMITTED)
    assert committed == 15  # 3 delivered × 5, committed once nothing can fail any more
    assert not charges.filter(status=Charge.Status.RESERVED).exists()
    broadcast.refresh_from_db()
    assert broadcast.credits_charged - broadcast.credits_refunded == 15
    assert balance(a.workspace) == before - 15
    debits = -sum(e.amount for e in LedgerEntry.unscoped.filter(workspace=a.workspace, module="whatsapp_bot"))
    assert debits == 15  # the ledger agrees: Σ(debits − refunds) = cost × delivered


def test_recipient_cap(a, settings):
    settings.WHATSAPP_MAX_RECIPIENTS = 3
    account = make_account(a.workspace)
    response = create(a, account, ["+14155552671", "+14155552672", "+14155552673", "+14155552674"])
    assert response.status_code == 400 and "recipients" in response.json()["error"]["details"]


def test_preview_counts_and_prices_without_creating(a):
    make_account(a.workspace)
    response = a.client("member").post(
        f"{URL}preview/", {"recipients": ["+14155552671", "+14155552671", "x"]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["sendable"], body["duplicates"], body["rejected"], body["credits_needed"]) == (1, 1, 1, 5)
    assert body["credits_available"] == balance(a.workspace)
    assert Broadcast.unscoped.count() == 0


def test_broadcast_to_a_crm_segment(a, cloud_account, cloud_api, run_commit_hooks):
    from crm.models import Contact, Segment

    with workspace_scope(a.workspace):
        Contact.objects.create(first_name="Ana", phone="+14155552671", whatsapp_opt_in=True, tags=["vip"])
        Contact.objects.create(first_name="Bo", phone="+14155552672", whatsapp_opt_in=False, tags=["vip"])
        Contact.objects.create(first_name="Cy", phone="+14155552673", whatsapp_opt_in=True, tags=["other"])
        Contact.objects.create(first_name="Di", email="di@example.test", whatsapp_opt_in=True, tags=["vip"])
        segment = Segment.objects.create(name="VIPs", definition={"tags_any": ["vip"]})
    with run_commit_hooks():
        response = create(a, cloud_account, segment_id=segment.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["segment_name"] == "VIPs"
    assert body["counters"]["total"] == 1 and body["counters"]["opted_out"] == 1  # Bo has no WhatsApp consent
    assert cloud_api.sent_to() == ["14155552671"]
    message = Message.unscoped.get(broadcast_id=body["id"])
    assert message.contact_id == Contact.unscoped.get(phone="+14155552671").pk


def test_a_segment_of_another_workspace_is_a_400(world):
    from crm.models import Segment

    give_credits(world["B"].workspace, 100)
    foreign = Segment.unscoped.create(workspace=world["A"].workspace, name="A's segment", definition={})
    account = make_account(world["B"].workspace)
    response = create(world["B"], account, segment_id=foreign.pk)
    assert response.status_code == 400
    assert "segment_id" in response.json()["error"]["details"]


def test_template_sync_marks_statuses(a, cloud_account, cloud_api):
    response = a.client("member").post(f"/api/v1/whatsapp/accounts/{cloud_account.pk}/sync-templates/")
    assert response.status_code == 200
    statuses = {(t["name"], t["language"]): t["status"] for t in response.json()}
    assert statuses == {("order_update", "en_US"): "APPROVED", ("spring_sale", "es"): "REJECTED"}
    assert MessageTemplate.unscoped.get(name="spring_sale").rejected_reason == "INVALID_FORMAT"
    listed = a.client("viewer").get("/api/v1/whatsapp/templates/?status=APPROVED").json()
    assert [t["name"] for t in listed["results"]] == ["order_update"]
