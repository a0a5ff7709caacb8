"""Commerce API under /api/v1/: stores, products, imports, orders. Thin: validate → service → render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from commerce.api import serializers as s
from commerce.models import Order, Product, ProductImport, Store
from commerce.services import imports, products
from nexusone.api.keyset import KeysetPagination
from nexusone.api.viewsets import ScopedViewSet
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
    http_method_names = ["get", "head", "options"]
    ordering = ["name", "id"]

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.StoreOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.StoreOutput(self.get_object()).data)


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
    permissions = {"import_products": "commerce.product.import"}

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
    http_method_names = ["get", "head", "options"]
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
