"""Personal data held by journeys (see nexusone/personal_data.py): which contact
went through which step; erasing a contact deletes its enrollments and step runs."""

from django.db.models import Q

from nexusone.personal_data import Holding, register

register(
    Holding("journeys.Journey", not_personal=("name", "trigger", "steps", "goal"), user="created_by"),
    Holding("journeys.Enrollment", contact="contact", contact_erase="delete"),
    Holding(
        "journeys.StepRun",
        contact=lambda contact: Q(enrollment__contact_id=contact.pk),
        contact_erase="delete",
    ),
    Holding("journeys.SendCharge", note="The credits of a batch of journey sends: counts, no person."),
)
