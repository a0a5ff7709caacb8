from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Usage events, dashboards, revenue analytics."""

    name = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from analytics.selectors import forget_module_labels

        for signal in (post_save, post_delete):
            signal.connect(forget_module_labels, sender="billing.ModuleCost", dispatch_uid=f"analytics-labels-{signal}")
