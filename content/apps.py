from django.apps import AppConfig


class ContentConfig(AppConfig):
    """The AI text gateway, content studio, business ideas, magic pages, video."""

    name = "content"
    verbose_name = "Content"
    default_auto_field = "django.db.models.BigAutoField"
