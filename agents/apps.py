from django.apps import AppConfig


class AgentsConfig(AppConfig):
    """Custom AI agents and their conversations."""

    name = "agents"
    verbose_name = "AI agents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from agents import offline
        from content.gateway.offline import register_offline_task
        from nexusone.audit import register_action_labels
        from notifications.kinds import CONTRIBUTORS, Kind, register_kind
        from whatsapp.services.bots import register_fallback_responder

        register_offline_task("agents.reply", offline.reply)
        register_fallback_responder(_whatsapp_respond)
        register_kind(
            Kind(
                "agent_handoff",
                _("AI agent handoff"),
                _("%(agent)s needs a person"),
                _("A conversation with %(agent)s was handed over to your team: %(reason)s"),
                roles=CONTRIBUTORS,
                email=False,
                level="warning",
            )
        )
        register_action_labels({"agents.agent.created": _("AI agent created")})


def _whatsapp_respond(**kwargs):
    """`agents.whatsapp_bot.respond`, imported by the first message it answers rather than at boot:
    it brings the charge door and the reply pipeline (issue 19, docs/architecture.md "Cold start")."""
    from agents.whatsapp_bot import respond

    return respond(**kwargs)
