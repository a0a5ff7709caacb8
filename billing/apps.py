from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Plans, the credit ledger and its single charge door, quotas, Stripe."""

    name = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"
