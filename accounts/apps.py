from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, workspaces, memberships, invitations and API keys."""

    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (audit hooks on allauth's signals)
