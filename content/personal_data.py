"""Personal data held by content (see nexusone/personal_data.py)."""

from django.db.models import Q

from nexusone.personal_data import Holding, register


def _submission_of(contact) -> Q:
    q = Q(crm_contact_id=contact.pk)
    if contact.email:
        q |= Q(email__iexact=contact.email)
    if contact.phone:
        q |= Q(phone=contact.phone)
    return q


register(
    Holding("content.Generation", personal=("prompt", "text"), user="created_by"),
    Holding("content.IdeaBatch", user="created_by"),
    Holding("content.LandingPage", user="created_by", files={"hero_image": "path"}),
    Holding(
        "content.LandingPageSubmission",
        personal=("name", "email", "phone", "message"),
        secret=("fingerprint",),
        contact=_submission_of,
        contact_erase="delete",
        note="A page's leads: what visitors typed into its form.",
    ),
    Holding("content.VideoProject", personal=("script",), secret=("webhook_token",), user="created_by"),
    Holding("content.VideoPrompt", user="created_by"),
)
