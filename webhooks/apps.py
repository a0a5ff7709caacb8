from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outgoing webhooks to customers' own systems (Standard Webhooks)."""

    name = "webhooks"
    verbose_name = "Outgoing webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from nexusone.audit import register_action_labels

        register_action_labels(
            {
                "webhooks.endpoint.created": _("Webhook endpoint created"),
                "webhooks.endpoint.updated": _("Webhook endpoint changed"),
                "webhooks.endpoint.rotated": _("Webhook signing secret rotated"),
                "webhooks.endpoint.deleted": _("Webhook endpoint deleted"),
                "webhooks.endpoint.disabled": _("Webhook endpoint disabled after failures"),
            }
        )
