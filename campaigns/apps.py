from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Ad campaigns, A/B tests, social scheduling."""

    name = "campaigns"
    verbose_name = "Campaigns"
    default_auto_field = "django.db.models.BigAutoField"
