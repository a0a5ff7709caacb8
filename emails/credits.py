"""E-mail credits through the billing charge door (`billing.charging`).

`email_send` costs its module price (1 credit) per 100 recipients, rounded
up. A campaign is charged once, when it starts sending, for every recipient
it will address (`campaign_reserve`: 402 with `needed`/`available` and
nothing sent when short). When it finishes, the messages that never left —
refused by the mail service, given up after temporary refusals, cancelled —
are given back (`campaign_settle`): the campaign keeps
ceil(handed over / 100) units and the rest is refunded, exactly once.

Partial refunds: until the door offers one, `refund_units` builds it from the
door's primitives, as whatsapp.credits does — in one transaction holding the
billing account's row lock, refund the whole reservation and reserve the
units that are kept under a derived key, then commit that. The two ledger
entries net to the partial refund, and the derived key makes a repeated
settle a no-op.
"""

from __future__ import annotations

import math

from django.db import transaction

from billing.charging import charge_commit, charge_refund, charge_reserve
from billing.models import Charge
from billing.quotas import quota_lock

EMAIL_MODULE = "email_send"
PER_UNIT = 100
# A reservation outlives any send: the reaper must not refund a campaign still sending.
HOLD_SECONDS = 7 * 24 * 3600


def units_for(recipients: int) -> int:
    return math.ceil(max(0, recipients) / PER_UNIT)


def reserve(*, workspace, user, module: str, units: int, key: str, reference: str, action: str):
    """One reservation (idempotent by `key`); raises InsufficientCredits (402)."""
    return charge_reserve(
        workspace=workspace,
        user=user,
        module=module,
        quantity=units,
        action=action,
        idempotency_key=key,
        reference=reference,
        hold_seconds=HOLD_SECONDS,
    )


def refund_units(*, workspace, charge_id, keep_units: int, key: str, reason: str) -> tuple[object | None, int]:
    """Keep `keep_units` of a reserved charge and give the rest back; commit
    what is kept. Returns (the charge now holding the kept units or None,
    credits given back now). Safe to call again."""
    charge = Charge.unscoped.filter(pk=charge_id).first()
    if charge is None:
        return None, 0
    if charge.status == Charge.Status.COMMITTED:
        return charge.pk, 0
    if charge.status == Charge.Status.RESERVED and keep_units >= charge.quantity:
        charge_commit(charge.pk)
        return charge.pk, 0
    kept_id = None
    with transaction.atomic():
        quota_lock(workspace=workspace)  # nobody spends the refunded credits in between
        refunded = charge_refund(charge.pk, reason=reason)
        if keep_units > 0:
            kept_id = charge_reserve(
                workspace=workspace,
                user=None,
                module=charge.module,
                quantity=keep_units,
                action=charge.action,
                idempotency_key=f"{key}:kept",
                reference=charge.reference,
                hold_seconds=HOLD_SECONDS,
            )
    if kept_id is not None:
        charge_commit(kept_id)
    unit_price = charge.credits // max(1, charge.quantity)
    given_back = (charge.credits - unit_price * keep_units) if refunded else 0
    return kept_id, max(0, given_back)
