from django.apps import AppConfig


class CommerceConfig(AppConfig):
    """Stores, products, suppliers, orders, inventory, forecasts."""

    name = "commerce"
    verbose_name = "Commerce"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from commerce import (  # noqa: F401
            audit_labels,  # human labels of the audit actions
            receivers,  # connects to integrations' signals
        )
        from commerce.notices import register_kinds

        register_kinds()
