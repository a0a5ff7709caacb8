"""Dashboard panels: a registry each module can add to.

A panel is a function `(DashboardData) -> PanelData`. `DashboardData` holds
the workspace's rollups for the period, already summed per local day (and
per dimension), so a panel never queries raw events. A panel whose module
has no data in the period returns `used=False` and the page says "not used"
instead of drawing empty axes. Every panel's `columns` and `rows` are also
its CSV export and the table under its chart.

Add one from a module (in its AppConfig.ready())::

    from analytics.panels import Panel, register_panel
    register_panel(Panel("orders", order=70, build=my_build))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from analytics import svg
from analytics.selectors import UsageRange


@dataclass
class DashboardData:
    workspace: object
    period: UsageRange
    rtl: bool
    daily: dict[tuple[date, str, str], int] = field(default_factory=dict)
    per_dimension: dict[tuple[str, str, str], int] = field(default_factory=dict)
    module_labels: dict[str, str] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        return self.period.days

    def day(self, day: date, module: str, metric: str) -> int:
        return self.daily.get((day, module, metric), 0)

    def total(self, module: str, metric: str) -> int:
        return self._totals.get((module, metric), 0)

    def modules_with(self, metric: str) -> list[str]:
        return sorted(m for (m, k), v in self._totals.items() if k == metric and v)

    @cached_property
    def _totals(self) -> dict[tuple[str, str], int]:
        totals: dict[tuple[str, str], int] = {}
        for (_day, module, metric), value in self.daily.items():
            totals[(module, metric)] = totals.get((module, metric), 0) + value
        return totals

    def dimensions(self, module: str, metric: str) -> dict[str, int]:
        return {d: v for (m, k, d), v in self.per_dimension.items() if m == module and k == metric}


@dataclass
class PanelData:
    key: str
    title: str
    used: bool
    columns: list[tuple[str, str]] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (label, formatted value)
    # Drawn when first shown (`{{ panel.chart }}` calls it): the API and CSV never draw.
    chart: Callable[[], SafeString] | SafeString | None = None
    extra_table: tuple[list[tuple[str, str]], list[dict]] | None = None  # a second table (per page, per stage)
    unused_message: str = ""
    legend: list[tuple[str, str]] = field(default_factory=list)  # (label, colour) of the chart's series

    @property
    def cells(self) -> list[list]:
        """`rows` as lists in column order (the page's table)."""
        return [[row.get(key) for key, _label in self.columns] for row in self.rows]

    @property
    def extra_cells(self) -> list[list]:
        if not self.extra_table:
            return []
        columns, rows = self.extra_table
        return [[row.get(key) for key, _label in columns] for row in rows]


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    build: Callable[[DashboardData], PanelData]


PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> Panel:
    PANELS[panel.key] = panel
    return panel


def ordered_panels() -> list[Panel]:
    return sorted(PANELS.values(), key=lambda p: (p.order, p.key))


class _chart:
    """A chart drawn on first call, once."""

    __slots__ = ("_args", "_draw", "_drawn")

    def __init__(self, draw: Callable[..., SafeString], /, **kwargs) -> None:
        self._draw, self._args, self._drawn = draw, kwargs, None

    def __call__(self) -> SafeString:
        if self._drawn is None:
            self._drawn = self._draw(**self._args)
        return self._drawn

    def __str__(self) -> str:
        return self()

    def __html__(self) -> str:
        return self()


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _money(cents: float) -> str:
    return f"{cents / 100:,.2f}"


def _daily_rows(data: DashboardData, columns: list[tuple[str, str]], value: Callable[[date, str], float]) -> list:
    return [{"date": day.isoformat(), **{key: value(day, key) for key, _l in columns}} for day in data.days]


def _legend(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(item.label, item.color) for item in svg.series(columns)]


def _unused(key: str, title: str, message: str) -> PanelData:
    return PanelData(key=key, title=title, used=False, unused_message=message)


# --- credits -----------------------------------------------------------------------------------------


def credits_panel(data: DashboardData) -> PanelData:
    title = _("Credits spent by module and day")
    modules = data.modules_with("credits")
    if not modules:
        return _unused("credits", title, _("No credits were spent in this period."))
    columns = [(m, data.module_labels.get(m, m)) for m in modules]
    chart = _chart(svg.daily_bars, title=title, days=data.days, series_list=svg.series(columns), rtl=data.rtl,
                           value=lambda d, m: data.day(d, m, "credits"), label_id="chart-credits")  # fmt: skip
    legend = _legend(columns)
    summary = [(label, str(data.total(m, "credits"))) for m, label in columns]
    summary.insert(0, (_("All modules"), str(sum(data.total(m, "credits") for m in modules))))
    return PanelData("credits", title, True, [("date", _("Date")), *columns],
                     _daily_rows(data, columns, lambda d, m: data.day(d, m, "credits")), summary, chart,
                     legend=legend)  # fmt: skip


# --- outputs -----------------------------------------------------------------------------------------


# (label, module, metric): what each module produced.
def _outputs() -> list[tuple[str, str, str, str]]:
    return [
        ("content", _("Content"), "content", "outputs"),
        ("pages", _("Landing pages"), "magic_pages", "outputs"),
        ("ideas", _("Business ideas"), "generate_income", "outputs"),
        ("videos", _("Videos"), "video_creator", "actions"),
        ("broadcasts", _("Broadcasts"), "whatsapp", "broadcasts"),
        ("agent_answers", _("Agents' answers"), "agent_reply", "actions"),
        ("imports", _("Imports"), "crm", "imports"),
    ]


def outputs_panel(data: DashboardData) -> PanelData:
    title = _("Outputs per module")
    outputs = [o for o in _outputs() if data.total(o[2], o[3])]
    if not outputs:
        return _unused("outputs", title, _("Nothing was produced in this period."))
    columns = [(key, label) for key, label, _m, _k in outputs]
    source = {key: (module, metric) for key, _l, module, metric in outputs}
    value = lambda d, key: data.day(d, *source[key])  # noqa: E731
    chart = _chart(svg.daily_bars, title=title, days=data.days, series_list=svg.series(columns), value=value,
                   rtl=data.rtl, label_id="chart-outputs")  # fmt: skip
    summary = [(label, str(data.total(module, metric))) for _k, label, module, metric in outputs]
    return PanelData("outputs", title, True, [("date", _("Date")), *columns], _daily_rows(data, columns, value),
                     summary, chart, legend=_legend(columns))  # fmt: skip


# --- WhatsApp ----------------------------------------------------------------------------------------------


def whatsapp_panel(data: DashboardData) -> PanelData:
    title = _("WhatsApp messages")
    columns = [("sent", _("Sent")), ("delivered", _("Delivered")), ("read", _("Read")), ("failed", _("Failed"))]
    totals = {key: data.total("whatsapp", key) for key, _l in columns}
    if not any(totals.values()):
        return _unused("whatsapp", title, _("No WhatsApp messages were sent in this period."))
    value = lambda d, key: data.day(d, "whatsapp", key)  # noqa: E731
    chart = _chart(svg.daily_bars, title=title, days=data.days, series_list=svg.series(columns), value=value,
                   stacked=False, rtl=data.rtl, label_id="chart-whatsapp")  # fmt: skip
    attempted = totals["sent"] + totals["failed"]
    summary = [(label, str(totals[key])) for key, label in columns] + [
        (_("Delivery rate"), _pct(totals["delivered"], totals["sent"])),
        (_("Read rate"), _pct(totals["read"], totals["delivered"])),
        (_("Failure rate"), _pct(totals["failed"], attempted)),
    ]
    return PanelData("whatsapp", title, True, [("date", _("Date")), *columns], _daily_rows(data, columns, value),
                     summary, chart, legend=_legend(columns))  # fmt: skip


# --- CRM -----------------------------------------------------------------------------------------------------


def crm_panel(data: DashboardData) -> PanelData:
    title = _("CRM contacts")
    from analytics.selectors import contacts_by_stage

    stages = contacts_by_stage(workspace=data.workspace)
    new_total = data.total("crm", "new_contacts")
    if not new_total and not any(count for _k, _l, count in stages):
        return _unused("crm", title, _("The CRM has no contacts yet."))
    columns = [("new_contacts", _("New contacts"))]
    value = lambda d, key: data.day(d, "crm", key)  # noqa: E731
    chart = _chart(svg.daily_bars, title=_("New contacts per day"), days=data.days, series_list=svg.series(columns),
                           value=value, rtl=data.rtl, label_id="chart-crm")  # fmt: skip
    summary = [(_("New in this period"), str(new_total))] + [(label, str(count)) for _k, label, count in stages]
    stage_table = ([("stage", _("Stage")), ("contacts", _("Contacts"))],
                   [{"stage": label, "contacts": count} for _k, label, count in stages])  # fmt: skip
    return PanelData("crm", title, True, [("date", _("Date")), *columns], _daily_rows(data, columns, value), summary,
                     chart, extra_table=stage_table)  # fmt: skip


# --- landing pages -------------------------------------------------------------------------------------------


def pages_panel(data: DashboardData) -> PanelData:
    title = _("Landing pages: views and conversions")
    views, conversions = data.dimensions("magic_pages", "views"), data.dimensions("magic_pages", "conversions")
    if not views and not conversions:
        return _unused("pages", title, _("No landing page was viewed in this period."))
    from analytics.selectors import page_titles

    titles = page_titles(workspace=data.workspace, ids=[*views, *conversions])
    per_page = sorted(
        ({"page": titles.get(pid, f"#{pid}"), "views": views.get(pid, 0), "conversions": conversions.get(pid, 0),
          "rate": _pct(conversions.get(pid, 0), views.get(pid, 0))} for pid in {*views, *conversions}),
        key=lambda row: (-row["views"], row["page"]),
    )  # fmt: skip
    columns = [("views", _("Views")), ("conversions", _("Conversions"))]
    value = lambda d, key: data.day(d, "magic_pages", key)  # noqa: E731
    chart = _chart(svg.daily_bars, title=title, days=data.days, series_list=svg.series(columns), value=value,
                   stacked=False, rtl=data.rtl, label_id="chart-pages")  # fmt: skip
    total_views, total_conversions = sum(views.values()), sum(conversions.values())
    summary = [(_("Views"), str(total_views)), (_("Conversions"), str(total_conversions)),
               (_("Conversion rate"), _pct(total_conversions, total_views))]  # fmt: skip
    table = ([("page", _("Page")), ("views", _("Views")), ("conversions", _("Conversions")),
              ("rate", _("Conversion rate"))], per_page)  # fmt: skip
    return PanelData("pages", title, True, [("date", _("Date")), *columns], _daily_rows(data, columns, value),
                     summary, chart, extra_table=table, legend=_legend(columns))  # fmt: skip


# --- campaigns and commerce (their modules feed these metrics) ---------------------------------------------


def campaigns_panel(data: DashboardData) -> PanelData:
    title = _("Ad campaigns: spend, clicks and ROAS")
    spend, clicks = data.total("campaigns", "spend_cents"), data.total("campaigns", "clicks")
    if not spend and not clicks:
        return _unused("campaigns", title, _("Ad campaigns are not used in this workspace yet."))
    value_cents = data.total("campaigns", "conversion_value_cents")
    columns = [("spend", _("Spend")), ("clicks", _("Clicks")), ("conversions", _("Conversions"))]
    source = {"spend": "spend_cents", "clicks": "clicks", "conversions": "conversions"}
    rows = [{"date": d.isoformat(), "spend": _money(data.day(d, "campaigns", "spend_cents")),
             "clicks": data.day(d, "campaigns", "clicks"), "conversions": data.day(d, "campaigns", "conversions")}
            for d in data.days]  # fmt: skip
    chart = _chart(svg.daily_bars, title=_("Clicks per day"), days=data.days, series_list=svg.series(columns[1:2]),
                           value=lambda d, key: data.day(d, "campaigns", source[key]), rtl=data.rtl,
                           label_id="chart-campaigns")  # fmt: skip
    summary = [(_("Spend"), _money(spend)), (_("Clicks"), str(clicks)),
               (_("Return on ad spend"), f"{value_cents / spend:.2f}×" if spend else "—")]  # fmt: skip
    return PanelData("campaigns", title, True, [("date", _("Date")), *columns], rows, summary, chart)


def commerce_panel(data: DashboardData) -> PanelData:
    title = _("Orders, revenue and margin")
    orders, revenue = data.total("commerce", "orders"), data.total("commerce", "revenue_cents")
    if not orders:
        return _unused("commerce", title, _("No store is connected or no order arrived in this period."))
    cost = data.total("commerce", "cost_cents")
    columns = [("orders", _("Orders")), ("revenue", _("Revenue")), ("margin", _("Margin"))]
    rows = [{"date": d.isoformat(), "orders": data.day(d, "commerce", "orders"),
             "revenue": _money(data.day(d, "commerce", "revenue_cents")),
             "margin": _money(data.day(d, "commerce", "revenue_cents") - data.day(d, "commerce", "cost_cents"))}
            for d in data.days]  # fmt: skip
    chart = _chart(svg.daily_bars, title=_("Orders per day"), days=data.days, series_list=svg.series(columns[:1]),
                           value=lambda d, key: data.day(d, "commerce", "orders"), rtl=data.rtl,
                           label_id="chart-commerce")  # fmt: skip
    summary = [(_("Orders"), str(orders)), (_("Revenue"), _money(revenue)), (_("Margin"), _money(revenue - cost)),
               (_("Margin rate"), _pct(revenue - cost, revenue))]  # fmt: skip
    return PanelData("commerce", title, True, [("date", _("Date")), *columns], rows, summary, chart)


register_panel(Panel("credits", 10, credits_panel))
register_panel(Panel("outputs", 20, outputs_panel))
if apps.is_installed("whatsapp"):
    register_panel(Panel("whatsapp", 30, whatsapp_panel))
if apps.is_installed("crm"):
    register_panel(Panel("crm", 40, crm_panel))
if apps.is_installed("content"):
    register_panel(Panel("pages", 50, pages_panel))
register_panel(Panel("campaigns", 60, campaigns_panel))
register_panel(Panel("commerce", 70, commerce_panel))
