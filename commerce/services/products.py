"""The product catalogue: create, edit, delete products and their variants."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from commerce.models import Product, Store, Variant
from nexusone.audit import audit_record
from nexusone.errors import ValidationFailed

PRODUCT_FIELDS = ("title", "description", "category", "tags", "status", "currency")
VARIANT_FIELDS = (
    "title",
    "sku",
    "options",
    "price_cents",
    "compare_at_cents",
    "cost_cents",
    "stock",
    "supplier_variant_id",
    "weight_grams",
    "low_stock_threshold",
    "lead_time_days",
)


def _check_skus(variants: list[dict[str, Any]]) -> None:
    skus = [v.get("sku") for v in variants if v.get("sku")]
    if len(skus) != len(set(skus)):
        raise ValidationFailed(details={"variants": [_("Each variant needs its own SKU.")]})


def _write_variants(product: Product, variants: list[dict[str, Any]]) -> None:
    """Replace the product's variants with `variants` (rows with an `id` are kept and updated)."""
    _check_skus(variants)
    existing = {v.pk: v for v in product.variants.all()}
    keep = set()
    for position, data in enumerate(variants):
        variant = existing.get(data.get("id")) if data.get("id") else None
        if variant is None:
            variant = Variant(workspace_id=product.workspace_id, product=product)
        for field in VARIANT_FIELDS:
            if field in data:
                setattr(variant, field, data[field])
        variant.position = position
        variant.save()
        keep.add(variant.pk)
    Variant.objects.filter(product=product).exclude(pk__in=keep).delete()


@transaction.atomic
def product_create(*, workspace, data: dict[str, Any], user=None, request=None) -> Product:
    variants = data.pop("variants", None) or [{"title": data.get("title", ""), "price_cents": 0}]
    store = data.pop("store", None)
    product = Product(workspace=workspace, store=store, supplier=data.pop("supplier", "manual"))
    for field in PRODUCT_FIELDS:
        if field in data:
            setattr(product, field, data[field])
    if store is not None and "currency" not in data:
        product.currency = store.currency
    product.save()
    _write_variants(product, variants)
    audit_record(action="commerce.product.created", request=request, user=user, workspace=workspace, target=product)
    return product


@transaction.atomic
def product_update(*, product: Product, data: dict[str, Any], user=None, request=None) -> Product:
    variants = data.pop("variants", None)
    if "store" in data:
        product.store = data.pop("store")
    for field in PRODUCT_FIELDS:
        if field in data:
            setattr(product, field, data[field])
    product.save()
    if variants is not None:
        if not variants:
            raise ValidationFailed(details={"variants": [_("A product needs at least one variant.")]})
        _write_variants(product, variants)
    audit_record(
        action="commerce.product.updated", request=request, user=user, workspace=product.workspace, target=product
    )
    return product


def product_delete(*, product: Product, user=None, request=None) -> None:
    audit_record(
        action="commerce.product.deleted",
        request=request,
        user=user,
        workspace=product.workspace,
        target=product,
        metadata={"title": product.title},
    )
    product.delete()


def store_for_workspace(workspace) -> Store | None:
    """The workspace's connected store (the first one), or None."""
    return Store.objects.filter(status=Store.Status.CONNECTED).order_by("id").first()
