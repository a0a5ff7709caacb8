"""Commerce API under /api/v1/: stores, products, imports, orders. Thin: validate → service → render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from commerce.api import serializers as s
from commerce.models import CommissionRule, InventoryAlert, Order, Product, ProductImport, Store
from commerce.services import imports, inventory, orders, products, push, sync
from nexusone.api.keyset import KeysetPagination
from nexusone.api.viewsets import ScopedAPIView, ScopedViewSet
from nexusone.errors import ValidationFailed
from nexusone.idempotency import idempotent

TAGS = ["commerce"]
ERRORS = {
    400: OpenApiResponse(description="Validation error: `details` maps each field to messages."),
    404: OpenApiResponse(description="Not found (also for another workspace's ids)."),
}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="Unique per intended import: a retry with the same key returns the same job and is charged once.",
)


class CatalogPagination(KeysetPagination):
    """Catalogues and order books grow large: keyset pages over `(workspace_id, created_at, id)`."""


@extend_schema_view(
    list=extend_schema(responses={200: s.StoreOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.StoreOutput, **ERRORS}, tags=TAGS),
)
class StoreViewSet(ScopedViewSet):
    """Connected stores (a Shopify connection creates one) and their sync status."""

    model = Store
    serializer_class = s.StoreOutput
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "put", "head", "options"]
    ordering = ["name", "id"]
    permissions = {"sync": "commerce.store.sync", "delivery_preferences": "commerce.store.manage"}

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.StoreOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.StoreOutput(self.get_object()).data)

    @extend_schema(request=None, responses={202: s.StoreOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        """Queue a sync (incremental after the first); progress in `sync_status` / `sync_progress`."""
        store = sync.sync_request(store=self.get_object(), user=request.user, request=request)
        return Response(s.StoreOutput(store).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.DeliveryPreferencesInput, responses={200: s.StoreOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["put"], url_path="delivery-preferences")
    def delivery_preferences(self, request, pk=None):
        """How supplier orders ship: preferred CJ logistic names, maximum delivery days, fallback."""
        store = self.get_object()
        data = s.DeliveryPreferencesInput(data=request.data)
        data.is_valid(raise_exception=True)
        store.delivery_preferences = dict(data.validated_data)
        store.save(update_fields=["delivery_preferences", "updated_at"])
        return Response(s.StoreOutput(store).data)


@extend_schema_view(
    list=extend_schema(responses={200: s.ProductOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.ProductOutput, **ERRORS}, tags=TAGS),
    destroy=extend_schema(responses={204: None, 404: ERRORS[404]}, tags=TAGS),
)
class ProductViewSet(ScopedViewSet):
    """The product catalogue with variants (SKU, options, price, compare-at,
    cost, stock, supplier ids). Import from supplier pages costs
    `product_scraper` (3 credits) per product actually imported."""

    model = Product
    serializer_class = s.ProductOutput
    pagination_class = CatalogPagination
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["status", "supplier", "store"]
    search_fields = ["title", "variants__sku"]
    ordering_fields = ["created_at", "title"]
    ordering = ["-created_at", "-id"]
    permissions = {"import_products": "commerce.product.import", "push": "commerce.product.push"}

    def safely_get_queryset(self, queryset):
        return queryset.prefetch_related("variants")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.ProductOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.ProductOutput(self.get_object()).data)

    @extend_schema(request=s.ProductInput, responses={201: s.ProductOutput, **ERRORS}, tags=TAGS)
    def create(self, request):
        data = s.ProductInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = products.product_create(
            workspace=request.workspace, data=dict(data.validated_data), user=request.user, request=request
        )
        return Response(s.ProductOutput(product).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ProductInput, responses={200: s.ProductOutput, **ERRORS}, tags=TAGS)
    def partial_update(self, request, pk=None):
        product = self.get_object()
        data = s.ProductInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        product = products.product_update(
            product=product, data=dict(data.validated_data), user=request.user, request=request
        )
        return Response(s.ProductOutput(Product.objects.prefetch_related("variants").get(pk=product.pk)).data)

    def destroy(self, request, pk=None):
        products.product_delete(product=self.get_object(), user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.ProductOutput, **ERRORS}, tags=TAGS)
    @action(detail=True, methods=["post"])
    def push(self, request, pk=None):
        """Write the product to its store (Shopify `productSet`); a second push updates the same product."""
        product = push.product_push(product=self.get_object(), user=request.user, request=request)
        return Response(s.ProductOutput(Product.objects.prefetch_related("variants").get(pk=product.pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("country", str, required=True, description="ISO 3166-1 alpha-2, e.g. US")],
        responses={200: s.FreightOutput, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def freight(self, request, pk=None):
        """CJ's shipping options for one unit of each of the product's CJ variants."""
        from commerce.providers import cj

        product = self.get_object()
        country = str(request.query_params.get("country") or "").strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise ValidationFailed(details={"country": ["Give a two-letter country code, e.g. US."]})
        vids = [(v.supplier_variant_id, 1) for v in product.variants.all() if v.supplier_variant_id][:1]
        if not vids:
            raise ValidationFailed(code="no_supplier_variant", details={"variants": ["No variant has a CJ vid."]})
        options = cj.CJClient.for_workspace(request.workspace).freight(vids=vids, to_country=country)
        return Response({"product_id": product.pk, "country": country, "provider": cj.PROVIDER,
                         "options": [o.as_dict() for o in options]})  # fmt: skip

    @extend_schema(
        parameters=[
            OpenApiParameter("days", int, description="1–90, default 30"),
            OpenApiParameter("variant", int, description="One variant of this product (default: all of them)"),
        ],
        responses={200: s.ForecastOutput, **ERRORS},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def forecast(self, request, pk=None):
        """Daily demand forecast with an 80 % interval, the method used and its backtest sMAPE
        (computed nightly and cached; computed now when no fresh forecast is stored)."""
        from commerce.services.forecasts import forecast_get

        product = self.get_object()
        days = _int_param(request, "days", 30, 1, 90)
        variant = None
        variant_id = request.query_params.get("variant")
        if variant_id:
            variant = next((v for v in product.variants.all() if str(v.pk) == str(variant_id)), None)
            if variant is None:
                raise ValidationFailed(details={"variant": ["Not a variant of this product."]})
        result = forecast_get(product=product, variant=variant, days=days)
        return Response({"product_id": product.pk, "variant_id": variant.pk if variant else None,
                         "method": result.method, "history_days": result.history_days, "smape": result.smape,
                         "interval": "80%", "computed_on": result.computed_on, "cached": result.cached,
                         "days": result.days})  # fmt: skip

    @extend_schema(
        request=s.ProductImportInput,
        responses={
            202: s.ProductImportOutput,
            **ERRORS,
            402: OpenApiResponse(description="Not enough credits for every URL (`needed`, `available`)."),
            409: OpenApiResponse(description="A request with this Idempotency-Key is still running."),
            422: OpenApiResponse(description="The Idempotency-Key was used for a different request."),
        },
        parameters=[IDEMPOTENCY_HEADER],
        tags=TAGS,
    )
    @action(detail=False, methods=["post"], url_path="import")
    @idempotent()
    def import_products(self, request):
        """Import one URL (`url`), up to 100 (`urls`) or a CJ product id
        (`supplier_product_id`). 3 credits per URL are reserved now; URLs that
        yield no product are given back when the job has run. 202 with the job."""
        data = s.ProductImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = imports.import_start(
            workspace=request.workspace,
            user=request.user,
            entries=values["entries"],
            supplier=values["supplier"],
            import_to_store=values["import_to_store"],
            category=values["category"],
            request_key=request.idempotency_key,
            request=request,
        )
        return Response(s.ProductImportOutput(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(responses={200: s.ProductImportOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.ProductImportOutput, **ERRORS}, tags=TAGS),
)
class ProductImportViewSet(ScopedViewSet):
    """Import jobs: status, progress and each URL's result (and reason)."""

    model = ProductImport
    serializer_class = s.ProductImportOutput
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "head", "options"]
    ordering = ["-created_at", "-id"]

    def safely_get_queryset(self, queryset):
        return queryset.prefetch_related("items")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.ProductImportOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.ProductImportOutput(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(responses={200: s.OrderOutput(many=True)}, tags=TAGS),
    retrieve=extend_schema(responses={200: s.OrderOutput, **ERRORS}, tags=TAGS),
)
class OrderViewSet(ScopedViewSet):
    """Orders synced from the store (filters: `status`, `financial_status`, `store`)."""

    model = Order
    serializer_class = s.OrderOutput
    pagination_class = CatalogPagination
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "head", "options"]
    permissions = {"fulfill": "commerce.order.fulfill"}
    filterset_fields = ["status", "financial_status", "store"]
    search_fields = ["number", "customer_email", "customer_name"]
    ordering_fields = ["placed_at", "total_cents"]
    ordering = ["-placed_at", "-id"]

    def safely_get_queryset(self, queryset):
        return queryset.prefetch_related("lines")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.OrderOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.OrderOutput(self.get_object()).data)

    @extend_schema(
        request=None,
        responses={200: s.OrderOutput, **ERRORS, 409: OpenApiResponse(description="Already sent to the supplier.")},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def fulfill(self, request, pk=None):
        """Place the supplier order at CJ (once). 400 names unmapped items or a missing address; nothing is sent."""
        order = orders.order_fulfill(order=self.get_object(), user=request.user, request=request)
        return Response(s.OrderOutput(Order.objects.prefetch_related("lines").get(pk=order.pk)).data)


@extend_schema_view(list=extend_schema(responses={200: s.AlertOutput(many=True)}, tags=TAGS))
class InventoryAlertViewSet(ScopedViewSet):
    """Low-stock alerts, open ones first (`?open=false` lists resolved ones too)."""

    model = InventoryAlert
    serializer_class = s.AlertOutput
    http_method_names = ["get", "head", "options"]
    ordering = ["resolved_at", "-created_at", "-id"]

    def safely_get_queryset(self, queryset):
        queryset = queryset.select_related("variant")
        if str(self.request.query_params.get("open", "true")).lower() != "false":
            queryset = queryset.filter(resolved_at__isnull=True)
        return queryset

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.AlertOutput(page, many=True).data)


