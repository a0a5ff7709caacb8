"""Personal data held by outgoing webhooks (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding(
        "webhooks.WebhookEndpoint",
        secret=("secret", "previous_secret"),
        user="created_by",
        note="The customer's receivers; signing secrets are never exported.",
    ),
    Holding(
        "webhooks.WebhookEvent",
        personal=("data",),
        note="Event payloads (contacts, leads, messages); deleted after the webhook-log retention.",
    ),
    Holding("webhooks.WebhookDelivery", note="Delivery state; deleted after the webhook-log retention."),
    Holding("webhooks.WebhookAttempt", note="Response excerpts of the receiver; deleted after the retention."),
)
