from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outgoing webhooks to customers' own systems (Standard Webhooks)."""

    name = "webhooks"
    verbose_name = "Outgoing webhooks"
    default_auto_field = "django.db.models.BigAutoField"
