from django.apps import AppConfig, apps
from django.conf import settings


class BillingConfig(AppConfig):
    """Plans, the credit ledger and its single charge door, quotas, Stripe."""

    name = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from accounts import hooks
        from billing.quotas import plan_require
        from billing.selectors import workspace_billing_summary

        hooks.workspace_creating.connect(_limit_free_workspaces, dispatch_uid="billing_free_workspaces")
        hooks.workspace_created.connect(_open_account, dispatch_uid="billing_open_account")
        email_confirmed.connect(_grant_free_allowance, dispatch_uid="billing_free_allowance")
        hooks.register_workspace_summary(workspace_billing_summary)
        hooks.register_feature_gate(plan_require)
        _register_audit_labels()
        if not apps.is_installed("djstripe"):  # the web process (settings: WEB_LEAVES_OUT)
            from django.db.models.signals import pre_delete

            pre_delete.connect(_detach_stripe_customers, sender=settings.AUTH_USER_MODEL, dispatch_uid="billing_djs")


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


def _limit_free_workspaces(sender, owner, is_personal=False, **kwargs) -> None:
    """409 `free_workspace_limit` beyond the free workspaces one person may own
    (the personal workspace made at sign-up is always created)."""
    if not is_personal:
        from billing.services import free_workspace_check

        free_workspace_check(owner=owner)


def _open_account(sender, workspace, owner, **kwargs) -> None:
    """A new workspace gets its billing account on the free plan (in the
    creating transaction) without the free plan's credits; a personal
    workspace whose owner's address is already verified (social sign-in, the
    demo) receives the owner's allowance at once."""
    from allauth.account.models import EmailAddress

    from billing.services import billing_account_open, free_allowance_claim

    billing_account_open(workspace=workspace, free_allowance=False)
    if workspace.is_personal:
        for email in EmailAddress.objects.filter(user=owner, verified=True).values_list("email", flat=True):
            if free_allowance_claim(user=owner, email=email, workspace=workspace):
                break


def _grant_free_allowance(sender, request=None, email_address=None, **kwargs) -> None:
    """A verified address earns the person's free allowance (once per person)."""
    from billing.services import free_allowance_claim

    if email_address is not None and email_address.verified:
        free_allowance_claim(user=email_address.user, email=email_address.email)


def _detach_stripe_customers(sender, instance, **kwargs) -> None:
    """Without dj-stripe's models Django does not know that `djstripe_customer.subscriber_id`
    points at the user (`on_delete=SET_NULL`): do it, so deleting a user in the admin works."""
    from billing.stripe_mirror import customers_detach_user

    customers_detach_user(instance.pk)
