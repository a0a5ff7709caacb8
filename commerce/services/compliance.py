"""Shopify's mandatory privacy webhooks and the uninstall, wired to the privacy app.

- `customers/data_request`: the customer's data we hold for this shop (their
  orders, and their CRM contact's export from the personal-data registry via
  `privacy.erasure.contact_export`) is gathered into one JSON file in the
  private `user-uploads` bucket, and the workspace's admins are told to hand
  it to the merchant.
- `customers/redact`: the customer's orders of this shop lose their personal
  fields (the registry's anonymize values; amounts stay for the figures) and
  their CRM contact is erased through `privacy.erasure.contact_erase`.
- `shop/redact` (48 h after an uninstall): the shop's store, catalogue and
  orders are deleted.
- `app/uninstalled`: the store is disconnected and the `shopify` connection —
  and with it the token — deleted.
"""

from __future__ import annotations

import json
import logging

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q

from commerce.models import Order, Product, Store
from commerce.providers.shopify import gid
from nexusone import storage
from nexusone.audit import audit_record
from nexusone.personal_data import holding_for

logger = logging.getLogger(__name__)


def _customer_orders(store: Store, payload: dict, ids_key: str):
    customer = payload.get("customer") or {}
    match = Q()
    if customer.get("id"):
        match |= Q(customer_external_id=gid("Customer", customer["id"]))
    if customer.get("email"):
        match |= Q(customer_email__iexact=str(customer["email"]))
    order_ids = [gid("Order", i) for i in payload.get(ids_key) or [] if i]
    if order_ids:
        match |= Q(external_id__in=order_ids)
    if not match:
        return Order.objects.none()
    return Order.objects.filter(match, store=store)


def _contact(store: Store, payload: dict):
    from crm.models import Contact

    email = str((payload.get("customer") or {}).get("email") or "").strip()
    return Contact.objects.filter(email__iexact=email).first() if email else None


def customer_data_request(store: Store, payload: dict) -> str:
    from privacy.erasure import contact_export

    orders = list(
        _customer_orders(store, payload, "orders_requested").values(
            "number", "placed_at", "currency", "total_cents", "customer_email", "customer_name", "shipping_address"
        )
    )
    contact = _contact(store, payload)
    data = {
        "shop": store.domain,
        "request": payload.get("data_request") or {},
        "customer": payload.get("customer") or {},
        "orders": orders,
        "crm": contact_export(contact=contact, role="owner") if contact else None,
    }
    asset = storage.store(
        workspace=store.workspace,
        bucket="user-uploads",
        content=json.dumps(data, cls=DjangoJSONEncoder, indent=2).encode(),
        extension="json",
        content_type="application/json",
        name=f"shopify-data-request-{(payload.get('data_request') or {}).get('id', 'customer')}.json",
        source="commerce.compliance",
    )
    from notifications.services import notify

    notify(
        workspace=store.workspace,
        kind="commerce_data_request",
        params={"shop": store.domain, "orders": len(orders)},
        link=f"/w/{store.workspace.slug}/media/",
        dedup_key=f"data_request:{store.pk}:{asset.pk}",
    )
    audit_record(
        action="commerce.compliance.data_request",
        workspace=store.workspace,
        target=store,
        metadata={"orders": len(orders), "contact": bool(contact), "file": asset.pk},
    )
    return "data_gathered"


def customer_redact(store: Store, payload: dict) -> str:
    from privacy.erasure import contact_erase

    holding = holding_for("commerce.Order")
    with transaction.atomic():
        count = _customer_orders(store, payload, "orders_to_redact").update(**holding.anonymized_values())
        contact = _contact(store, payload)
        erased = bool(contact)
        if contact is not None:
            contact_erase(contact=contact, role="owner")
    audit_record(
        action="commerce.compliance.customer_redacted",
        workspace=store.workspace,
        target=store,
        metadata={"orders": count, "contact_erased": erased},
    )
    return "redacted"


def shop_redact(store: Store) -> str:
    with transaction.atomic():
        orders = Order.objects.filter(store=store).delete()[0]
        products = Product.objects.filter(store=store).delete()[0]
        domain = store.domain
        store.delete()
    audit_record(
        action="commerce.compliance.shop_redacted",
        workspace=store.workspace,
        metadata={"shop": domain, "orders": orders, "products": products},
    )
    return "shop_deleted"


def app_uninstalled(store: Store) -> None:
    from commerce.services.sync import store_disconnect
    from integrations.models import Connection
    from integrations.services import connection_disconnect

    connection = Connection.objects.filter(provider="shopify", account_id=store.domain).first()
    if connection is not None:
        connection_disconnect(connection=connection)
    store_disconnect(workspace=store.workspace, domain=store.domain, reason="app_uninstalled")
