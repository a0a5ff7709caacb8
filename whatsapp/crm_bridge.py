"""The WhatsApp ↔ CRM seam: everything WhatsApp needs from `crm`, through
CRM's own services and selectors (WhatsApp never writes CRM rows itself).

- `segment_recipients` — a segment's contacts with a phone, their id and
  WhatsApp consent (`crm.selectors.segment_queryset`).
- `contact_for_inbound` — the contact with this phone, or a new one created by
  `crm.services.contact_create_lead` (free: a sender who writes in is a lead
  that arrived by itself, never charged `crm` credits).
- `activity_whatsapp` — a `whatsapp_message` activity, once per wamid
  (`crm.services.activity_add` with a dedupe key).
- `consent_set` — reflect an opt-out / opt-in on `Contact.whatsapp_opt_in`
  (`crm.services.contact_update`).

All run inside the workspace scope of the workspace they act on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.utils.translation import gettext as _

from nexusone.errors import ApplicationError, Conflict, ValidationFailed

logger = logging.getLogger(__name__)


def _segment_model():
    from crm.models import Segment

    return Segment


def segment_get(*, segment_id: int):
    """The segment in the active workspace, or None."""
    try:
        return _segment_model().objects.filter(pk=segment_id).first()
    except (ImportError, LookupError):
        return None


def segment_choices() -> list[tuple[int, str]]:
    try:
        return list(_segment_model().objects.order_by("name").values_list("pk", "name"))
    except (ImportError, LookupError):
        return []


def segment_recipients(*, workspace, segment_id: int) -> tuple[str, list[tuple[str, int, bool]]]:
    """(segment name, [(phone, contact id, WhatsApp consent)]) for contacts with a phone."""
    segment = segment_get(segment_id=segment_id)
    if segment is None:
        raise ValidationFailed(details={"segment_id": [_("Unknown segment.")]})
    try:
        from crm.selectors import segment_queryset
    except ImportError as exc:  # the CRM module does not offer segment evaluation yet
        raise ValidationFailed(details={"segment_id": [_("Segments cannot be evaluated yet.")]}) from exc
    contacts = segment_queryset(segment=segment)
    rows = contacts.exclude(phone="").order_by("pk").values_list("phone", "pk", "whatsapp_opt_in")
    return segment.name, [(phone, pk, bool(consent)) for phone, pk, consent in rows.iterator(chunk_size=5000)]


def contact_find(*, phone: str):
    from crm.models import Contact

    return Contact.objects.filter(phone=phone).first()


def contact_for_inbound(*, workspace, phone: str, profile_name: str = "", idempotency_key: str = ""):
    """The contact with `phone`, created (free) if missing. Returns None when
    it cannot be created (invalid data)."""
    from crm import services as crm_services

    contact = contact_find(phone=phone)
    if contact is not None:
        return contact
    data = {"phone": phone, "whatsapp_opt_in": True}
    if profile_name:
        first, _sep, last = profile_name.strip().partition(" ")
        data.update(first_name=first[:100], last_name=last[:100])
    try:
        return crm_services.contact_create_lead(workspace=workspace, data=data, source="whatsapp")
    except Conflict:
        return contact_find(phone=phone)  # created concurrently
    except ApplicationError:
        logger.warning("whatsapp: could not create a CRM contact for an inbound message", exc_info=True)
    return None


def activity_whatsapp(*, contact, payload: dict, occurred_at=None, dedupe_key: str = "") -> None:
    from crm import services as crm_services
    from crm.models import Activity

    if dedupe_key and Activity.objects.filter(dedupe_key=dedupe_key).exists():
        return
    crm_services.activity_add(
        contact=contact, type="whatsapp_message", payload=payload, occurred_at=occurred_at, dedupe_key=dedupe_key
    )


def consent_set(*, phone: str, opted_in: bool) -> int:
    """Set `whatsapp_opt_in` on the contact with this phone; returns 1 if changed."""
    from crm import services as crm_services

    contact = contact_find(phone=phone)
    if contact is None or contact.whatsapp_opt_in == opted_in:
        return 0
    crm_services.contact_update(contact=contact, data={"whatsapp_opt_in": opted_in})
    return 1


def contact_languages(contact_ids: Iterable[int]) -> dict[int, str]:
    from crm.models import Contact

    return dict(Contact.objects.filter(pk__in=list(contact_ids)).exclude(language="").values_list("pk", "language"))
