"""Webhook rows for tests and the route walk (TENANT_FACTORIES)."""

from __future__ import annotations

import uuid

from django.utils import timezone

from webhooks import signing
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


def make_endpoint(workspace, **fields) -> WebhookEndpoint:
    """An endpoint of `workspace`, which is put on a plan with webhooks (pro)."""
    from billing.tests.factories import paid_features

    paid_features(workspace)
    values = {"url": f"https://hooks.example.com/{workspace.slug}", "events": ["contact.created"], **fields}
    endpoint = WebhookEndpoint(workspace=workspace, **values)
    endpoint.secret = signing.new_secret()
    endpoint.save()
    return endpoint


def make_delivery(workspace, **fields) -> WebhookDelivery:
    endpoint = fields.pop("endpoint", None) or make_endpoint(workspace)
    event = WebhookEvent.unscoped.create(
        workspace=workspace, message_id=f"msg_{uuid.uuid4().hex}", type="contact.created",
        data={"id": 1}, occurred_at=timezone.now(),
    )  # fmt: skip
    values = {"status": WebhookDelivery.Status.SUCCEEDED, **fields}
    return WebhookDelivery.unscoped.create(workspace=workspace, endpoint=endpoint, event=event, **values)


TENANT_FACTORIES = {WebhookEndpoint: make_endpoint, WebhookDelivery: make_delivery}
