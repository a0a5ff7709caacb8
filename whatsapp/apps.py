from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    """WhatsApp Cloud API accounts, templates, broadcasts, webhooks, bots."""

    name = "whatsapp"
    verbose_name = "WhatsApp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from nexusone.audit import register_action_labels

        register_action_labels(
            {
                "whatsapp.account.connected": _("WhatsApp number connected"),
                "whatsapp.account.token_changed": _("WhatsApp access token changed"),
                "whatsapp.account.removed": _("WhatsApp number removed"),
                "whatsapp.broadcast.created": _("WhatsApp broadcast created"),
                "whatsapp.broadcast.cancelled": _("WhatsApp broadcast cancelled"),
                "whatsapp.optout.added": _("WhatsApp opt-out added"),
                "whatsapp.optout.removed": _("WhatsApp opt-out removed"),
            }
        )
