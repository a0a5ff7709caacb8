"""Store rows in — products with variants and stock, orders with lines, stock levels — shared by the
sync (a page at a time, `commerce.services.sync`) and the webhooks (one row, `commerce.webhooks`).

A sync writes a page (up to 100 rows) in one transaction with a fixed number of statements: one
locked lookup of the page's rows we hold, bulk inserts and updates, one UPSERT of the stock levels,
the new orders' effects batched (`orders_arrived`). A webhook writes one row through the same code
(a page of one), so each rule below lives in one place: the field mappings (`_product_fields`,
`_variant_fields`, `_order_fields`, `_line_fields`), the matching of what we hold (`_match_variants`,
`_match_lines`) and the staleness check (a row whose platform `updatedAt` is not newer than what we
hold is left alone: webhooks and syncs arrive out of order).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from commerce.models import InventoryLevel, Order, OrderLine, Product, Store, Supplier, Variant

logger = logging.getLogger(__name__)

PRODUCT_FIELDS = ["title", "description", "status", "tags", "handle", "category", "external_updated_at", "images"]
VARIANT_FIELDS = ["external_id", "title", "sku", "price_cents", "compare_at_cents", "cost_cents", "stock", "options",
                  "position", "inventory_item_id"]  # fmt: skip
ORDER_FIELDS = ["number", "financial_status", "currency", "total_cents", "shipping_cents", "placed_at",
                "external_updated_at", "customer_external_id", "customer_email", "customer_name", "shipping_address",
                "status", "cost_cents"]  # fmt: skip
LINE_FIELDS = ["external_id", "variant", "title", "sku", "quantity", "price_cents", "cost_cents"]
LEVEL_FIELDS = ["location_name", "available", "external_updated_at"]


def _is_stale(held, incoming) -> bool:
    return held is not None and incoming is not None and incoming <= held


def _distinct_runs(rows: list[dict]) -> list[list[dict]]:
    """Consecutive runs of rows without a repeated `external_id`: a row seen twice
    in one page is written after the first, as two separate upserts would be."""
    runs: list[list[dict]] = [[]]
    seen: set[str] = set()
    for row in rows:
        if row["external_id"] in seen:
            runs.append([])
            seen = set()
        seen.add(row["external_id"])
        runs[-1].append(row)
    return [run for run in runs if run]


def _write(write, store: Store, rows: list[dict]) -> list:
    """`write(store, run)` for each run of `rows`, all in one transaction. A row
    inserted by someone else (a webhook during a sync) between our lookup and our
    insert breaks the unique constraint: the whole write is made once more, now
    seeing that row."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return [result for run in _distinct_runs(rows) for result in write(store, run)]
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info("commerce: %s rows of %s written meanwhile; writing again", store.domain, len(rows))
    raise AssertionError("unreachable")  # pragma: no cover


def _held(model, store: Store, rows: list[dict]) -> dict:
    """The store's rows with these external ids, locked (in id order) for this transaction."""
    ids = [row["external_id"] for row in rows]
    return {r.external_id: r for r in model.objects.select_for_update().filter(store=store, external_id__in=ids)
            .order_by("pk")}  # fmt: skip


def _product_fields(product: Product, data: dict) -> None:
    product.title = data["title"][:255] or product.title or data["external_id"]
    product.description = data["description"]
    product.status = data["status"] if data["status"] in Product.Status.values else Product.Status.ACTIVE
    product.tags = data["tags"][:50]
    product.handle = data["handle"][:255]
    product.category = product.category or data["category"][:120]
    product.external_updated_at = data["updated_at"]
    if data["images"] and not any(i.get("asset_id") for i in product.images or []):
        product.images = [{"url": url, "source_url": url} for url in data["images"][:10]]


def _match_variants(held: list[Variant], rows: list[dict]) -> list[Variant | None]:
    """Per incoming variant the one we hold: by Shopify id, else by SKU among
    those without a Shopify id (a product made here and pushed); None → new."""
    by_external = {v.external_id: v for v in held if v.external_id}
    by_sku = {v.sku: v for v in held if v.sku and not v.external_id}
    return [by_external.get(row["external_id"]) or by_sku.get(row["sku"]) for row in rows]


