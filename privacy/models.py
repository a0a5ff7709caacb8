"""Privacy requests and what they leave behind (see nexusone/personal_data.py)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned


class WorkspaceExport(WorkspaceOwned):
    """One ZIP export of a workspace; one queued or running at a time."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    language = models.CharField(max_length=10, default="en")
    progress = models.PositiveSmallIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    asset = models.ForeignKey("medialib.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    size = models.BigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(status__in=["queued", "running"]), name="privacy_one_export_at_a_time"
            )
        ]


class WorkspaceDeletion(models.Model):
    """A workspace's deletion: pending during the grace period, then purged.

    After the purge the row no longer names the workspace (`workspace` is
    NULL); `reference` ties it to the audit entry and the anonymized ledger."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RESTORED = "restored", _("Restored")
        PURGED = "purged", _("Purged")

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(
        "accounts.Workspace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    was_suspended = models.BooleanField(default=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    purge_after = models.DateTimeField(db_index=True)
    restored_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    steps = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(status="pending"), name="privacy_one_pending_deletion"
            )
        ]

    def __str__(self) -> str:
        return f"deletion {self.reference} ({self.status})"


class AccountingRecord(models.Model):
    """A ledger entry of a purged workspace, without anything about people:
    kept for accounting (amounts, dates, invoice references)."""

    deletion_reference = models.UUIDField(db_index=True)
    entry_id = models.BigIntegerField()
    kind = models.CharField(max_length=32)
    module = models.CharField(max_length=64, blank=True)
    amount = models.IntegerField()
    plan_amount = models.IntegerField(default=0)
    purchased_amount = models.IntegerField(default=0)
    balance_after = models.IntegerField(default=0)
    reference = models.CharField(max_length=255, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "entry_id"]
        constraints = [
            models.UniqueConstraint(fields=["deletion_reference", "entry_id"], name="privacy_accounting_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.occurred_at:%Y-%m-%d})"


class ErasureBlock(WorkspaceOwned):
    """An erased person who asked not to be re-imported: only a keyed hash of
    the address (HMAC with a key derived from SECRET_KEY), never the address."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "kind", "digest"], name="privacy_block_once")]


class RetentionPolicy(WorkspaceOwned):
    """Per-workspace retention (days); the defaults are SPEC's safe ones."""

    usage_events_days = models.PositiveIntegerField(default=395)
    webhook_logs_days = models.PositiveIntegerField(default=30)
    whatsapp_bodies_days = models.PositiveIntegerField(default=365)
    agent_transcripts_days = models.PositiveIntegerField(default=365)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace"], name="privacy_one_policy")]
