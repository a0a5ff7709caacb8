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
from commerce.services import imports, inventory, orders, sync
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
    form_permissions = {"sync": "commerce.store.sync", "delivery": "commerce.store.manage"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stores"] = list(Store.objects.order_by("name", "id"))
        return context

    def post(self, request, slug):
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
        context.update(forecast=_forecast_chart(variants, rtl=get_language_bidi()))
        context.update(product=product, rows=list(zip(variants, advice, strict=True)), freight=freight,
                       freight_error=freight_error, country=country)  # fmt: skip
        return context

    def post(self, request, slug, pk):
        product = self._product(pk)
        try:
            sync.product_push(product=product, user=request.user, request=request)
            messages.success(request, _("The product was written to the store."))
        except ApplicationError as exc:
            self.fail(request, exc)
        return redirect("commerce_product", slug=slug, pk=pk)


def _forecast_chart(variants, *, rtl: bool) -> dict:
    """The next 30 days' forecast of the product's variants together, with a bar chart."""
    from datetime import date, timedelta

    from django.utils import timezone

    from analytics.svg import PALETTE, Series, daily_bars
    from commerce.forecast import forecast

    history_days = 120
    series = inventory.daily_units([v.pk for v in variants], days=history_days)
    total = [sum(values) for values in zip(*series.values(), strict=True)] if series else []
    result = forecast(total, start=timezone.now().date() - timedelta(days=history_days), days=30)
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
    methods = {"weekly_profile": _("weekly pattern of the sales history"), "mean": _("average of a short history"),
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
