"""Personal data held by e-mail (see nexusone/personal_data.py)."""

from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat

from nexusone.personal_data import Holding, register


def _messages_of(contact) -> Q:
    q = Q(contact_id=contact.pk)
    if contact.email:
        q |= Q(to_email__iexact=contact.email)
    return q


def _suppression_of(contact) -> Q:
    return Q(email__iexact=contact.email) if contact.email else Q(pk__in=[])


register(
    Holding("emails.Sender", personal=("email", "name")),
    Holding("emails.Suppression", personal=("email",), contact=_suppression_of, contact_erase="delete"),
    Holding("emails.Campaign", not_personal=("name", "body"), user="created_by"),
    Holding(
        "emails.EmailMessage",
        personal=("to_email",),
        contact=_messages_of,
        contact_erase="anonymize",
        # Unique per campaign and address: each erased row gets its own placeholder.
        anonymize={"to_email": Concat(Value("erased-"), Cast("id", CharField()))},
        note="Erasing keeps the row without the address, so campaign statistics still count it.",
    ),
    Holding(
        "emails.EmailEvent",
        personal=("data",),
        contact=lambda contact: Q(message__contact_id=contact.pk),
        contact_erase="delete",
    ),
)
