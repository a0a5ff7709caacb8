"""Opt-outs: numbers that asked not to be messaged by this workspace.

An opt-out is per workspace (it covers every connected number), written by an
inbound keyword (`STOP`, `BAJA`, `SAIR`, `إيقاف`, `הסר`…), by a user, or an
import; it is reflected on the CRM contact's `whatsapp_opt_in`. Broadcasts
skip opted-out numbers at creation, and single sends refuse them. An opt-in
keyword (`START`…) or a user removes it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from nexusone.audit import audit_record
from nexusone.errors import ValidationFailed
from whatsapp import crm_bridge
from whatsapp.models import OptOut
from whatsapp.phones import InvalidNumber, normalize


def is_opted_out(*, phone: str) -> bool:
    return OptOut.objects.filter(phone=phone).exists()


def optout_add(
    *,
    workspace,
    phone: str,
    source: str = OptOut.Source.MANUAL,
    keyword: str = "",
    account=None,
    user=None,
    request=None,
) -> tuple[OptOut, bool]:
    """Record the opt-out (idempotent); returns (opt-out, created)."""
    try:
        phone = normalize(phone, region=workspace.default_region)
    except InvalidNumber as exc:
        raise ValidationFailed(details={"phone": [_("This is not a valid phone number.")]}) from exc
    existing = OptOut.objects.filter(phone=phone).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            optout = OptOut.objects.create(phone=phone, source=source, keyword=keyword[:64], account=account)
    except IntegrityError:
        return OptOut.objects.get(phone=phone), False
    crm_bridge.consent_set(phone=phone, opted_in=False)
    if source == OptOut.Source.MANUAL:
        audit_record(
            action="whatsapp.optout.added",
            request=request,
            user=user if request is None else None,
            workspace=workspace,
            target=optout,
        )
    return optout, True


def optout_remove(*, workspace, phone: str, user=None, request=None, via_keyword: bool = False) -> bool:
    deleted, _rows = OptOut.objects.filter(phone=phone).delete()
    if deleted:
        crm_bridge.consent_set(phone=phone, opted_in=True)
        if not via_keyword:
            audit_record(
                action="whatsapp.optout.removed",
                request=request,
                user=user if request is None else None,
                workspace=workspace,
                metadata={"phone_last4": phone[-4:]},
            )
    return bool(deleted)
