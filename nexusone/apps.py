from django.apps import AppConfig


class NexusOneConfig(AppConfig):
    """Cross-cutting platform pieces: tenancy, audit log, idempotency, crypto."""

    name = "nexusone"
    label = "platform"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from nexusone.api import schema  # noqa: F401  (registers the OpenAPI auth extensions)
