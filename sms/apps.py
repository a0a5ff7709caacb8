from django.apps import AppConfig


class SmsConfig(AppConfig):
    """SMS campaigns through Twilio (or the offline sandbox), status callbacks, STOP."""

    name = "sms"
    verbose_name = "SMS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from nexusone.audit import register_action_labels

        register_action_labels(
            {
                "sms.campaign.sent": _("SMS campaign sent"),
                "sms.campaign.cancelled": _("SMS campaign cancelled"),
            }
        )