def _variant_fields(variant: Variant, row: dict, position: int) -> None:
    variant.external_id = row["external_id"]
    variant.title, variant.sku = row["title"][:255], row["sku"][:100]
    variant.price_cents, variant.compare_at_cents = row["price_cents"], row["compare_at_cents"]
    if row["cost_cents"] is not None:
        variant.cost_cents = row["cost_cents"]
    variant.stock, variant.options, variant.position = row["stock"], row["options"], position
    variant.inventory_item_id = row["inventory_item_id"] or variant.inventory_item_id


def _save(model, created: list, updated: list, fields: list[str]) -> None:
    """One INSERT for the new rows, one UPDATE for the changed ones (`updated_at`
    set here: bulk updates bypass `save()`). Each object once, whatever its count."""
    created, updated = list({id(o): o for o in created}.values()), list({id(o): o for o in updated}.values())
    if created:
        model.objects.bulk_create(created)
    if updated:
        now = timezone.now()
        for obj in updated:
            obj.updated_at = now
        model.objects.bulk_update(updated, [*fields, "updated_at"])


def _write_products(store: Store, rows: list[dict]) -> list[Product | None]:
    held = _held(Product, store, rows)
    results: list[Product | None] = []
    fresh: list[tuple[Product, dict]] = []
    for data in rows:
        product = held.get(data["external_id"])
        if product is not None and _is_stale(product.external_updated_at, data["updated_at"]):
            results.append(None)
            continue
        if product is None:
            product = Product(workspace=store.workspace, store=store, external_id=data["external_id"],
                              supplier=Supplier.STORE, currency=store.currency)  # fmt: skip
        _product_fields(product, data)
        fresh.append((product, data))
        results.append(product)
    known = [p for p, _d in fresh if p.pk is not None]
    _save(Product, [p for p, _d in fresh if p.pk is None], known, PRODUCT_FIELDS)
    variants_of: dict[int, list[Variant]] = {}
    for variant in Variant.objects.filter(product__in=known) if known else ():
        variants_of.setdefault(variant.product_id, []).append(variant)
    new_variants, changed_variants, levels = [], [], {}
    for product, data in fresh:
        matches = _match_variants(variants_of.get(product.pk, []), data["variants"])
        for position, (row, variant) in enumerate(zip(data["variants"], matches, strict=True)):
            if variant is None:
                variant = Variant(workspace=store.workspace, product=product)
                new_variants.append(variant)
            else:
                changed_variants.append(variant)
            _variant_fields(variant, row, position)
            for level in row["levels"]:
                levels[(id(variant), level["location_id"])] = (variant, level, data["updated_at"])
    _save(Variant, new_variants, changed_variants, VARIANT_FIELDS)
    if levels:
        InventoryLevel.objects.bulk_create(
            [
                InventoryLevel(
                    workspace=store.workspace,
                    variant=variant,
                    location_id=level["location_id"],
                    location_name=level["location_name"][:255],
                    available=level["available"],
                    external_updated_at=updated_at,
                )
                for variant, level, updated_at in levels.values()
            ],
            update_conflicts=True,
            unique_fields=["variant", "location_id"],
            update_fields=[*LEVEL_FIELDS, "updated_at"],
        )
    return results


def _order_fields(order: Order, data: dict) -> None:
    customer = data["customer"]
    order.number = data["number"][:50]
    order.financial_status = data["financial_status"][:30]
    order.currency = data["currency"]
    order.total_cents, order.shipping_cents = data["total_cents"], data["shipping_cents"]
    order.placed_at = data["placed_at"] or order.placed_at or timezone.now()
    order.external_updated_at = data["updated_at"]
    order.customer_external_id = customer["external_id"][:100]
    order.customer_email = customer["email"][:254]
    order.customer_name = customer["name"][:255]
    order.shipping_address = data["shipping_address"]
    if data["cancelled"]:
        order.status = Order.Fulfillment.CANCELLED
    elif data["fulfilled"] and order.status in (Order.Fulfillment.UNFULFILLED, Order.Fulfillment.SHIPPED):
        order.status = Order.Fulfillment.FULFILLED


def _match_lines(held: list[OrderLine], rows: list[dict]) -> tuple[list[OrderLine | None], list[OrderLine]]:
    """(per incoming line the one we hold by its Shopify id or None → new, the held lines no longer there)."""
    by_external = {line.external_id: line for line in held}
    matches = [by_external.pop(row["external_id"], None) for row in rows]
    return matches, list(by_external.values())


