"""Personal data held by SMS (see nexusone/personal_data.py)."""

from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat

from nexusone.personal_data import Holding, register


def _messages_of(contact) -> Q:
    q = Q(contact_id=contact.pk)
    if contact.phone:
        q |= Q(to=contact.phone) | Q(from_number=contact.phone)
    return q


register(
    Holding("sms.SmsCampaign", not_personal=("name", "body"), user="created_by"),
    Holding(
        "sms.SmsMessage",
        personal=("to", "from_number", "body"),
        contact=_messages_of,
        contact_erase="anonymize",
        anonymize={"to": Concat(Value("erased-"), Cast("id", CharField()))},
        note="Erasing keeps the row without number and text, so campaign statistics still count it.",
    ),
)
