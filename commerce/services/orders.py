"""Orders: arrival (analytics, CRM, outgoing webhook), fulfilment at CJ and the
tracking written back to the store.

Fulfilment (`POST /api/v1/orders/{id}/fulfill`) places the supplier order at
CJ once per order: every line must map to a variant with a CJ `vid` and the
order must have a shipping address — otherwise a 400 names what is missing
and nothing is sent. The order row is claimed (`supplier_status = "placing"`
under a row lock) before the call; our order number is CJ's `orderNumber`,
so CJ itself refuses a duplicate. The logistic line follows the store's
delivery preferences (preferred names, maximum days, fallback cheapest or
fastest) among CJ's freight quotes. `payType` 3: CJ does not pay from the
balance by itself. A beat task follows placed orders (`getOrderDetail`) and,
when CJ reports a tracking number, writes it to Shopify as a fulfilment of
the order's fulfilment orders.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.models import Order, Store
from commerce.providers import cj, shopify
from nexusone.audit import audit_record
from nexusone.errors import Conflict, ValidationFailed

logger = logging.getLogger(__name__)

PLACING = "placing"
CJ_DONE = {"SHIPPED", "DELIVERED"}


def order_arrived(order: Order) -> None:
    """A new order (a webhook), inside its transaction: see `orders_arrived`."""
    orders_arrived([order])


def orders_arrived(orders: Sequence[Order]) -> None:
    """New orders (a page of a sync, or one from a webhook), inside their
    transaction: each counted once in the analytics rollups (orders, revenue,
    cost; cancelled ones not), announced to webhook subscribers
    (`order.created`, deduplicated per order); the CRM after commit. Per
    workspace one rollup UPSERT, one batch of outbox rows and one CRM task,
    however many orders."""
    from analytics.rollups import bump_many
    from webhooks.services import emit_many_safely

    by_workspace: dict[int, list[Order]] = {}
    for order in orders:
        by_workspace.setdefault(order.workspace_id, []).append(order)
    for workspace_id, batch in by_workspace.items():
        bump_many(
            workspace_id=workspace_id,
            module="commerce",
            rows=[
                (metric, value, order.placed_at)
                for order in batch
                if order.status != Order.Fulfillment.CANCELLED
                for metric, value in (
                    ("orders", 1),
                    ("revenue_cents", order.total_cents),
                    ("cost_cents", order.cost_cents),
                )
            ],
        )
        emit_many_safely(
            workspace=batch[0].workspace,
            type="order.created",
            items=[
                (
                    {
                        "id": order.pk,
                        "number": order.number,
                        "total_cents": order.total_cents,
                        "currency": order.currency,
                        "placed_at": order.placed_at,
                    },
                    f"order:{order.pk}",
                )
                for order in batch
            ],
        )
        order_ids = [order.pk for order in batch]

        def to_crm(workspace_id=workspace_id, order_ids=order_ids):
            from commerce.tasks import commerce_orders_to_crm

            commerce_orders_to_crm.delay(workspace_id=workspace_id, order_ids=order_ids)

        transaction.on_commit(to_crm, robust=True)


# --- fulfilment ---------------------------------------------------------------------------------


def _missing(order: Order) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    unmapped = []
    for line in order.lines.all():
        if line.variant is None or not line.variant.supplier_variant_id:
            unmapped.append(line.sku or line.title or f"#{line.pk}")
    if unmapped:
        problems["lines"] = [_("These items have no CJ variant: %(items)s.") % {"items": ", ".join(unmapped)}]
    if not order.lines.exists():
        problems["lines"] = [_("The order has no items.")]
    address = order.shipping_address or {}
    absent = [f for f in ("name", "address1", "city", "country_code") if not address.get(f)]
    if absent:
        problems["shipping_address"] = [_("The shipping address lacks: %(fields)s.") % {"fields": ", ".join(absent)}]
    return problems


def choose_logistic(options: list[cj.FreightOption], preferences: dict) -> cj.FreightOption | None:
    """The store's delivery preferences over CJ's quotes: the first preferred name
    within the maximum days; else the fallback (cheapest / fastest) within it;
    `fallback: "none"` → None (the caller refuses)."""
    max_days = preferences.get("max_days")
    fitting = [o for o in options if not max_days or (o.max_days or 0) <= int(max_days)]
    for name in preferences.get("logistic_names") or []:
        for option in fitting:
            if option.name.lower() == str(name).lower():
                return option
    fallback = preferences.get("fallback") or "cheapest"
    if fallback == "none" or not fitting:
        return None
    if fallback == "fastest":
        return min(fitting, key=lambda o: (o.max_days or 999, o.price_cents))
    return min(fitting, key=lambda o: (o.price_cents, o.max_days or 999))


def order_fulfill(*, order: Order, user=None, request=None) -> Order:
    """Place the order at CJ once. 400 naming what is missing; 409 if already placed."""
    problems = _missing(order)
    if problems:
        raise ValidationFailed(
            _("This order cannot be sent to the supplier yet."), code="not_fulfillable", details=problems
        )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.supplier_order_id or locked.supplier_status == PLACING:
            raise Conflict(
                _("This order was already sent to the supplier."),
                code="already_fulfilled",
                details={"supplier_order_id": locked.supplier_order_id},
            )
        if locked.status == Order.Fulfillment.CANCELLED:
            raise Conflict(_("This order is cancelled."), code="order_cancelled")
        locked.supplier_status, locked.fulfil_error = PLACING, ""
        locked.save(update_fields=["supplier_status", "fulfil_error", "updated_at"])
    order = locked
    client = cj.CJClient.for_workspace(order.workspace)
    address = order.shipping_address
    vids = [(line.variant.supplier_variant_id, line.quantity) for line in order.lines.select_related("variant")]
    preferences = (order.store.delivery_preferences if order.store else {}) or {}
    try:
        options = client.freight(vids=vids, to_country=address["country_code"])
        logistic = choose_logistic(options, preferences)
        if logistic is None:
            raise ValidationFailed(
                _("No shipping option meets the store's delivery preferences."),
                code="no_logistic",
                details={"options": [o.as_dict() for o in options]},
            )
        payload = {
            "orderNumber": f"nx-{order.workspace_id}-{order.pk}",
            "shippingZip": address.get("zip", ""),
            "shippingCountry": address.get("country", ""),
            "shippingCountryCode": address["country_code"],
            "shippingProvince": address.get("province", ""),
            "shippingCity": address["city"],
            "shippingCounty": "",
            "shippingPhone": address.get("phone", ""),
            "shippingCustomerName": address["name"],
            "shippingAddress": address["address1"],
            "shippingAddress2": address.get("address2", ""),
            "taxId": "",
            "remark": order.number,
            "email": "",
            "consigneeID": "",
            "payType": 3,
            "shopAmount": "",
            "logisticName": logistic.name,
            "fromCountryCode": "CN",
            "products": [{"vid": vid, "quantity": qty} for vid, qty in vids],
        }
        placed = client.create_order(payload)
    except Exception as exc:
        Order.objects.filter(pk=order.pk).update(
            supplier_status="", fulfil_error=str(getattr(exc, "message", "") or exc.__class__.__name__)[:500]
        )
        raise
    order.supplier_order_id = str(placed.get("orderId") or "")[:100]
    order.supplier_status = str(placed.get("orderStatus") or "CREATED")[:30]
    order.supplier_shipping_cents = logistic.price_cents
    order.status = Order.Fulfillment.PLACED
    order.save(
        update_fields=["supplier_order_id", "supplier_status", "supplier_shipping_cents", "status", "updated_at"]
    )
    audit_record(
        action="commerce.order.fulfilled",
        request=request,
        user=user,
        workspace=order.workspace,
        target=order,
        metadata={"supplier_order_id": order.supplier_order_id, "logistic": logistic.name},
    )
    return order


def order_follow(order: Order) -> Order:
    """Beat: CJ's status and tracking number; once known, written to Shopify once."""
    if not order.supplier_order_id:
        return order
    detail = cj.CJClient.for_workspace(order.workspace).order_detail(order.supplier_order_id)
    status = str(detail.get("orderStatus") or order.supplier_status)[:30]
    tracking = str(detail.get("trackNumber") or "")[:100]
    fields = ["supplier_status", "updated_at"]
    order.supplier_status = status
    if tracking and tracking != order.tracking_number:
        order.tracking_number, order.tracking_company = tracking, str(detail.get("logisticName") or "")[:100]
        fields += ["tracking_number", "tracking_company"]
    if status in CJ_DONE and order.status == Order.Fulfillment.PLACED:
        order.status = Order.Fulfillment.SHIPPED
        fields.append("status")
    order.save(update_fields=fields)
    if order.tracking_number and order.tracking_written_at is None:
        tracking_write(order)
    return order


def tracking_write(order: Order) -> Order:
    """The tracking number as a Shopify fulfilment of each open fulfilment order (once)."""
    store = order.store
    if store is None or store.status != Store.Status.CONNECTED or not order.external_id:
        return order
    client = shopify.ShopifyClient.for_workspace(order.workspace)
    data = client.graphql(shopify.FULFILLMENT_ORDERS, {"id": order.external_id})
    nodes = ((data.get("order") or {}).get("fulfillmentOrders") or {}).get("nodes") or []
    open_ids = [n["id"] for n in nodes if isinstance(n, dict) and n.get("status") in ("OPEN", "IN_PROGRESS")]
    if open_ids:
        client.mutate(
            shopify.FULFILLMENT_CREATE,
            {
                "fulfillment": {
                    "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": i} for i in open_ids],
                    "trackingInfo": {"company": order.tracking_company, "number": order.tracking_number},
                    "notifyCustomer": True,
                }
            },
            "fulfillmentCreate",
        )
    order.tracking_written_at = timezone.now()
    order.status = Order.Fulfillment.FULFILLED
    order.save(update_fields=["tracking_written_at", "status", "updated_at"])
    return order