def _line_fields(line: OrderLine, row: dict, variant: Variant | None) -> None:
    """The unit cost is the variant's cost when the variant is known, else what the line had."""
    line.external_id, line.variant = row["external_id"], variant
    line.title, line.sku, line.quantity = row["title"][:255], row["sku"][:100], row["quantity"]
    line.price_cents = row["price_cents"]
    line.cost_cents = (variant.cost_cents or 0) if variant else line.cost_cents


def _write_orders(store: Store, rows: list[dict]) -> list[tuple[Order | None, bool]]:
    held = _held(Order, store, rows)
    results: list[tuple[Order | None, bool]] = []
    fresh: list[tuple[Order, dict]] = []
    for data in rows:
        order = held.get(data["external_id"])
        if order is not None and _is_stale(order.external_updated_at, data["updated_at"]):
            results.append((None, False))
            continue
        if order is None:
            order = Order(workspace=store.workspace, store=store, external_id=data["external_id"])
        results.append((order, order.pk is None))
        _order_fields(order, data)
        fresh.append((order, data))
    wanted = {li["variant_external_id"] for _o, data in fresh for li in data["lines"] if li["variant_external_id"]}
    variants = {v.external_id: v for v in Variant.objects.filter(external_id__in=wanted)} if wanted else {}
    known = [o for o, _d in fresh if o.pk is not None]
    lines_of: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order__in=known) if known else ():
        lines_of.setdefault(line.order_id, []).append(line)
    new_lines, changed_lines, gone = [], [], []
    for order, data in fresh:
        matches, left = _match_lines(lines_of.get(order.pk, []), data["lines"])
        cost = 0
        for row, line in zip(data["lines"], matches, strict=True):
            if line is None:
                line = OrderLine(workspace=store.workspace, order=order)
                new_lines.append(line)
            else:
                changed_lines.append(line)
            _line_fields(line, row, variants.get(row["variant_external_id"]))
            cost += line.cost_cents * line.quantity
        order.cost_cents = cost
        gone += left
    new_orders = [o for o, _d in fresh if o.pk is None]
    _save(Order, new_orders, known, ORDER_FIELDS)
    _save(OrderLine, new_lines, changed_lines, LINE_FIELDS)
    if gone:
        OrderLine.objects.filter(pk__in=[line.pk for line in gone]).delete()
    if new_orders:
        from commerce.services.orders import orders_arrived

        orders_arrived(new_orders)
    return results


def upsert_products(store: Store, rows: list[dict]) -> list[Product | None]:
    """A page of products (normalized, see commerce.normalize) with their variants
    and stock levels, in one transaction. Per row the product, or None when stale."""
    return _write(_write_products, store, rows)


def upsert_orders(store: Store, rows: list[dict]) -> list[tuple[Order | None, bool]]:
    """A page of orders with their lines (replaced), in one transaction; the new
    ones' effects once (`orders_arrived`). Per row (order, created), (None, False) when stale."""
    return _write(_write_orders, store, rows)


def upsert_product(store: Store, data: dict) -> Product | None:
    """One product (a webhook): create or update it and its variants; None when `data` is stale."""
    return upsert_products(store, [data])[0]


def upsert_order(store: Store, data: dict) -> tuple[Order | None, bool]:
    """One order (a webhook): (order, created); (None, False) when stale."""
    return upsert_orders(store, [data])[0]


def delete_product(store: Store, external_id: str) -> int:
    return Product.objects.filter(store=store, external_id=external_id).delete()[0]


@transaction.atomic
def set_inventory_level(store: Store, *, inventory_item_id: str, location_id: str, available: int, updated_at) -> bool:
    """`inventory_levels/update`: one location's available quantity; the variant's stock is the sum."""
    variant = (
        Variant.objects.select_for_update().filter(product__store=store, inventory_item_id=inventory_item_id).first()
    )
    if variant is None:
        return False
    level = InventoryLevel.objects.filter(variant=variant, location_id=location_id).first()
    if level is not None and _is_stale(level.external_updated_at, updated_at):
        return False
    InventoryLevel.objects.update_or_create(
        variant=variant,
        location_id=location_id,
        defaults={"workspace": store.workspace, "available": available, "external_updated_at": updated_at},
    )
    variant.stock = sum(InventoryLevel.objects.filter(variant=variant).values_list("available", flat=True))
    variant.save(update_fields=["stock", "updated_at"])
    from commerce.services.inventory import check_low_stock

    check_low_stock(variant)
    return True
