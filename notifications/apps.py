from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The notification center: in-app, e-mail and Slack, per recipient and kind."""

    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"
