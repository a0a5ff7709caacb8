from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """A workspace's connections to third parties: the vault of their credentials,
    API-key providers, OAuth connections, their refresh and checks."""

    name = "integrations"
    verbose_name = "Integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The OAuth providers' check/refresh/revoke (`integrations.oauth`) plug in at first use
        # (`services._oauth_hooks`), not here: they bring httpx (issue 19, "Cold start").
        from integrations import audit_labels  # noqa: F401  (human labels of the audit actions)
