"""Staff console for commerce: every workspace's stores, catalogue, orders and
imports, read-only (changes go through the services, which check the table)."""

from __future__ import annotations

from django.contrib import admin
from unfold.admin import TabularInline

from commerce.models import (
    CommissionRule,
    DemandForecast,
    ImportItem,
    InventoryAlert,
    InventoryLevel,
    Order,
    OrderLine,
    PricingRule,
    Product,
    ProductImport,
    ShopifyEvent,
    Store,
    Variant,
)
from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin


class _ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Store)
class StoreAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("domain", "name", "workspace", "platform", "status", "sync_status", "last_synced_at")
    list_filter = ("platform", "status", "sync_status")
    search_fields = ("domain", "name", "workspace__name")


@admin.register(PricingRule)
class PricingRuleAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("workspace", "mode", "value", "ending_cents")


class VariantInline(_ReadOnlyInline):
    model = Variant
    fields = ("sku", "title", "price_cents", "cost_cents", "stock", "supplier_stock", "supplier_variant_id")
    readonly_fields = fields


@admin.register(Product)
class ProductAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("title", "workspace", "store", "supplier", "status", "pushed_at", "created_at")
    list_filter = ("supplier", "status")
    search_fields = ("title", "supplier_product_id", "workspace__name")
    list_select_related = ("workspace", "store")
    inlines = (VariantInline,)
    show_full_result_count = False


@admin.register(Variant)
class VariantAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("sku", "product", "workspace", "price_cents", "stock", "supplier_stock", "low_stock_threshold")
    search_fields = ("sku", "product__title")
    list_select_related = ("workspace", "product")
    show_full_result_count = False


@admin.register(InventoryLevel)
class InventoryLevelAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("variant", "location_name", "available", "workspace", "updated_at")
    list_select_related = ("workspace", "variant")
    show_full_result_count = False


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    fields = ("title", "sku", "quantity", "price_cents", "cost_cents")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = (
        "number",
        "workspace",
        "store",
        "status",
        "financial_status",
        "total_cents",
        "currency",
        "supplier_order_id",
        "tracking_number",
        "placed_at",
    )
    list_filter = ("status", "financial_status")
    search_fields = ("number", "supplier_order_id", "tracking_number", "workspace__name")
    list_select_related = ("workspace", "store")
    inlines = (OrderLineInline,)
    show_full_result_count = False


class ImportItemInline(_ReadOnlyInline):
    model = ImportItem
    fields = ("position", "url", "supplier_product_id", "status", "reason", "detail", "product")
    readonly_fields = fields


@admin.register(ProductImport)
class ProductImportAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = (
        "id",
        "workspace",
        "supplier",
        "status",
        "total",
        "imported",
        "failed",
        "credits_charged",
        "credits_refunded",
        "created_at",
    )
    list_filter = ("status", "supplier")
    inlines = (ImportItemInline,)


@admin.register(InventoryAlert)
class InventoryAlertAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("variant", "workspace", "stock", "threshold", "created_at", "resolved_at")
    list_filter = ("resolved_at",)


@admin.register(CommissionRule)
class CommissionRuleAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("partner", "workspace", "basis", "percent", "product", "store")
    list_filter = ("basis",)
    search_fields = ("partner", "workspace__name")


@admin.register(DemandForecast)
class DemandForecastAdmin(WorkspaceOwnedAdmin, ReadOnlyAdmin):
    list_display = ("key", "workspace", "product", "method", "history_days", "smape", "computed_on")
    list_filter = ("method", "computed_on")


@admin.register(ShopifyEvent)
class ShopifyEventAdmin(ReadOnlyAdmin):
    list_display = ("topic", "shop", "event_id", "workspace", "received_at", "processed_at", "attempts", "outcome")
    list_filter = ("topic", "outcome")
    search_fields = ("shop", "event_id")
    exclude = ("payload",)  # customer data: kept out of the console

    def get_queryset(self, request):
        return ShopifyEvent.unscoped.all()  # staff console: every shop, routed or not
