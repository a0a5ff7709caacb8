"""Outgoing webhooks (seed 003 `webhooks`): endpoints, the event outbox, deliveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.crypto import EncryptedTextField
from nexusone.tenancy import WorkspaceOwned


class WebhookEndpoint(WorkspaceOwned):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    enabled = models.BooleanField(_("enabled"), default=True)
    # `whsec_…`; during a rotation the previous one also signs until it expires.
    secret = EncryptedTextField(_("signing secret"))
    previous_secret = EncryptedTextField()
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["created_at", "id"]
        db_table = "webhooks"  # the seeds' name

    def __str__(self) -> str:
        return self.url


class WebhookEvent(WorkspaceOwned):
    """The outbox: written in the transaction that made the change, so an
    event exists exactly when the change committed."""

    message_id = models.CharField(max_length=40, unique=True)  # `webhook-id`, the same on every retry
    type = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    # "Once per crossing" events (credits.low per period, a broadcast's end) carry a key.
    dedup_key = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "dedup_key"], condition=~Q(dedup_key=""), name="webhooks_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.message_id}"


class WebhookDelivery(WorkspaceOwned):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="webhooks_delivery_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhooks_delivery_due",
                condition=Q(status__in=["pending", "retrying"]),
            )
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.status})"


class WebhookAttempt(WorkspaceOwned):
    """One HTTP attempt of a delivery (the log: status, duration, response excerpt)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=200, blank=True)
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"attempt {self.pk} ({self.status_code or self.error})"
