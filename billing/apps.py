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
        _register_audit_labels()


def _register_audit_labels() -> None:
    from django.utils.translation import gettext_lazy as _

    from nexusone.audit import register_action_labels

    register_action_labels(
        {
            "billing.plan.changed": _("Plan changed"),
            "billing.credits.adjusted": _("Credits adjusted"),
            "billing.credits.purchased": _("Credits purchased"),
            "billing.checkout.started": _("Plan checkout started"),
            "billing.topup.started": _("Credit top-up started"),
        }
    )


def _open_account(sender, workspace, **kwargs) -> None:
    """A new workspace gets its billing account on the free plan (in the creating transaction)."""
    from billing.services import billing_account_open

    billing_account_open(workspace=workspace)
