from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Ad campaigns, A/B tests, social scheduling."""

    name = "campaigns"
    verbose_name = "Campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from campaigns import offline
        from content.gateway.offline import register_offline_task
        from nexusone.audit import register_action_labels

        register_offline_task("campaigns.ad_copy", offline.ad_copy)
        register_action_labels(
            {
                "campaigns.campaign.created": _("Ad campaign drafted"),
                "campaigns.campaign.deleted": _("Ad campaign deleted"),
                "campaigns.campaign.launched": _("Ad campaign launched"),
            }
        )
