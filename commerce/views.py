"""Commerce pages under /<lang>/w/<slug>/commerce/: stores with their sync,
the catalogue with import (costs shown before the click), product detail
(variants, stock, push, freight, reorder advice), orders with fulfil, and
inventory alerts with the reorder list. Thin: everything goes through
`commerce.services` like the API."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from billing.models import ModuleCost
from commerce.models import InventoryAlert, Order, Product, ProductImport, Store, Supplier
from commerce.services import imports, inventory, orders, push, sync
from emails.views import error_text
from nexusone.errors import ApplicationError, ValidationFailed
from nexusone.pages import WorkspacePageMixin

IMPORT_SUPPLIERS = [Supplier.ALIEXPRESS, Supplier.CJ, Supplier.DSERS, Supplier.AMAZON]


def scraper_cost() -> int:
    cost = ModuleCost.objects.filter(module=imports.MODULE).values_list("credits", flat=True).first()
    return int(cost or 3)


class CommercePage(WorkspacePageMixin, TemplateView):
    permission = "commerce.view"
    form_permissions = {"": "commerce.change"}
    section = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["commerce_section"] = self.section
        return context

    def fail(self, request, exc: ApplicationError) -> None:
        messages.error(request, error_text(exc))


class StoresView(CommercePage):
    template_name = "commerce/pages/stores.html"
    section = "stores"
    form_permissions = {"sync": "commerce.store.sync", "delivery": "commerce.store.manage",
                        "pricing": "commerce.store.manage"}  # fmt: skip

    def get_context_data(self, **kwargs):
        from commerce.pricing import pricing_rule_get, sell_price_cents

        context = super().get_context_data(**kwargs)
        context["stores"] = list(Store.objects.order_by("name", "id"))
        rule = pricing_rule_get(self.workspace)
        context["pricing"] = rule
        context["pricing_example"] = sell_price_cents(1000, mode=rule.mode, value=rule.value,
                                                      ending_cents=rule.ending_cents)  # fmt: skip
        return context

    def post(self, request, slug):
        if request.POST.get("action") == "pricing":
            return self._pricing(request, slug)
        store = Store.objects.filter(pk=request.POST.get("store") or 0).first() if str(
            request.POST.get("store", "")
        ).isdigit() else None  # fmt: skip
        if store is None:
            raise Http404(_("Not found."))
        try:
            if request.POST.get("action") == "sync":
                sync.sync_request(store=store, user=request.user, request=request)
                messages.success(request, _("Sync started."))
            else:
                names = [n.strip() for n in request.POST.get("logistic_names", "").split(",") if n.strip()][:20]
                days = request.POST.get("max_days", "").strip()
                if days and (not days.isdigit() or not 1 <= int(days) <= 120):
                    raise ValidationFailed(details={"max_days": [_("Between 1 and 120 days.")]})
                fallback = request.POST.get("fallback", "cheapest")
                if fallback not in ("cheapest", "fastest", "none"):
                    fallback = "cheapest"
                store.delivery_preferences = {"logistic_names": names, "max_days": int(days) if days else None,
                                              "fallback": fallback}  # fmt: skip
                store.save(update_fields=["delivery_preferences", "updated_at"])
                messages.success(request, _("Delivery preferences saved."))
        except ApplicationError as exc:
            self.fail(request, exc)
        return redirect("commerce_stores", slug=slug)

    def _pricing(self, request, slug):
        from commerce.api.serializers import PricingRuleInput
        from commerce.pricing import pricing_rule_set

        post = request.POST
        data = PricingRuleInput(data={"mode": post.get("mode", ""), "value": post.get("value", ""),
                                      "ending_cents": post.get("ending_cents") or None})  # fmt: skip
        try:
            if not data.is_valid():
                raise ValidationFailed(details={k: [str(m) for m in v] for k, v in data.errors.items()})
            pricing_rule_set(workspace=self.workspace, user=request.user, request=request, **data.validated_data)
            messages.success(request, _("Pricing rule saved: it applies to the next imports."))
        except ApplicationError as exc:
            self.fail(request, exc)
        return redirect("commerce_stores", slug=slug)


class ProductsView(CommercePage):
    template_name = "commerce/pages/products.html"
    section = "products"
    form_permissions = {"import": "commerce.product.import"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            products=list(Product.objects.prefetch_related("variants").order_by("-created_at", "-id")[:100]),
            jobs=list(ProductImport.objects.order_by("-created_at", "-id")[:5]),
            suppliers=[(s.value, s.label) for s in IMPORT_SUPPLIERS],
            cost=scraper_cost(),
            form_key=uuid.uuid4().hex,
        )
        return context

    def post(self, request, slug):
        post = request.POST
        urls = [line.strip() for line in post.get("urls", "").splitlines() if line.strip()]
        supplier = post.get("supplier", "")
        try:
            from commerce.api.serializers import ProductImportInput

            data = ProductImportInput(data={"urls": urls, "supplier": supplier,
                                            "import_to_store": post.get("import_to_store") == "on"})  # fmt: skip
            if not data.is_valid():
                raise ValidationFailed(details={k: [str(m) for m in v] for k, v in data.errors.items()})
            job = imports.import_start(
                workspace=self.workspace, user=request.user, entries=data.validated_data["entries"],
                supplier=supplier, import_to_store=data.validated_data["import_to_store"],
                request_key=f"page:{post.get('form_key', '')[:64]}" if post.get("form_key") else "",
                request=request,
            )  # fmt: skip
        except ApplicationError as exc:
            self.fail(request, exc)
            return redirect("commerce_products", slug=slug)
        messages.success(request, _("Import started: %(n)d URLs.") % {"n": job.total})
        return redirect("commerce_products", slug=slug)


class ProductDetailView(CommercePage):
    template_name = "commerce/pages/product.html"
    section = "products"
    form_permissions = {"push": "commerce.product.push"}

    def _product(self, pk) -> Product:
        product = Product.objects.filter(pk=pk).select_related("store").first()
        if product is None:
            raise Http404(_("Not found."))
        return product

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self._product(kwargs["pk"])
        variants = list(product.variants.all())
        series = inventory.daily_units([v.pk for v in variants])
        advice = [inventory.reorder_advice(v, series[v.pk]) for v in variants]
        freight, freight_error = None, ""
        country = self.request.GET.get("country", "").strip().upper()
        if country:
            from commerce.providers import cj

            vids = [(v.supplier_variant_id, 1) for v in variants if v.supplier_variant_id][:1]
            try:
                if len(country) != 2 or not country.isalpha():
                    raise ValidationFailed(details={"country": [_("Give a two-letter country code, e.g. US.")]})
                if not vids:
                    raise ValidationFailed(details={"variants": [_("No variant has a CJ vid.")]})
                freight = cj.CJClient.for_workspace(self.workspace).freight(vids=vids, to_country=country)
            except ApplicationError as exc:
                freight_error = error_text(exc)
        context.update(forecast=_forecast_chart(product, rtl=get_language_bidi()))
        context.update(product=product, rows=list(zip(variants, advice, strict=True)), freight=freight,
                       freight_error=freight_error, country=country)  # fmt: skip
        return context

    def post(self, request, slug, pk):
        product = self._product(pk)
        try:
            push.product_push(product=product, user=request.user, request=request)
            messages.success(request, _("The product was written to the store."))
        except ApplicationError as exc:
            self.fail(request, exc)
        return redirect("commerce_product", slug=slug, pk=pk)


def _forecast_chart(product, *, rtl: bool) -> dict:
    """The next 30 days' forecast of the product's variants together, with a bar chart."""
    from datetime import date

    from analytics.svg import PALETTE, Series, daily_bars
    from commerce.services.forecasts import forecast_get

    result = forecast_get(product=product, days=30)
    by_day = {date.fromisoformat(d["date"]): d for d in result.days}
    chart = daily_bars(
        title=_("Forecast units per day"),
        days=list(by_day),
        series_list=[Series("units", _("Forecast"), PALETTE[0])],
        value=lambda day, key: by_day[day][key],
        stacked=False,
        rtl=rtl,
        label_id="chart-forecast",
    )
    methods = {"ets_weekly": _("exponential smoothing (ETS) with a weekly season"),
               "weekly_profile": _("weekly pattern of the sales history"), "mean": _("average of a short history"),
               "no_history": _("no sales yet: zero")}  # fmt: skip
    total_units = sum(d["units"] for d in result.days)
    return {"result": result, "chart": chart, "method": methods.get(result.method, result.method),
            "total": round(total_units, 1)}  # fmt: skip


class OrdersView(CommercePage):
    template_name = "commerce/pages/orders.html"
    section = "orders"
    form_permissions = {"fulfill": "commerce.order.fulfill"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        rows = Order.objects.prefetch_related("lines").order_by("-placed_at", "-id")
        if status in Order.Fulfillment.values:
            rows = rows.filter(status=status)
        context.update(orders=list(rows[:100]), statuses=Order.Fulfillment.choices, status=status)
        return context

    def post(self, request, slug):
        order_id = request.POST.get("order", "")
        order = Order.objects.filter(pk=order_id).first() if order_id.isdigit() else None
        if order is None:
            raise Http404(_("Not found."))
        try:
            orders.order_fulfill(order=order, user=request.user, request=request)
            messages.success(request, _("Order %(number)s was sent to the supplier.") % {"number": order.number})
        except ApplicationError as exc:
            self.fail(request, exc)
        return redirect("commerce_orders", slug=slug)


class InventoryView(CommercePage):
    template_name = "commerce/pages/inventory.html"
    section = "inventory"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            alerts=list(
                InventoryAlert.objects.filter(resolved_at__isnull=True).select_related("variant__product")[:100]
            ),
            advice=inventory.reorder_recommendations()[:100],
        )
        return context


class SalesView(CommercePage):
    """Revenue and gross margin per day (chart and table), per product, and the
    partners' commissions (chart, table, rules) over a period; CSV download."""

    template_name = "commerce/pages/sales.html"
    section = "sales"
    form_permissions = {"rule_add": "commerce.store.manage", "rule_delete": "commerce.store.manage"}

    def _period(self):
        from datetime import date, timedelta

        from django.utils import timezone

        today = timezone.localdate()
        try:
            end = date.fromisoformat(self.request.GET.get("to") or today.isoformat())
            start = date.fromisoformat(self.request.GET.get("from") or (end - timedelta(days=29)).isoformat())
        except ValueError:
            return today - timedelta(days=29), today, _("A date as YYYY-MM-DD.")
        if start > end or (end - start).days > 366:
            return today - timedelta(days=29), today, _("From must be on or before to, at most 366 days apart.")
        return start, end, ""

    def get(self, request, *args, **kwargs):
        if request.GET.get("download") == "csv":
            from commerce.api.views import _csv
            from commerce.sales import sales

            start, end, _error = self._period()
            group = "product" if request.GET.get("group") == "product" else "day"
            return _csv(sales(start=start, end=end, group=group), f"sales-{start}-{end}-{group}.csv")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from datetime import date, timedelta

        from analytics.svg import PALETTE, Series, category_bars, daily_bars
        from commerce.models import CommissionRule
        from commerce.sales import _margin, commissions, sales

        context = super().get_context_data(**kwargs)
        start, end, period_error = self._period()
        days = sales(start=start, end=end, group="day")
        revenue_by_currency: dict[str, int] = {}
        for row in days:
            revenue_by_currency[row["currency"]] = revenue_by_currency.get(row["currency"], 0) + row["revenue_cents"]
        currency = max(revenue_by_currency, key=revenue_by_currency.get) if revenue_by_currency else ""
        by_day = {date.fromisoformat(row["date"]): row for row in days if row["currency"] == currency}
        period_days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        rtl = get_language_bidi()
        chart = daily_bars(
            title=_("Revenue and gross margin per day (%(currency)s)") % {"currency": currency},
            days=period_days,
            series_list=[Series("revenue_cents", _("Revenue"), PALETTE[0]),
                         Series("gross_margin_cents", _("Gross margin"), PALETTE[2])],
            value=lambda day, key: max(0, by_day[day][key]) / 100 if day in by_day else 0,
            stacked=False, rtl=rtl, label_id="chart-sales",
        ) if currency else None  # fmt: skip
        summed = ("orders", "revenue_cents", "cost_cents", "shipping_cents", "fees_cents")
        totals: dict[str, dict] = {}
        for row in days:
            total = totals.setdefault(row["currency"], {"currency": row["currency"], **dict.fromkeys(summed, 0)})
            for key in summed:
                total[key] += row[key]

        owed = commissions(start=start, end=end)
        owed_main = [row for row in owed if row["currency"] == currency]
        commission_chart = category_bars(
            title=_("Commissions per partner (%(currency)s)") % {"currency": currency},
            categories=[(row["partner"], row["commission_cents"] / 100) for row in owed_main],
            rtl=rtl, label_id="chart-commissions", color=PALETTE[1],
        ) if owed_main else None  # fmt: skip
        context.update(
            start=start, end=end, period_error=period_error, days=days, chart=chart,
            totals=[_margin(total) for total in totals.values()],
            products=sales(start=start, end=end, group="product")[:50],
            commissions=owed, commission_chart=commission_chart,
            rules=list(CommissionRule.objects.select_related("product", "store")),
            rule_products=list(Product.objects.order_by("title").values_list("pk", "title")[:500]),
            rule_stores=list(Store.objects.order_by("name").values_list("pk", "name")),
        )  # fmt: skip
        return context

    def post(self, request, slug):
        from commerce.api.serializers import CommissionRuleInput
        from commerce.models import CommissionRule

        post = request.POST
        try:
            if post.get("action") == "rule_delete":
                rule = CommissionRule.objects.filter(pk=post.get("rule") or 0).first() if str(
                    post.get("rule", "")).isdigit() else None  # fmt: skip
                if rule is None:
                    raise Http404(_("Not found."))
                rule.delete()
                messages.success(request, _("Commission rule deleted."))
            else:
                data = CommissionRuleInput(data={"partner": post.get("partner", ""), "basis": post.get("basis", ""),
                                                 "percent": post.get("percent", ""),
                                                 "product_id": post.get("product") or None,
                                                 "store_id": post.get("store") or None})  # fmt: skip
                if not data.is_valid():
                    raise ValidationFailed(details={k: [str(m) for m in v] for k, v in data.errors.items()})
                CommissionRule.objects.create(workspace=self.workspace, **data.validated_data)
                messages.success(request, _("Commission rule added."))
        except ApplicationError as exc:
            self.fail(request, exc)
        return redirect("commerce_sales", slug=slug)
