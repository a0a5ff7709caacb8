"""Commerce test rows and the route walk's `TENANT_FACTORIES`."""

from __future__ import annotations

import itertools

from django.utils import timezone

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
    Store,
    Variant,
)

_sequence = itertools.count(1)


def make_store(workspace, **fields) -> Store:
    n = next(_sequence)
    values = {"domain": f"shop-{workspace.pk}-{n}.myshopify.com", "name": f"Shop {n}", "currency": "USD", **fields}
    return Store.unscoped.create(workspace=workspace, **values)


def make_pricing_rule(workspace, **fields) -> PricingRule:
    return PricingRule.unscoped.create(workspace=workspace, **fields)


def make_product(workspace, *, variants: int = 1, **fields) -> Product:
    n = next(_sequence)
    product = Product.unscoped.create(workspace=workspace, **{"title": f"Product {n}", **fields})
    for i in range(variants):
        Variant.unscoped.create(
            workspace=workspace,
            product=product,
            sku=f"SKU-{n}-{i}",
            title=f"Variant {i}",
            price_cents=1999,
            cost_cents=700,
            stock=10,
            position=i,
        )
    return product


def make_variant(workspace, **fields) -> Variant:
    product = fields.pop("product", None) or make_product(workspace, variants=0)
    n = next(_sequence)
    return Variant.unscoped.create(
        workspace=workspace, product=product, **{"sku": f"V-{n}", "price_cents": 1000, "cost_cents": 400, **fields}
    )


def make_level(workspace, **fields) -> InventoryLevel:
    variant = fields.pop("variant", None) or make_variant(workspace)
    return InventoryLevel.unscoped.create(
        workspace=workspace, variant=variant, **{"location_id": "gid://shopify/Location/1", "available": 5, **fields}
    )


def make_order(workspace, **fields) -> Order:
    n = next(_sequence)
    store = fields.pop("store", None) or make_store(workspace)
    values = {
        "number": f"#{1000 + n}",
        "external_id": f"gid://shopify/Order/{n}",
        "total_cents": 2999,
        "placed_at": timezone.now(),
        "customer_name": "Ana Ruiz",
        "customer_email": "ana@example.com",
        **fields,
    }
    return Order.unscoped.create(workspace=workspace, store=store, **values)


def make_order_line(workspace, **fields) -> OrderLine:
    order = fields.pop("order", None) or make_order(workspace)
    return OrderLine.unscoped.create(workspace=workspace, order=order, **{"title": "Thing", "quantity": 1, **fields})


def make_import(workspace, **fields) -> ProductImport:
    return ProductImport.unscoped.create(workspace=workspace, **{"supplier": "aliexpress", "total": 1, **fields})


def make_import_item(workspace, **fields) -> ImportItem:
    job = fields.pop("job", None) or make_import(workspace)
    return ImportItem.unscoped.create(workspace=workspace, job=job, **{"url": "https://shop.example/p", **fields})


def make_alert(workspace, **fields) -> InventoryAlert:
    variant = fields.pop("variant", None) or make_variant(workspace, low_stock_threshold=5, stock=1)
    return InventoryAlert.unscoped.create(
        workspace=workspace, variant=variant, **{"stock": 1, "threshold": 5, **fields}
    )


def make_commission_rule(workspace, **fields) -> CommissionRule:
    return CommissionRule.unscoped.create(workspace=workspace, **{"partner": "Ana", "percent": "10", **fields})


def make_forecast(workspace, **fields) -> DemandForecast:
    product = fields.pop("product", None) or make_product(workspace)
    values = {"key": f"product:{product.pk}", "method": "no_history", "computed_on": timezone.now().date(), **fields}
    return DemandForecast.unscoped.create(workspace=workspace, product=product, **values)


TENANT_FACTORIES = {
    DemandForecast: make_forecast,
    CommissionRule: make_commission_rule,
    InventoryAlert: make_alert,
    Store: make_store,
    PricingRule: make_pricing_rule,
    Product: make_product,
    Variant: make_variant,
    InventoryLevel: make_level,
    Order: make_order,
    OrderLine: make_order_line,
    ProductImport: make_import,
    ImportItem: make_import_item,
}
