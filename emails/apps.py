from django.apps import AppConfig


class EmailsConfig(AppConfig):
    """E-mail campaigns: senders and DNS, campaigns, sending, tracking, suppressions.
    (Named `emails`, not `email`, which would shadow the standard library.)"""

    name = "emails"
    verbose_name = "E-mail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from emails import webhooks  # noqa: F401 — connects the anymail tracking receiver
        from nexusone.audit import register_action_labels

        register_action_labels(
            {
                "emails.sender.created": _("E-mail sender added"),
                "emails.sender.deleted": _("E-mail sender removed"),
                "emails.campaign.sent": _("E-mail campaign sent"),
                "emails.campaign.scheduled": _("E-mail campaign scheduled"),
                "emails.campaign.cancelled": _("E-mail campaign cancelled"),
                "emails.suppression.added": _("Address suppressed"),
                "emails.suppression.removed": _("Address removed from suppressions"),
                "emails.postal_address.changed": _("Postal address for e-mails changed"),
            }
        )
