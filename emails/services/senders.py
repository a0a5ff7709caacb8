"""Senders: add, verify by DNS, remove."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.validation import InvalidValue, normalize_email
from emails import dns
from emails.models import Sender
from nexusone.audit import audit_record
from nexusone.errors import ApplicationError, Conflict, ValidationFailed


class SenderNotVerified(ApplicationError):
    status_code = 400
    code = "sender_not_verified"

    def __init__(self, sender: Sender | None = None):
        super().__init__(
            _("The sender's domain is not verified yet: publish its DNS records and verify it."),
            details={"sender_id": [_("Not verified.")]} if sender is not None else {},
        )


def sender_create(*, workspace, email: str, name: str = "", user=None, request=None) -> Sender:
    try:
        address = normalize_email(email)
    except InvalidValue as exc:
        raise ValidationFailed(details={"email": [str(exc)]}) from None
    if not address:
        raise ValidationFailed(details={"email": [_("This field is required.")]})
    domain = address.rsplit("@", 1)[1]
    preverified = dns.domain_preverified(domain)
    now = timezone.now()
    try:
        with transaction.atomic():
            sender = Sender.objects.create(
                email=address,
                name=(name or "").strip()[:100],
                domain=domain,
                verified=preverified,
                verified_at=now if preverified else None,
                dns_status={"preverified": True} if preverified else {},
            )
            audit_record(action="emails.sender.created", request=request, user=user, workspace=workspace, target=sender)
    except IntegrityError:
        raise Conflict(_("This sender already exists."), code="duplicate_sender") from None
    return sender


def sender_verify(*, sender: Sender) -> Sender:
    """Look the domain's records up; verified when SPF, DKIM and DMARC are all ok.
    A domain that passed once stays verified for existing campaigns only while
    its records stay in place: every check replaces the verdict."""
    now = timezone.now()
    if dns.domain_preverified(sender.domain):
        status, verified = {"preverified": True}, True
    else:
        status = dns.domain_check(sender.domain)
        verified = bool(status.pop("verified"))
    Sender.objects.filter(pk=sender.pk).update(
        dns_status=status,
        dns_checked_at=now,
        verified=verified,
        verified_at=(sender.verified_at or now) if verified else None,
        updated_at=now,
    )
    sender.refresh_from_db()
    return sender


def sender_delete(*, sender: Sender, user=None, request=None) -> None:
    with transaction.atomic():
        audit_record(
            action="emails.sender.deleted", request=request, user=user, workspace=sender.workspace, target=sender
        )
        sender.delete()


def sender_require_verified(sender: Sender | None) -> Sender:
    if sender is None or not sender.verified:
        raise SenderNotVerified(sender)
    return sender
