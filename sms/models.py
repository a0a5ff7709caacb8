"""SMS data: campaigns and one row per message (outbound to a recipient, or
inbound from one).

Invariants:
- A campaign texts a phone number at most once (unique `(campaign, to)` for
  outbound rows), and a message is handed to the provider at most once: the
  sender moves it `queued → sending` with a conditional UPDATE carrying a
  fresh claim token (`sms.sending`).
- Only contacts with `sms_opt_in` and an E.164 phone are addressed; consent
  is checked again when a message is claimed. STOP (and Twilio's other
  opt-out keywords) withdraws it.
- An inbound message is stored once per workspace and provider id.
- Credits: one `sms_send` charge per campaign (2 credits per segment and
  recipient); what the provider refused is given back once when the campaign
  finishes (`emails.credits.refund_units`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned


class SmsCampaign(WorkspaceOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        BROADCAST = "broadcast", _("Campaign")
        JOURNEY = "journey", _("Journey SMS")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BROADCAST)
    name = models.CharField(_("name"), max_length=200)
    body = models.TextField(_("text"), max_length=1600, blank=True)
    # {"segment_id": n} or {"contact_ids": [...]}
    audience = models.JSONField(_("audience"), default=dict, blank=True)
    schedule_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    encoding = models.CharField(_("encoding"), max_length=8, blank=True)
    segments = models.PositiveSmallIntegerField(_("segments per message"), default=0)
    provider = models.CharField(_("provider"), max_length=16, blank=True)
    count_recipients = models.PositiveIntegerField(_("recipients"), default=0)
    count_sent = models.PositiveIntegerField(_("sent"), default=0)
    count_delivered = models.PositiveIntegerField(_("delivered"), default=0)
    count_failed = models.PositiveIntegerField(_("failed"), default=0)
    credits_charged = models.PositiveIntegerField(_("credits charged"), default=0)
    credits_refunded = models.PositiveIntegerField(_("credits refunded"), default=0)
    charge_id = models.UUIDField(null=True, blank=True, editable=False)
    charge_key = models.CharField(max_length=200, blank=True, editable=False)
    last_error = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    last_progress_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "schedule_at"], name="sms_campaign_status_sched"),
            models.Index(fields=["workspace", "kind", "-created_at"], name="sms_campaign_ws_kind"),
        ]
        verbose_name = _("SMS campaign")
        verbose_name_plural = _("SMS campaigns")

    def __str__(self) -> str:
        return self.name

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED)


class SmsMessage(WorkspaceOwned):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        RECEIVED = "received", _("Received")

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=models.functions.Now())
    campaign = models.ForeignKey(
        SmsCampaign, null=True, blank=True, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.OUTBOUND, db_default=Direction.OUTBOUND
    )
    to = models.CharField(_("to"), max_length=20)
    from_number = models.CharField(_("from"), max_length=40, blank=True, default="", db_default="")
    body = models.TextField(_("text"), blank=True, default="", db_default="")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED, db_default=Status.QUEUED
    )
    segments = models.PositiveSmallIntegerField(default=0, db_default=0)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sid = models.CharField(_("provider id"), max_length=64, blank=True, default="", db_default="")
    error_code = models.CharField(max_length=16, blank=True, default="", db_default="")
    error_message = models.CharField(max_length=300, blank=True, default="", db_default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Journey SMS: the charge that paid for this message's batch (settled by journeys.charges once
    # the batch's messages are final). A campaign's own messages are paid by SmsCampaign.charge_id.
    charge_id = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "to"], condition=Q(direction="outbound"), name="sms_message_once_per_number"
            ),
            models.UniqueConstraint(fields=["workspace", "sid"], condition=~Q(sid=""), name="sms_message_unique_sid"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="sms_msg_campaign_status"),
            models.Index(fields=["sid"], name="sms_msg_sid", condition=~Q(sid="")),
            models.Index(fields=["to", "direction"], name="sms_msg_to"),
            models.Index(fields=["contact", "campaign"], name="sms_msg_contact"),
            models.Index(fields=["claimed_at"], name="sms_msg_in_flight", condition=Q(status="sending")),
            models.Index(fields=["charge_id", "status"], name="sms_msg_charge", condition=Q(charge_id__isnull=False)),
        ]
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")

    def __str__(self) -> str:
        return f"{self.to} · {self.get_status_display()}"
