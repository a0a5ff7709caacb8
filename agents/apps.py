from django.apps import AppConfig


class AgentsConfig(AppConfig):
    """Custom AI agents and their conversations."""

    name = "agents"
    verbose_name = "AI agents"
    default_auto_field = "django.db.models.BigAutoField"
