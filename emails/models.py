"""E-mail marketing data: senders (with their DNS status), suppressions,
campaigns, one row per recipient (`EmailMessage`) and the tracking events.

Invariants:
- A campaign addresses an e-mail address at most once (unique
  `(campaign, to_email)`), and a message is handed to the mail service at
  most once: the sender moves it `queued → sending` with a conditional UPDATE
  carrying a fresh claim token before building it (`emails.sending`).
- A suppressed address (unsubscribed, hard bounce, complaint, manual) is
  never addressed again by this workspace: it is excluded when the audience
  is materialised and once more when a message is claimed.
- `Campaign.count_*` count *messages* (unique per recipient: the first open of
  a message counts, later opens only raise `open_count`), changed in the same
  statement that changes the message, so rates never exceed 100 %.
- Tracking events are stored once per key (`EmailEvent`, unique per
  workspace), which makes a replayed webhook or a reloaded pixel harmless.
- Credits: one charge per campaign through the billing door
  (`Campaign.charge_id`); what was never handed to the mail service is
  given back once when the campaign finishes (`emails.credits`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned


class Sender(WorkspaceOwned):
    """A From address. Its domain must publish the SPF, DKIM and DMARC records
    we show (`emails.dns`) — or be listed in EMAIL_VERIFIED_DOMAINS — before a
    campaign may use it."""

    email = models.EmailField(_("e-mail address"), max_length=254)
    name = models.CharField(_("name"), max_length=100, blank=True)
    domain = models.CharField(_("domain"), max_length=253, editable=False)
    verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    dns_checked_at = models.DateTimeField(_("DNS checked at"), null=True, blank=True)
    # {"spf": "ok"|"missing"|"mismatch"|"error", "dkim": …, "dmarc": …, "found": {record: [values]}}
    dns_status = models.JSONField(_("DNS status"), default=dict, blank=True)

    class Meta:
        ordering = ["email", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "email"], name="emails_sender_unique_email")]
        verbose_name = _("sender")
        verbose_name_plural = _("senders")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class Suppression(WorkspaceOwned):
    """An address this workspace must not e-mail any more."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Hard bounce")
        COMPLAINED = "complained", _("Complaint (marked as spam)")
        MANUAL = "manual", _("Added by a member")

    email = models.EmailField(_("e-mail address"), max_length=254)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    campaign = models.ForeignKey(
        "Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="emails_suppression_unique_email"),
        ]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self) -> str:
        return f"{self.email} ({self.get_reason_display()})"


