from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """GDPR: workspace export and deletion, user and contact export/erase, retention."""

    name = "privacy"
    verbose_name = "Privacy"
    default_auto_field = "django.db.models.BigAutoField"
