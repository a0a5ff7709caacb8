"""Personal data held by WhatsApp (see nexusone/personal_data.py)."""

from django.db.models import Q

from nexusone.personal_data import Holding, register


def _messages_of(contact) -> Q:
    q = Q(contact_id=contact.pk)
    if contact.phone:
        q |= Q(to=contact.phone) | Q(from_number=contact.phone)
    return q


def _by_phone(contact) -> Q:
    q = Q(contact_id=contact.pk)
    if contact.phone:
        q |= Q(phone=contact.phone)
    return q


def _opt_out_of(contact) -> Q:
    return Q(phone=contact.phone) if contact.phone else Q(pk__in=[])


register(
    Holding(
        "whatsapp.WhatsAppAccount",
        not_personal=("name", "display_phone_number", "verified_name"),
        secret=("access_token",),
        note="The business's numbers; the token is never exported.",
    ),
    Holding("whatsapp.MessageTemplate", not_personal=("name",)),
    Holding(
        "whatsapp.Broadcast",
        personal=("rejected_recipients",),
        not_personal=("name", "message"),
        user="created_by",
    ),
    Holding("whatsapp.SendBatch"),
    Holding(
        "whatsapp.Conversation",
        personal=("phone", "profile_name"),
        contact=_by_phone,
        contact_erase="delete",
    ),
    Holding(
        "whatsapp.Message",
        personal=("to", "from_number", "body", "payload"),
        contact=_messages_of,
        contact_erase="anonymize",
        note="Erasing keeps the row without its addresses and text, so broadcast statistics still count it.",
    ),
    Holding("whatsapp.OptOut", personal=("phone",), contact=_opt_out_of, contact_erase="delete"),
    Holding("whatsapp.BotRule", not_personal=("name",)),
    Holding(
        "whatsapp.WebhookEvent",
        personal=("payload",),
        note="Meta's raw notifications; deleted after the webhook-log retention.",
    ),
)
