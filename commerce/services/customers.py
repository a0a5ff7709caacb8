"""Shop customers become CRM contacts (stage `customer`) through the CRM's own
services, free of credits like every contact that arrives by itself; each
order is a `purchase` activity on the timeline, once (dedupe key per order)."""

from __future__ import annotations

import contextlib
import logging

from django.db import IntegrityError, transaction

from commerce.models import Order, Store
from crm.models import Contact, Stage
from nexusone.errors import ApplicationError

logger = logging.getLogger(__name__)


def customer_to_contact(store: Store, customer: dict) -> Contact | None:
    """The CRM contact for a shop customer (found by e-mail, else created as a lead
    that arrived by itself), moved to stage `customer`. None without an e-mail."""
    from crm import services as crm

    email = (customer.get("email") or "").strip().lower()
    if not email:
        return None
    contact = Contact.objects.filter(email=email).first()
    if contact is None:
        first, _sep, last = (customer.get("name") or "").partition(" ")
        try:
            contact = crm.contact_create_lead(
                workspace=store.workspace,
                data={"email": email, "first_name": first[:100], "last_name": last[:100]},
                source=f"{store.platform}:{store.domain}"[:50],
            )
        except ApplicationError as exc:  # a duplicate created meanwhile, or data the CRM refuses
            contact = Contact.objects.filter(email=email).first()
            if contact is None:
                logger.info("commerce: customer of %s not added to the CRM (%s)", store.domain, exc.code)
                return None
    if contact.stage != Stage.CUSTOMER:
        try:
            crm.contact_update(contact=contact, data={"stage": Stage.CUSTOMER})
        except ApplicationError:
            logger.info("commerce: contact %s stage not changed", contact.pk)
    return contact


def order_activity(order: Order) -> None:
    """Link the order to its customer's contact and add one `purchase` activity."""
    from crm import services as crm

    if order.store is None:
        return
    contact = customer_to_contact(
        order.store,
        {"email": order.customer_email, "name": order.customer_name, "external_id": order.customer_external_id},
    )
    if contact is None:
        return
    if order.contact_id != contact.pk:
        Order.objects.filter(pk=order.pk).update(contact=contact)
        order.contact = contact
    from crm.models import Activity

    key = f"commerce:order:{order.pk}"
    if Activity.objects.filter(dedupe_key=key).exists():
        return
    with contextlib.suppress(IntegrityError), transaction.atomic():  # a concurrent run added it
        crm.activity_add(
            contact=contact,
            type="purchase",
            payload={
                "order": order.number,
                "total_cents": order.total_cents,
                "currency": order.currency,
                "store": order.store.domain,
            },
            occurred_at=order.placed_at,
            dedupe_key=key,
        )