class Campaign(WorkspaceOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        TESTING = "testing", _("A/B test running")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        BROADCAST = "broadcast", _("Campaign")
        JOURNEY = "journey", _("Journey e-mail")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BROADCAST)
    name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    preheader = models.CharField(_("preheader"), max_length=200, blank=True)
    sender = models.ForeignKey(Sender, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns")
    # {"segment_id": n} or {"contact_ids": [...]}; validated by emails.services.audience_clean
    audience = models.JSONField(_("audience"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="en")
    # A list of blocks (emails.content) or, when `body_html` is set, that sanitised HTML instead.
    body = models.JSONField(_("body"), default=list, blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    schedule_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    # {"subjects": [..], "sample_percent": 20, "wait_minutes": 240, "metric": "opens"|"clicks"}; {} = no test
    ab_test = models.JSONField(_("A/B subject test"), default=dict, blank=True)
    winner_variant = models.SmallIntegerField(null=True, blank=True)
    ab_decide_at = models.DateTimeField(null=True, blank=True)
    # The last AI variants generated for this campaign (shown in the editor until one is applied).
    ai_variants = models.JSONField(default=list, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Frozen at send: {"html": …, "text": …, "links": [url, …], "subjects": [..]} with per-recipient markers.
    rendered = models.JSONField(default=dict, blank=True, editable=False)
    count_recipients = models.PositiveIntegerField(_("recipients"), default=0)
    count_sent = models.PositiveIntegerField(_("sent"), default=0)
    count_failed = models.PositiveIntegerField(_("failed"), default=0)
    count_delivered = models.PositiveIntegerField(_("delivered"), default=0)
    count_opened = models.PositiveIntegerField(_("opened"), default=0)
    count_clicked = models.PositiveIntegerField(_("clicked"), default=0)
    count_unsubscribed = models.PositiveIntegerField(_("unsubscribed"), default=0)
    count_bounced = models.PositiveIntegerField(_("bounced"), default=0)
    count_complained = models.PositiveIntegerField(_("complained"), default=0)
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
            models.Index(fields=["status", "schedule_at"], name="emails_campaign_status_sched"),
            models.Index(fields=["workspace", "kind", "-created_at"], name="emails_campaign_ws_kind"),
        ]
        verbose_name = _("e-mail campaign")
        verbose_name_plural = _("e-mail campaigns")

    def __str__(self) -> str:
        return self.name

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED)


class EmailMessage(WorkspaceOwned):
    """One recipient of one campaign (or one journey e-mail)."""

    class Status(models.TextChoices):
        HELD = "held", _("Waiting for the A/B winner")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    # Rows are inserted in bulk (INSERT … SELECT): database defaults for every column.
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=models.functions.Now())
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="messages", db_index=False)
    # No database constraint: a deleted contact keeps its send history (and the row insert stays cheap).
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    to_email = models.EmailField(_("to"), max_length=254)
    variant = models.SmallIntegerField(_("A/B variant"), default=0, db_default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_default=Status.QUEUED
    )
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, default="", db_default="")
    provider_message_id = models.CharField(max_length=255, blank=True, default="", db_default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0, db_default=0)
    click_count = models.PositiveIntegerField(default=0, db_default=0)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    # {"code": smtp code or provider status, "reason": "hard_bounce"|"temporary"|…, "message": …}
    error = models.JSONField(default=dict, blank=True, db_default={})
    refunded = models.BooleanField(default=False, db_default=False, editable=False)
    # Journey e-mails: the charge that paid for this message's batch (settled by journeys.charges
    # once the batch's messages are final). A campaign's own messages are paid by Campaign.charge_id.
    charge_id = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "to_email"], name="emails_message_once_per_address"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="emails_msg_campaign_status"),
            models.Index(
                fields=["provider_message_id"], name="emails_msg_provider_id", condition=~Q(provider_message_id="")
            ),
            models.Index(fields=["contact", "campaign"], name="emails_msg_contact"),
            models.Index(
                fields=["charge_id", "status"], name="emails_msg_charge", condition=Q(charge_id__isnull=False)
            ),
            # the reaper's scan: a handful of rows at any time
            models.Index(fields=["claimed_at"], name="emails_msg_in_flight", condition=Q(status="sending")),
        ]
        verbose_name = _("e-mail message")
        verbose_name_plural = _("e-mail messages")

    def __str__(self) -> str:
        return f"{self.to_email} · {self.get_status_display()}"


class EmailEvent(WorkspaceOwned):
    """A tracking event, stored once per key: our pixel and links, the
    provider's webhooks (through anymail) and SMTP refusals."""

    class Type(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        OPENED = "opened", _("Opened")
        CLICKED = "clicked", _("Clicked")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")
        DEFERRED = "deferred", _("Deferred")
        FAILED = "failed", _("Failed")

    message = models.ForeignKey(EmailMessage, on_delete=models.CASCADE, related_name="events", db_constraint=False)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    key = models.CharField(max_length=255, editable=False)
    source = models.CharField(_("source"), max_length=32, blank=True)  # "pixel", "link", "smtp", "anymail:<esp>"
    occurred_at = models.DateTimeField(_("occurred at"))
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="emails_event_unique_key")]
        indexes = [models.Index(fields=["message", "type"], name="emails_event_message_type")]
        verbose_name = _("e-mail event")
        verbose_name_plural = _("e-mail events")

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.occurred_at:%Y-%m-%d %H:%M}"
