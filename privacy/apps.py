from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """GDPR: workspace export and deletion, user and contact export/erase, retention."""

    name = "privacy"
    verbose_name = "Privacy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts import hooks
        from nexusone.audit import register_action_labels
        from privacy.erasure import user_delete

        hooks.register_account_deleter(user_delete)  # DELETE /api/v1/me (accounts imports no module)

        register_action_labels(
            {
                "privacy.contact.erased": _("Contact erased"),
                "privacy.user.deleted": _("Account deleted"),
                "privacy.export.started": _("Data export started"),
                "privacy.workspace.deletion_requested": _("Workspace deletion requested"),
                "privacy.workspace.restored": _("Workspace restored"),
                "privacy.workspace.purged": _("Workspace data deleted"),
                "privacy.retention.applied": _("Old data removed by the retention policy"),
                "privacy.retention.changed": _("Retention policy changed"),
            }
        )
