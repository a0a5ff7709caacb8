import csv
import io

from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from analytics import revenue, staff
from analytics.models import StaffAnalytics, UsageEvent
from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyAdmin, WorkspaceOwnedAdmin):
    list_display = ("created_at", "workspace", "module", "action", "credits", "success", "source", "processing_ms",
                    "user")  # fmt: skip
    list_filter = ("module", "success", "source", "created_at")
    search_fields = ("workspace__name", "workspace__slug", "module", "action")
    list_select_related = ("workspace", "user")
    ordering = ("-id",)  # primary-key order: no index on created_at alone
    show_full_result_count = False


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


REPORTS = {"revenue": _("Revenue"), "modules": _("Module usage"), "users": _("Users")}


@admin.register(StaffAnalytics)
class StaffAnalyticsAdmin(ReadOnlyAdmin):
    """Staff dashboards: revenue (MRR, ARR, net new MRR, churn, ARPU by plan,
    top-ups), module usage across workspaces, users (DAU/WAU/MAU, sign-ups,
    conversion, retention cohorts); each table downloadable as CSV."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def changelist_view(self, request, extra_context=None):
        report = request.GET.get("report") if request.GET.get("report") in REPORTS else "revenue"
        columns, rows = self._table(report)
        if request.GET.get("format") == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow([str(c) for c in columns])
            writer.writerows(rows)
            disposition = f'attachment; filename="staff-{report}.csv"'
            return HttpResponse(
                out.getvalue(), content_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition}
            )
        context = {
            **self.admin_site.each_context(request),
            "title": REPORTS[report],
            "reports": REPORTS,
            "report": report,
            "columns": columns,
            "rows": rows,
            "opts": self.model._meta,
            "extra": staff.active_users() if report == "users" else None,
        }
        return TemplateResponse(request, "admin/analytics/staff.html", context)

    def _table(self, report: str) -> tuple[list, list[list]]:
        if report == "modules":
            rows = staff.module_usage()
            return ([_("Month"), _("Module"), _("Credits"), _("Actions"), _("Active workspaces")],
                    [[r["month"].isoformat()[:7], r["module"], r["credits"], r["actions"], r["active_workspaces"]]
                     for r in rows])  # fmt: skip
        if report == "users":
            rows = staff.user_cohorts()
            width = len(rows)
            return ([_("Sign-up month"), _("Sign-ups"), _("Converted to paid"), _("Conversion"),
                     *[f"M+{k}" for k in range(width)]],
                    [[r["month"].isoformat()[:7], r["signups"], r["converted"], _pct(r["conversion"]),
                      *[_pct(v) for v in r["retention"]], *[""] * (width - len(r["retention"]))]
                     for r in rows])  # fmt: skip
        months = revenue.revenue_report()
        plans = sorted({plan for m in months for plan in m.by_plan})
        columns = [_("Month"), "MRR", "ARR", _("New"), _("Expansion"), _("Contraction"), _("Churn"), _("Net new MRR"),
                   _("Paying workspaces"), _("Logo churn"), _("Revenue churn"), _("Top-up revenue"),
                   _("Invoiced revenue")]  # fmt: skip
        for plan in plans:
            columns += [f"{plan}: {_('workspaces')}", f"{plan}: ARPU"]
        rows = []
        for m in months:
            row = [m.month.isoformat()[:7], _money(m.mrr), _money(m.arr), _money(m.new), _money(m.expansion),
                   _money(m.contraction), _money(m.churn), _money(m.net_new), m.paying, _pct(m.logo_churn),
                   _pct(m.revenue_churn), _money(m.topups), _money(m.invoiced)]  # fmt: skip
            for plan in plans:
                figures = m.by_plan.get(plan)
                row += [figures["customers"], _money(figures["arpu"])] if figures else [0, "—"]
            rows.append(row)
        return columns, rows
