"""Usage page: credits by module per day as a server-rendered SVG chart, with
the same figures as a table."""

from __future__ import annotations

from django.utils.translation import get_language_bidi
from django.views.generic import TemplateView

from analytics import charts, selectors
from billing.selectors import module_labels
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
        context.update(
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
