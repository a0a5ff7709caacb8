from django.apps import AppConfig


class NexusOneConfig(AppConfig):
    """Cross-cutting platform pieces: tenancy, audit log, idempotency, crypto."""

    name = "nexusone"
    label = "platform"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from nexusone import checks  # noqa: F401  (the production-settings system check)

        # The OpenAPI auth extensions (nexusone.api.schema) register when the URLconf
        # loads (accounts.api.views imports them): not at boot, where drf-spectacular's
        # plumbing would cost a web worker ~0.1 s (docs/PERFORMANCE.md, cold start).
        # Every app's rules join the permission table before the first request.
        autodiscover_modules("permissions")
