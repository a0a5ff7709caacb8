from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, workspaces, memberships, invitations and API keys."""

    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts import signals  # noqa: F401  (audit hooks on allauth's signals)
        from nexusone.audit import register_action_labels

        register_action_labels({"accounts.workspace.settings_changed": _("Workspace settings changed")})
