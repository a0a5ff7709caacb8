from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """A workspace's connections to third parties: the vault of their credentials,
    API-key providers, OAuth connections, their refresh and checks."""

    name = "integrations"
    verbose_name = "Integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from integrations import (
            audit_labels,  # noqa: F401  (human labels of the audit actions)
            oauth,  # noqa: F401  (plugs the OAuth providers' check/refresh/revoke in)
        )
