from django.apps import AppConfig


class CommerceConfig(AppConfig):
    """Stores, products, suppliers, orders, inventory, forecasts."""

    name = "commerce"
    verbose_name = "Commerce"
    default_auto_field = "django.db.models.BigAutoField"
