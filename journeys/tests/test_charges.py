"""Journey sends and credits: a batch's e-mails and SMS are reserved when the
step runs and settled once their messages are final — what the service
refused is refunded, exactly once; WhatsApp template steps are refunded per
failed message by the broadcast pipeline."""

from __future__ import annotations

import pytest
from django.utils import timezone

from billing.models import Charge
from crm.tests.factories import make_contact
from emails.models import Campaign, EmailMessage
from emails.tests.conftest import balance
from emails.tests.factories import BLOCKS
from journeys import charges, services
from journeys.models import Journey, SendCharge
from journeys.tasks import journeys_tick
from journeys.tests.conftest import TEMPLATE
from nexusone.tenancy import workspace_scope
from sms.models import SmsCampaign, SmsMessage
from whatsapp.models import Broadcast

pytestmark = pytest.mark.django_db


def _journey(shop, step: dict, tag: str) -> Journey:
    with workspace_scope(shop.workspace):
        return services.journey_create(
            workspace=shop.workspace,
            data={"name": "Envíos", "trigger": {"type": "tag_added", "tag": tag, "existing": True},
                  "steps": [step], "status": "active"},
        )  # fmt: skip


def _email_step(shop) -> dict:
    return {"type": "send_email", "subject": "Hola", "sender_id": shop.sender.pk, "language": "es", "body": BLOCKS}


def _settle(shop) -> dict:
    with workspace_scope(shop.workspace):
        return charges.settle_open()


def test_a_journey_email_the_mail_service_refuses_is_refunded_once(shop, smtp, run, sink):
    sink.refuse["rebota@clientes.example"] = "550 5.1.1 No such user"
    journey = _journey(shop, _email_step(shop), "rebote")
    make_contact(shop.workspace, email="rebota@clientes.example", email_opt_in=True, tags=["rebote"])
    before = balance(shop.workspace)
    run(journey)
    message = EmailMessage.unscoped.get(campaign_id=journey.steps[0]["campaign_id"])
    assert message.status == "failed" and message.charge_id is not None
    assert balance(shop.workspace) == before - 1  # reserved while the batch was sending

    assert _settle(shop) == {"settled": 1, "refunded": 1}
    assert balance(shop.workspace) == before
    for _again in range(2):  # the beat comes back: nothing is given back twice
        assert _settle(shop) == {"settled": 0, "refunded": 0}
        assert charges.settle(SendCharge.unscoped.get().pk) == 0
    assert balance(shop.workspace) == before
    row = SendCharge.unscoped.get()
    assert (row.channel, row.recipients, row.units, row.credits_refunded) == ("email", 1, 1, 1)
    assert row.settled_at is not None
    assert Charge.unscoped.get(pk=row.charge_id).status == Charge.Status.REFUNDED
    assert Campaign.unscoped.get(pk=journey.steps[0]["campaign_id"]).credits_refunded == 1


def test_a_journey_email_accepted_is_kept_and_the_charge_committed(shop, smtp, run):
    journey = _journey(shop, _email_step(shop), "ok")
    for n in range(2):
        make_contact(shop.workspace, email=f"ok{n}@clientes.example", email_opt_in=True, tags=["ok"])
    before = balance(shop.workspace)
    run(journey)
    assert smtp.count == 2
    assert _settle(shop) == {"settled": 1, "refunded": 0}
    assert balance(shop.workspace) == before - 1
    charge = Charge.unscoped.get(pk=SendCharge.unscoped.get().charge_id)
    assert charge.status == Charge.Status.COMMITTED and charge.refunded_credits == 0


def test_a_batch_is_not_settled_while_a_message_is_still_queued(shop, smtp, run, sink):
    sink.refuse["rebota@clientes.example"] = "550 5.1.1 No such user"
    journey = _journey(shop, _email_step(shop), "espera")
    make_contact(shop.workspace, email="rebota@clientes.example", email_opt_in=True, tags=["espera"])
    run(journey)
    EmailMessage.unscoped.update(status=EmailMessage.Status.QUEUED)  # as if the send had not happened yet
    row = SendCharge.unscoped.get()
    assert charges.settle(row.pk) is None and _settle(shop) == {"settled": 0, "refunded": 0}
    assert Charge.unscoped.get(pk=row.charge_id).status == Charge.Status.RESERVED
    EmailMessage.unscoped.update(status=EmailMessage.Status.CANCELLED)
    assert charges.settle(row.pk) == 1


def test_journey_sms_refused_by_the_provider_refunds_its_segments_once(shop, run):
    journey = _journey(shop, {"type": "send_sms", "body": "Hola, gracias por tu visita."}, "sms")
    make_contact(shop.workspace, phone="+14155550101", sms_opt_in=True, tags=["sms"])
    make_contact(shop.workspace, phone="+15005550001", sms_opt_in=True, tags=["sms"])  # sandbox: invalid number
    before = balance(shop.workspace)
    run(journey)
    campaign = SmsCampaign.unscoped.get(pk=journey.steps[0]["sms_campaign_id"])
    statuses = sorted(SmsMessage.unscoped.filter(campaign=campaign).values_list("status", flat=True))
    assert statuses == ["failed", "sent"]
    assert balance(shop.workspace) == before - 4  # sms_send: 2 credits per segment, two recipients

    assert _settle(shop) == {"settled": 1, "refunded": 2}
    assert _settle(shop) == {"settled": 0, "refunded": 0}
    assert balance(shop.workspace) == before - 2
    charge = Charge.unscoped.get(pk=SendCharge.unscoped.get().charge_id)
    assert charge.status == Charge.Status.COMMITTED and charge.refunded_credits == 2
    assert SmsCampaign.unscoped.get(pk=campaign.pk).credits_refunded == 2


def test_the_beat_settles_open_batches_of_every_workspace(shop, smtp, run, sink, django_capture_on_commit_callbacks):
    sink.refuse["rebota@clientes.example"] = "550 5.1.1 No such user"
    journey = _journey(shop, _email_step(shop), "beat")
    make_contact(shop.workspace, email="rebota@clientes.example", email_opt_in=True, tags=["beat"])
    before = balance(shop.workspace)
    run(journey)
    with workspace_scope(shop.workspace):
        services.journey_pause(journey=journey)  # paused journeys are settled too
    with django_capture_on_commit_callbacks(execute=True):
        journeys_tick()
    assert balance(shop.workspace) == before
    assert SendCharge.unscoped.get().settled_at is not None


def test_a_failed_whatsapp_template_send_is_refunded_by_the_broadcast(shop, whatsapp_number, run):
    from whatsapp.tasks import workspace_maintenance_task

    step = {"type": "send_whatsapp_template", "template": TEMPLATE, "language": "es"}
    journey = _journey(shop, step, "wa")
    make_contact(shop.workspace, phone="+34600000001", whatsapp_opt_in=True, tags=["wa"])
    make_contact(shop.workspace, phone="+34600010000", whatsapp_opt_in=True, tags=["wa"])  # sandbox: undeliverable
    before = balance(shop.workspace)
    run(journey, timezone.now())
    workspace_maintenance_task.delay(workspace_id=shop.workspace.pk)
    broadcast = Broadcast.unscoped.get(workspace=shop.workspace)
    unit = broadcast.credits_charged // 2
    assert unit > 0 and broadcast.credits_refunded == unit
    assert balance(shop.workspace) == before - unit
