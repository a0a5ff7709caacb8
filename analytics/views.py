"""Usage page: credits by module per day as a server-rendered SVG chart, with
the same figures as a table."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language_bidi
from django.views.generic import TemplateView

from analytics import charts, selectors
from analytics.dashboard import dashboard, panels_csv, workspace_timezone
from analytics.panels import PANELS
from billing.selectors import module_labels, reserved_charges
from nexusone.pages import WorkspacePageMixin

RANGES = (7, 30, 90)


class UsageView(WorkspacePageMixin, TemplateView):
    template_name = "analytics/usage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            days = int(self.request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in RANGES else 30
        labels = module_labels()
        module = self.request.GET.get("module") or None
        if module not in labels:
            module = None
        period = selectors.usage_range(days=days)
        daily = selectors.usage_daily(workspace=self.workspace, period=period, module=module)
        totals = selectors.usage_by_module(daily)
        colors = charts.module_colors([row["module"] for row in totals])
        for row in totals:
            row["label"], row["color"] = labels.get(row["module"], row["module"]), colors[row["module"]]
        recent = list(selectors.usage_events(workspace=self.workspace, period=period, module=module)[:20])
        for event in recent:
            event.module_label = labels.get(event.module, event.module)
        held = list(reserved_charges(workspace=self.workspace)[:50])
        for charge in held:
            charge.module_label = labels.get(charge.module, charge.module)
        context.update(
            held=held,
            held_credits=sum(charge.credits for charge in held),
            days=days,
            ranges=RANGES,
            module=module,
            modules=sorted(labels.items(), key=lambda item: item[1]),
            period=period,
            totals=totals,
            total_credits=sum(row["credits"] for row in totals),
            chart=charts.daily_credits_svg(
                days=period.days, daily=daily, colors=colors, labels=labels, rtl=get_language_bidi()
            ),
            recent=recent,
        )
        return context


DASHBOARD_RANGES = (7, 30, 90)


class DashboardPage(WorkspacePageMixin, TemplateView):
    """Every panel of the workspace dashboard; `?export=<panel>` downloads its CSV."""

    template_name = "analytics/dashboard.html"

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export is not None:
            period, panels = self._panels(only=export if export in PANELS else None)
            name = f"dashboard-{export or 'all'}-{period.date_from}-{period.date_to}.csv"
            return HttpResponse(panels_csv(panels), content_type="text/csv; charset=utf-8",
                                headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
        return super().get(request, *args, **kwargs)

    def _days(self) -> int:
        try:
            days = int(self.request.GET.get("days", 30))
        except ValueError:
            return 30
        return days if days in DASHBOARD_RANGES else 30

    def _panels(self, only: str | None = None):
        tz = workspace_timezone(self.workspace)
        today = timezone.localdate(timezone=tz)
        return dashboard(
            workspace=self.workspace, date_from=today - timedelta(days=self._days() - 1), date_to=today, tz=tz,
            rtl=get_language_bidi(), only=only,
        )  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period, panels = self._panels()
        context.update(period=period, panels=panels, days=self._days(), ranges=DASHBOARD_RANGES, tz=str(period.tz))
        return context
