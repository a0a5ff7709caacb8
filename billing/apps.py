from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Plans, the credit ledger and its single charge door, quotas, Stripe."""

    name = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import hooks
        from billing.selectors import workspace_billing_summary

        hooks.workspace_created.connect(_open_account, dispatch_uid="billing_open_account")
        hooks.register_workspace_summary(workspace_billing_summary)


def _open_account(sender, workspace, **kwargs) -> None:
    """A new workspace gets its billing account on the free plan (in the creating transaction)."""
    from billing.services import billing_account_open

    billing_account_open(workspace=workspace)
