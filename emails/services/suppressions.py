"""Suppressions added and removed by members."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from crm.validation import InvalidValue, normalize_email
from emails.events import suppression_add
from emails.models import Suppression
from nexusone.audit import audit_record
from nexusone.errors import Conflict, ValidationFailed


def suppression_create(*, workspace, email: str, detail: str = "", user=None, request=None) -> Suppression:
    try:
        address = normalize_email(email)
    except InvalidValue as exc:
        raise ValidationFailed(details={"email": [str(exc)]}) from None
    if not address:
        raise ValidationFailed(details={"email": [_("This field is required.")]})
    with transaction.atomic():
        if not suppression_add(email=address, reason=Suppression.Reason.MANUAL, detail=detail):
            raise Conflict(_("This address is already suppressed."), code="already_suppressed")
        suppression = Suppression.objects.get(email=address)
        audit_record(
            action="emails.suppression.added", request=request, user=user, workspace=workspace, target=suppression
        )
    return suppression


def suppression_delete(*, suppression: Suppression, user=None, request=None) -> None:
    """Only manual suppressions are lifted by hand: an unsubscribe, a bounce or a
    complaint came from the recipient or their mail server."""
    if suppression.reason != Suppression.Reason.MANUAL:
        raise Conflict(_("Only addresses suppressed by a member can be removed."), code="suppression_not_manual")
    with transaction.atomic():
        audit_record(
            action="emails.suppression.removed",
            request=request,
            user=user,
            workspace=suppression.workspace,
            target=suppression,
        )
        suppression.delete()
