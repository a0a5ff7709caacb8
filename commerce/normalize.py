"""Shopify's two shapes of the same things — GraphQL nodes (sync) and REST-style
JSON (webhook payloads) — turned into one plain shape the upserts read.

    product: {external_id, title, description, status, tags, handle, category, updated_at,
              images: [url], variants: [variant]}
    variant: {external_id, title, sku, price_cents, compare_at_cents, cost_cents, stock,
              inventory_item_id, options: {name: value}, levels: [{location_id, location_name, available}]}
    order:   {external_id, number, financial_status, cancelled, fulfilled, currency, total_cents,
              shipping_cents, placed_at, updated_at, customer: {external_id, email, name, phone},
              shipping_address: {...}, lines: [{external_id, title, sku, quantity, price_cents, variant_external_id}]}
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from commerce.providers.shopify import gid


def cents(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, dict):  # MoneyV2 / MoneyBag
        value = (value.get("shopMoney") or value).get("amount")
    try:
        return int((Decimal(str(value)) * 100).quantize(Decimal("1")))
    except (InvalidOperation, ValueError):
        return None


def when(value: Any) -> datetime | None:
    return parse_datetime(str(value)) if value else None


def _nodes(value: Any) -> list[dict]:
    if isinstance(value, dict):
        value = value.get("nodes") or [edge.get("node") for edge in value.get("edges") or []]
    return [v for v in value or [] if isinstance(v, dict)]


# --- products -----------------------------------------------------------------------------------


def product_from_graphql(node: dict) -> dict:
    images = []
    for media in _nodes(node.get("media")):
        url = (media.get("image") or {}).get("url")
        if url:
            images.append(url)
    variants = []
    for v in _nodes(node.get("variants")):
        item = v.get("inventoryItem") or {}
        levels = []
        for level in _nodes(item.get("inventoryLevels")):
            quantities = {q.get("name"): q.get("quantity") for q in level.get("quantities") or []}
            location = level.get("location") or {}
            levels.append(
                {
                    "location_id": location.get("id", ""),
                    "location_name": location.get("name", ""),
                    "available": int(quantities.get("available") or 0),
                }
            )
        variants.append(
            {
                "external_id": v.get("id", ""),
                "title": v.get("title") or "",
                "sku": v.get("sku") or "",
                "price_cents": cents(v.get("price")) or 0,
                "compare_at_cents": cents(v.get("compareAtPrice")),
                "cost_cents": cents(item.get("unitCost")),
                "stock": int(v.get("inventoryQuantity") or 0),
                "inventory_item_id": item.get("id", ""),
                "options": {o.get("name"): o.get("value") for o in v.get("selectedOptions") or [] if o.get("name")},
                "levels": levels,
            }
        )
    tags = node.get("tags") or []
    return {
        "external_id": node.get("id", ""),
        "title": node.get("title") or "",
        "description": node.get("descriptionHtml") or "",
        "status": str(node.get("status") or "ACTIVE").lower(),
        "tags": list(tags) if isinstance(tags, list) else [t.strip() for t in str(tags).split(",") if t.strip()],
        "handle": node.get("handle") or "",
        "category": node.get("productType") or "",
        "updated_at": when(node.get("updatedAt")),
        "images": images,
        "variants": variants,
    }


def product_from_webhook(payload: dict) -> dict:
    option_names = [o.get("name") for o in payload.get("options") or [] if isinstance(o, dict)]
    variants = []
    for v in payload.get("variants") or []:
        if not isinstance(v, dict):
            continue
        options = {}
        for index, name in enumerate(option_names[:3], start=1):
            if v.get(f"option{index}") is not None and name:
                options[name] = v[f"option{index}"]
        variants.append(
            {
                "external_id": v.get("admin_graphql_api_id") or gid("ProductVariant", v.get("id")),
                "title": v.get("title") or "",
                "sku": v.get("sku") or "",
                "price_cents": cents(v.get("price")) or 0,
                "compare_at_cents": cents(v.get("compare_at_price")),
                "cost_cents": None,
                "stock": int(v.get("inventory_quantity") or 0),
                "inventory_item_id": gid("InventoryItem", v.get("inventory_item_id"))
                if v.get("inventory_item_id")
                else "",
                "options": options,
                "levels": [],
            }
        )
    tags = payload.get("tags") or ""
    return {
        "external_id": payload.get("admin_graphql_api_id") or gid("Product", payload.get("id")),
        "title": payload.get("title") or "",
        "description": payload.get("body_html") or "",
        "status": str(payload.get("status") or "active").lower(),
        "tags": [t.strip() for t in str(tags).split(",") if t.strip()] if isinstance(tags, str) else list(tags),
        "handle": payload.get("handle") or "",
        "category": payload.get("product_type") or "",
        "updated_at": when(payload.get("updated_at")),
        "images": [i.get("src") for i in payload.get("images") or [] if isinstance(i, dict) and i.get("src")],
        "variants": variants,
    }


# --- orders -------------------------------------------------------------------------------------


def _address_graphql(a: dict | None) -> dict:
    if not a:
        return {}
    return {
        "name": a.get("name") or " ".join(filter(None, [a.get("firstName"), a.get("lastName")])),
        "address1": a.get("address1") or "",
        "address2": a.get("address2") or "",
        "city": a.get("city") or "",
        "province": a.get("province") or "",
        "province_code": a.get("provinceCode") or "",
        "zip": a.get("zip") or "",
        "country": a.get("country") or "",
        "country_code": a.get("countryCodeV2") or "",
        "phone": a.get("phone") or "",
    }


def _address_rest(a: dict | None) -> dict:
    if not a:
        return {}
    return {
        "name": a.get("name") or " ".join(filter(None, [a.get("first_name"), a.get("last_name")])),
        "address1": a.get("address1") or "",
        "address2": a.get("address2") or "",
        "city": a.get("city") or "",
        "province": a.get("province") or "",
        "province_code": a.get("province_code") or "",
        "zip": a.get("zip") or "",
        "country": a.get("country") or "",
        "country_code": a.get("country_code") or "",
        "phone": a.get("phone") or "",
    }


def order_from_graphql(node: dict) -> dict:
    customer = node.get("customer") or {}
    total = node.get("totalPriceSet") or {}
    return {
        "external_id": node.get("id", ""),
        "number": node.get("name") or "",
        "financial_status": str(node.get("displayFinancialStatus") or "").lower(),
        "cancelled": bool(node.get("cancelledAt")),
        "fulfilled": str(node.get("displayFulfillmentStatus") or "").upper() == "FULFILLED",
        "currency": ((total.get("shopMoney") or {}).get("currencyCode") or node.get("currencyCode") or "USD")[:3],
        "total_cents": cents(total) or 0,
        "shipping_cents": cents(node.get("totalShippingPriceSet")) or 0,
        "placed_at": when(node.get("createdAt")),
        "updated_at": when(node.get("updatedAt")),
        "customer": {
            "external_id": customer.get("id") or "",
            "email": customer.get("email") or node.get("email") or "",
            "name": " ".join(filter(None, [customer.get("firstName"), customer.get("lastName")])),
            "phone": customer.get("phone") or "",
        },
        "shipping_address": _address_graphql(node.get("shippingAddress")),
        "lines": [
            {
                "external_id": li.get("id", ""),
                "title": li.get("title") or "",
                "sku": li.get("sku") or "",
                "quantity": int(li.get("quantity") or 1),
                "price_cents": cents(li.get("originalUnitPriceSet")) or 0,
                "variant_external_id": (li.get("variant") or {}).get("id") or "",
            }
            for li in _nodes(node.get("lineItems"))
        ],
    }


def order_from_webhook(payload: dict) -> dict:
    customer = payload.get("customer") or {}
    return {
        "external_id": payload.get("admin_graphql_api_id") or gid("Order", payload.get("id")),
        "number": payload.get("name") or "",
        "financial_status": str(payload.get("financial_status") or "").lower(),
        "cancelled": bool(payload.get("cancelled_at")),
        "fulfilled": payload.get("fulfillment_status") == "fulfilled",
        "currency": str(payload.get("currency") or "USD")[:3],
        "total_cents": cents(payload.get("total_price")) or 0,
        "shipping_cents": cents(((payload.get("total_shipping_price_set") or {}).get("shop_money") or {}).get("amount"))
        or 0,
        "placed_at": when(payload.get("created_at")),
        "updated_at": when(payload.get("updated_at")),
        "customer": {
            "external_id": gid("Customer", customer["id"]) if customer.get("id") else "",
            "email": customer.get("email") or payload.get("email") or "",
            "name": " ".join(filter(None, [customer.get("first_name"), customer.get("last_name")])),
            "phone": customer.get("phone") or "",
        },
        "shipping_address": _address_rest(payload.get("shipping_address")),
        "lines": [
            {
                "external_id": gid("LineItem", li.get("id")),
                "title": li.get("title") or "",
                "sku": li.get("sku") or "",
                "quantity": int(li.get("quantity") or 1),
                "price_cents": cents(li.get("price")) or 0,
                "variant_external_id": gid("ProductVariant", li["variant_id"]) if li.get("variant_id") else "",
            }
            for li in payload.get("line_items") or []
            if isinstance(li, dict)
        ],
    }
