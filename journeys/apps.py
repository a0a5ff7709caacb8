from django.apps import AppConfig


class JourneysConfig(AppConfig):
    """Customer journeys: a trigger, then steps (waits, e-mail, SMS, WhatsApp
    templates, tags, stage, branches, member notifications) run by the beat."""

    name = "journeys"
    verbose_name = "Journeys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from nexusone.audit import register_action_labels
        from notifications.kinds import Kind, register_kind

        register_action_labels(
            {
                "journeys.journey.created": _("Journey created"),
                "journeys.journey.activated": _("Journey activated"),
                "journeys.journey.paused": _("Journey paused"),
                "journeys.journey.deleted": _("Journey deleted"),
            }
        )
        register_kind(
            Kind(
                key="journeys.step_notify",
                label=_("Journey notifications"),
                title=_("Journey %(journey)s: %(contact)s"),
                body=_("%(message)s"),
                email=False,
                slack=True,
            )
        )
