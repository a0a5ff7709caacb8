from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Ad campaigns, A/B tests, social scheduling."""

    name = "campaigns"
    verbose_name = "Campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from campaigns import offline, offline_generators
        from campaigns.insights import register_rollups
        from content.gateway.offline import register_offline_task
        from nexusone.audit import register_action_labels
        from notifications.kinds import CONTRIBUTORS, Kind, register_kind

        register_offline_task("campaigns.ad_copy", offline.ad_copy)
        register_offline_task("campaigns.ad_inspiration", offline_generators.ad_inspiration)
        register_offline_task("campaigns.launch_plan", offline_generators.launch_plan)
        register_rollups()
        register_kind(
            Kind(
                "campaigns.ad_rejected",
                _("Ad rejected by Meta"),
                _("Meta rejected ad %(ad)s of %(campaign)s"),
                _("Meta did not approve ad %(ad)s of the campaign %(campaign)s: %(reason)s"),
                roles=CONTRIBUTORS,
                level="warning",
            )
        )
        register_action_labels(
            {
                "campaigns.campaign.created": _("Ad campaign drafted"),
                "campaigns.campaign.deleted": _("Ad campaign deleted"),
                "campaigns.campaign.launched": _("Ad campaign launched"),
                "campaigns.campaign.paused": _("Ad campaign paused"),
                "campaigns.campaign.resumed": _("Ad campaign resumed"),
                "campaigns.campaign.archived": _("Ad campaign archived"),
            }
        )
