"""Credits of journey e-mails and SMS, through the charge door.

A `send_email` / `send_sms` step reserves its batch's credits (`email_send`:
ceil(recipients / 100) units; `sms_send`: one unit per segment and recipient)
in the batch's transaction, writes a `SendCharge` and stamps each queued
message with the charge id. The reservation is not committed then: once every
message of the batch is final (sent, failed, cancelled), `settle` keeps what
the service accepted — ceil(sent / 100) e-mail units, the accepted messages'
segments — refunds the rest with one partial refund (`charge_refund_units`,
keyed, so a repeated settle gives nothing back twice), commits the kept part
and marks the `SendCharge` settled, all under its row lock: exactly once.

A message the batch paid for but never queued (the contact already had this
e-mail, the unique row ignored the insert) counts as not sent.
WhatsApp template steps are paid and refunded by the broadcast pipeline
(`whatsapp.credits`), message by message.

`journeys_tick` hands workspaces with open charges to `settle_open`.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from journeys.models import SendCharge

logger = logging.getLogger(__name__)
REFUND_KEY = "journey_not_sent"


def _email_outcome(charge_id) -> tuple[bool, int]:
    """(still pending, units to keep) for a journey e-mail batch."""
    from emails.credits import units_for
    from emails.models import EmailMessage

    S = EmailMessage.Status
    counts = dict(
        EmailMessage.unscoped.filter(charge_id=charge_id)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    pending = any(counts.get(status) for status in (S.QUEUED, S.SENDING, S.HELD))
    return pending, units_for(counts.get(S.SENT, 0))


def _sms_outcome(charge_id, per_message: int) -> tuple[bool, int]:
    from sms.models import SmsMessage

    S = SmsMessage.Status
    counts = dict(
        SmsMessage.unscoped.filter(charge_id=charge_id)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    pending = any(counts.get(status) for status in (S.QUEUED, S.SENDING))
    accepted = sum(counts.get(status, 0) for status in (S.SENT, S.DELIVERED, S.UNDELIVERED))
    return pending, accepted * per_message


def settle(send_charge_id: int) -> int | None:
    """Settle one batch if all its messages are final. Returns the credits
    given back now (0 when nothing was due or it was settled before), or None
    while messages are still pending."""
    from billing.charging import charge_commit, charge_refund_units
    from billing.models import Charge

    with transaction.atomic():
        row = SendCharge.unscoped.select_for_update().filter(pk=send_charge_id).first()
        if row is None or row.settled_at is not None:
            return 0
        if row.channel == SendCharge.Channel.EMAIL:
            pending, keep = _email_outcome(row.charge_id)
        else:
            pending, keep = _sms_outcome(row.charge_id, row.units // max(1, row.recipients))
        if pending:
            return None
        charge = Charge.unscoped.filter(pk=row.charge_id).values("status", "quantity", "refunded_quantity").first()
        given_back = 0
        if charge is not None and charge["status"] == Charge.Status.RESERVED:
            refund = charge["quantity"] - charge["refunded_quantity"] - keep
            if refund > 0:
                reason = "email_not_sent" if row.channel == SendCharge.Channel.EMAIL else "sms_not_sent"
                given_back = charge_refund_units(row.charge_id, quantity=refund, key=REFUND_KEY, reason=reason)
            if keep > 0:
                charge_commit(row.charge_id)
        elif charge is not None and charge["status"] == Charge.Status.COMMITTED:
            logger.info("journeys: charge %s was committed before it was settled", row.charge_id)
        row.settled_at = timezone.now()
        row.credits_refunded = given_back
        row.save(update_fields=["settled_at", "credits_refunded", "updated_at"])
        if given_back:
            _campaign_model(row.channel).unscoped.filter(pk=row.campaign_id).update(
                credits_refunded=F("credits_refunded") + given_back
            )
    return given_back


def _campaign_model(channel: str):
    if channel == SendCharge.Channel.EMAIL:
        from emails.models import Campaign

        return Campaign
    from sms.models import SmsCampaign

    return SmsCampaign


def settle_open(*, limit: int = 500) -> dict:
    """Settle the active workspace's open batches whose messages are all final."""
    settled = refunded = 0
    for pk in SendCharge.objects.filter(settled_at=None).order_by("created_at").values_list("pk", flat=True)[:limit]:
        given_back = settle(pk)
        if given_back is not None:
            settled += 1
            refunded += given_back
    return {"settled": settled, "refunded": refunded}


def workspaces_with_open_charges(*, limit: int = 1000) -> list[int]:
    return list(
        SendCharge.unscoped.filter(settled_at=None)
        .order_by("workspace_id")
        .values_list("workspace_id", flat=True)
        .distinct()[:limit]
    )
