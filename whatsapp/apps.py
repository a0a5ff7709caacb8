from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    """WhatsApp Cloud API accounts, templates, broadcasts, webhooks, bots."""

    name = "whatsapp"
    verbose_name = "WhatsApp"
    default_auto_field = "django.db.models.BigAutoField"