class ReorderRecommendationsView(ScopedAPIView):
    """Per variant that sold in the last 8 weeks: reorder point (demand over the
    supplier lead time + safety stock at the service level), suggested quantity
    and the reasoning in plain words."""

    @extend_schema(
        parameters=[OpenApiParameter("service_level", float, description="0.50–0.999, default 0.95")],
        responses={200: s.ReorderListOutput, 400: ERRORS[400]},
        tags=TAGS,
    )
    def get(self, request):
        raw = request.query_params.get("service_level") or "0.95"
        try:
            level = float(raw)
        except ValueError:
            level = -1.0
        if not 0.5 <= level <= 0.999:
            raise ValidationFailed(details={"service_level": ["Between 0.5 and 0.999."]})
        advice = inventory.reorder_recommendations(service_level=level)
        return Response({"results": s.ReorderOutput(advice, many=True).data})


def _int_param(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not str(raw).isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed(details={name: [f"A whole number from {low} to {high}."]})
    return int(raw)


def _period(request):
    from datetime import date, timedelta

    from django.utils import timezone

    def parse(name, default):
        raw = request.query_params.get(name)
        if not raw:
            return default
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            raise ValidationFailed(details={name: ["A date as YYYY-MM-DD."]}) from None

    today = timezone.localdate()
    end = parse("to", today)
    start = parse("from", end - timedelta(days=29))
    if start > end or (end - start).days > 366:
        raise ValidationFailed(details={"from": ["From must be on or before to, at most 366 days apart."]})
    return start, end


PERIOD = [OpenApiParameter("from", str, description="YYYY-MM-DD (default: 30 days before `to`)"),
          OpenApiParameter("to", str, description="YYYY-MM-DD (default: today)")]  # fmt: skip


class SalesView(ScopedAPIView):
    """Revenue, product cost, supplier shipping, fees, gross margin and margin %
    per day or per product, in each order's currency (cancelled orders left out).
    `?download=csv` returns the same rows as CSV."""

    @extend_schema(
        parameters=[*PERIOD, OpenApiParameter("group", str, enum=["day", "product"]),
                    OpenApiParameter("download", str, enum=["csv"])],
        responses={200: s.SalesOutput, 400: ERRORS[400]},
        tags=TAGS,
    )  # fmt: skip
    def get(self, request):
        from commerce.sales import sales

        start, end = _period(request)
        group = request.query_params.get("group") or "day"
        if group not in ("day", "product"):
            raise ValidationFailed(details={"group": ["day or product."]})
        rows = sales(start=start, end=end, group=group)
        if request.query_params.get("download") == "csv":
            return _csv(rows, f"sales-{start}-{end}-{group}.csv")
        return Response({"start": start, "end": end, "group": group, "results": rows})


class CommissionsView(ScopedAPIView):
    """Commissions per partner over a period, from the commission rules."""

    @extend_schema(parameters=PERIOD, responses={200: s.CommissionReportOutput, 400: ERRORS[400]}, tags=TAGS)
    def get(self, request):
        from commerce.sales import commissions

        start, end = _period(request)
        return Response({"start": start, "end": end, "results": commissions(start=start, end=end)})


def _csv(rows: list[dict], name: str):
    import csv
    import io

    from django.http import HttpResponse

    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()})
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@extend_schema_view(
    list=extend_schema(responses={200: s.CommissionRuleOutput(many=True)}, tags=TAGS),
    destroy=extend_schema(responses={204: None, 404: ERRORS[404]}, tags=TAGS),
)
class CommissionRuleViewSet(ScopedViewSet):
    """Commission rules: a partner's percentage of revenue or margin, per product or store."""

    model = CommissionRule
    serializer_class = s.CommissionRuleOutput
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering = ["partner", "id"]
    permissions = {"create": "commerce.store.manage", "destroy": "commerce.store.manage"}

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.CommissionRuleOutput(page, many=True).data)

    @extend_schema(request=s.CommissionRuleInput, responses={201: s.CommissionRuleOutput, **ERRORS}, tags=TAGS)
    def create(self, request):
        data = s.CommissionRuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = CommissionRule.objects.create(workspace=request.workspace, **data.validated_data)
        return Response(s.CommissionRuleOutput(rule).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class SegmentPredictView(ScopedAPIView):
    """RFM scores from orders and the proposed segments (champions, loyal, at
    risk, hibernating, new); `save` keeps the chosen ones as CRM segments."""

    permissions = {"post": "crm.change"}

    @extend_schema(
        request=s.SegmentPredictInput, responses={200: s.SegmentPredictOutput, 400: ERRORS[400]}, tags=["crm"]
    )
    def post(self, request):
        from commerce import segments

        data = s.SegmentPredictInput(data=request.data)
        data.is_valid(raise_exception=True)
        prediction = segments.segments_predict(days=data.validated_data["days"])
        keys = list(dict.fromkeys(data.validated_data["save"]))
        saved = segments.segments_save(workspace=request.workspace, prediction=prediction, keys=keys,
                                       user=request.user) if keys else []  # fmt: skip
        proposed = [
            {"key": key, "name": str(segments.NAMES[key]), "rule": str(segments.RULES[key]), "count": len(members),
             "sample": s.CustomerScoreOutput(members[: segments.SAMPLE], many=True).data}
            for key, members in prediction.segments.items()
        ]  # fmt: skip
        return Response({"days": prediction.days, "customers": prediction.customers,
                         "orders_without_contact": prediction.orders_without_contact, "segments": proposed,
                         "saved": saved})  # fmt: skip


def _pricing_output(rule) -> dict:
    from commerce.pricing import sell_price_cents

    example = sell_price_cents(1000, mode=rule.mode, value=rule.value, ending_cents=rule.ending_cents)
    return {"mode": rule.mode, "value": rule.value, "ending_cents": rule.ending_cents, "saved": rule.pk is not None,
            "example": {"cost_cents": 1000, "price_cents": example}}  # fmt: skip


class PricingRuleView(ScopedAPIView):
    """The workspace's pricing rule: how imports set a sell price from the
    supplier cost (a multiplier or a fixed margin, then a price ending)."""

    permissions = {"put": "commerce.store.manage"}

    @extend_schema(responses={200: s.PricingRuleOutput}, tags=TAGS)
    def get(self, request):
        from commerce.pricing import pricing_rule_get

        return Response(_pricing_output(pricing_rule_get(request.workspace)))

    @extend_schema(request=s.PricingRuleInput, responses={200: s.PricingRuleOutput, 400: ERRORS[400]}, tags=TAGS)
    def put(self, request):
        from commerce.pricing import pricing_rule_set

        data = s.PricingRuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = pricing_rule_set(workspace=request.workspace, user=request.user, request=request, **data.validated_data)
        return Response(_pricing_output(rule))
