from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Usage events, dashboards, revenue analytics."""

    name = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts import hooks
        from analytics.selectors import forget_module_labels

        hooks.register_dashboard_panels(dashboard_panels)

        for signal in (post_save, post_delete):
            signal.connect(forget_module_labels, sender="billing.ModuleCost", dispatch_uid=f"analytics-labels-{signal}")


DASHBOARD_CHARTS = ("credits", "crm", "whatsapp")


def dashboard_panels(*, workspace, rtl: bool = False) -> list:
    """The workspace dashboard's charts (accounts composes them through its
    hooks): credits by module, leads and messages over the last 30 days."""
    from datetime import timedelta

    from django.utils import timezone

    from analytics.dashboard import dashboard, workspace_timezone

    tz = workspace_timezone(workspace)
    today = timezone.localdate(timezone=tz)
    _period, panels = dashboard(
        workspace=workspace, date_from=today - timedelta(days=29), date_to=today, tz=tz, rtl=rtl
    )
    return [panel for panel in panels if panel.key in DASHBOARD_CHARTS]
