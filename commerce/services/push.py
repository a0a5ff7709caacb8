"""Store rows out: `product_push` writes a product to the store with `productSet`,
identified by its Shopify id once known and by the handle `nx-<stable key>` before
that, so a second push — even after a crash that lost the first answer — updates
the same product instead of creating another."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from commerce.models import Product, Store
from commerce.providers import shopify
from nexusone.audit import audit_record


def _money(cents: int | None) -> str | None:
    return None if cents is None else str((Decimal(cents) / 100).quantize(Decimal("0.01")))


def product_set_input(product: Product) -> tuple[dict, dict]:
    """(input, identifier) for productSet. Lists are replaced by Shopify, so every variant is sent."""
    variants = list(product.variants.all())
    names: list[str] = []
    for v in variants:
        for name in v.options or {}:
            if name not in names:
                names.append(name)
    if not names:
        names = ["Title"]
    values: dict[str, list[str]] = {name: [] for name in names}
    rows = []
    for index, v in enumerate(variants):
        option_values = []
        for name in names:
            value = str(
                (v.options or {}).get(name) or (v.title if len(variants) > 1 else "Default Title") or f"#{index + 1}"
            )
            if value not in values[name]:
                values[name].append(value)
            option_values.append({"optionName": name, "name": value})
        row = {
            "optionValues": option_values,
            "price": _money(v.price_cents),
            "sku": v.sku or None,
            "inventoryItem": {"sku": v.sku or None, "tracked": True, "cost": _money(v.cost_cents)},
        }
        if v.compare_at_cents:
            row["compareAtPrice"] = _money(v.compare_at_cents)
        if v.external_id:
            row["id"] = v.external_id
        rows.append(row)
    handle = product.handle or f"nx-{product.stable_key}"
    data = {
        "title": product.title,
        "descriptionHtml": product.description,
        "handle": handle,
        "productType": product.category,
        "tags": product.tags or [],
        "status": {"active": "ACTIVE", "archived": "ARCHIVED"}.get(product.status, "DRAFT"),
        "productOptions": [
            {"name": n, "position": i + 1, "values": [{"name": v} for v in values[n]]} for i, n in enumerate(names)
        ],
        "variants": rows,
        "files": [
            {"originalSource": img["url"], "contentType": "IMAGE"}
            for img in product.images or []
            if str(img.get("url", "")).startswith("http")
        ],
    }
    identifier = {"id": product.external_id} if product.external_id else {"handle": handle}
    return data, identifier


def product_push(*, product: Product, user=None, request=None) -> Product:
    """Write the product to its store (productSet, synchronous). Idempotent by identifier."""
    from nexusone.errors import ValidationFailed

    store = product.store
    if store is None:
        raise ValidationFailed(code="no_store", details={"store_id": ["Link the product to a store first."]})
    if store.status != Store.Status.CONNECTED:
        raise shopify.StoreNotConnected()
    client = shopify.ShopifyClient.for_workspace(store.workspace)
    data, identifier = product_set_input(product)
    try:
        result = client.mutate(
            shopify.PRODUCT_SET, {"input": data, "identifier": identifier, "synchronous": True}, "productSet"
        )
    except shopify.ShopifyUserErrors as exc:
        Product.objects.filter(pk=product.pk).update(push_error=str(exc.message)[:500])
        raise
    pushed = result.get("product") or {}
    with transaction.atomic():
        product.external_id = pushed.get("id") or product.external_id
        product.handle = pushed.get("handle") or data["handle"]
        product.pushed_at, product.push_error = timezone.now(), ""
        product.save(update_fields=["external_id", "handle", "pushed_at", "push_error", "updated_at"])
        local = list(product.variants.all())
        by_sku = {v.sku: v for v in local if v.sku}
        remote = [n for n in ((pushed.get("variants") or {}).get("nodes") or []) if isinstance(n, dict)]
        for index, node in enumerate(remote):
            variant = by_sku.get(node.get("sku") or "") or (local[index] if index < len(local) else None)
            if variant is not None:
                variant.external_id = node.get("id") or variant.external_id
                variant.inventory_item_id = (node.get("inventoryItem") or {}).get("id") or variant.inventory_item_id
                variant.save(update_fields=["external_id", "inventory_item_id", "updated_at"])
    audit_record(
        action="commerce.product.pushed",
        request=request,
        user=user,
        workspace=product.workspace,
        target=product,
        metadata={"external_id": product.external_id},
    )
    return product
