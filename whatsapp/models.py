"""WhatsApp data: connected numbers, their templates, broadcasts and the
batches that pay for them, every outbound/inbound message, conversations,
opt-outs, keyword bot rules and the raw webhook events (the inbound outbox).

Invariants:
- A message is sent at most once: the sender moves it `queued → sending` with
  a conditional UPDATE before calling the provider (`services.sending`).
- Message statuses only move forward (`queued < sending < sent < delivered <
  read`); `failed` and `cancelled` are terminal (`services.statuses`).
- `Broadcast.count_*` count messages by their *current* status and change in
  the same transaction as the message, so they always add up to `count_total`.
- Credits: each `SendBatch` holds one charge made through the billing door for
  its messages; failed/cancelled messages are refunded through it exactly once
  (`Message.refund_state`, `whatsapp.credits`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.crypto import EncryptedTextField
from nexusone.tenancy import WorkspaceOwned, WorkspaceScopedManager

# Sandbox numbers get ids Meta never sends (Graph ids are digits).
SANDBOX_PREFIX = "sandbox-"


class WhatsAppAccount(WorkspaceOwned):
    """A WhatsApp Business phone number connected through the Cloud API.
    Without an access token it runs on the offline sandbox provider."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    waba_id = models.CharField(_("WhatsApp Business Account ID"), max_length=64)
    # Globally unique: the webhook routes events to a workspace by this id.
    phone_number_id = models.CharField(_("phone number ID"), max_length=64, unique=True)
    display_phone_number = models.CharField(_("display phone number"), max_length=32, blank=True)
    verified_name = models.CharField(_("verified name"), max_length=255, blank=True)
    quality_rating = models.CharField(_("quality rating"), max_length=16, blank=True)
    access_token = EncryptedTextField(_("access token"))
    access_token_last4 = models.CharField(max_length=4, blank=True)
    messages_per_second = models.PositiveIntegerField(
        _("messages per second"), null=True, blank=True, help_text=_("Empty: the platform default.")
    )
    bot_enabled = models.BooleanField(_("keyword bot enabled"), default=True)
    last_error = models.CharField(max_length=255, blank=True)
    templates_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("WhatsApp account")
        verbose_name_plural = _("WhatsApp accounts")

    def __str__(self) -> str:
        return self.name or self.display_phone_number or self.phone_number_id

    @property
    def is_sandbox(self) -> bool:
        # The raw attribute is the ciphertext (or ""): no decryption needed to tell.
        return not self.__dict__.get("access_token")


class MessageTemplate(WorkspaceOwned):
    """A message template as Meta reports it (synced), with its approval status."""

    class Status(models.TextChoices):
        APPROVED = "APPROVED", _("Approved")
        PENDING = "PENDING", _("Pending")
        REJECTED = "REJECTED", _("Rejected")
        PAUSED = "PAUSED", _("Paused")
        DISABLED = "DISABLED", _("Disabled")
        IN_APPEAL = "IN_APPEAL", _("In appeal")
        PENDING_DELETION = "PENDING_DELETION", _("Pending deletion")
        DELETED = "DELETED", _("Deleted")
        LIMIT_EXCEEDED = "LIMIT_EXCEEDED", _("Limit exceeded")
        UNKNOWN = "UNKNOWN", _("Unknown")

    account = models.ForeignKey(WhatsAppAccount, on_delete=models.CASCADE, related_name="templates")
    external_id = models.CharField(max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=512)
    language = models.CharField(_("language"), max_length=16)
    category = models.CharField(_("category"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.PENDING)
    components = models.JSONField(_("components"), default=list, blank=True)
    rejected_reason = models.CharField(max_length=255, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name", "language"], name="whatsapp_template_unique"),
        ]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def category_label(self) -> str:
        """Meta's category code (MARKETING, UTILITY, AUTHENTICATION) in the reader's language."""
        return str(TEMPLATE_CATEGORY_LABELS.get(self.category.upper(), self.category))

    @property
    def rejected_reason_label(self) -> str:
        reason = self.rejected_reason
        if reason.upper() == "NONE":
            return ""
        return str(TEMPLATE_REJECTION_LABELS.get(reason.upper(), reason))


# Meta's codes, stored as sent; shown through these labels.
TEMPLATE_CATEGORY_LABELS = {
    "MARKETING": _("Marketing"),
    "UTILITY": _("Utility"),
    "AUTHENTICATION": _("Authentication"),
}
TEMPLATE_REJECTION_LABELS = {
    "ABUSIVE_CONTENT": _("Abusive content"),
    "INVALID_FORMAT": _("Invalid format"),
    "PROMOTIONAL": _("Promotional content in a utility template"),
    "TAG_CONTENT_MISMATCH": _("The content does not match the category"),
    "INCORRECT_CATEGORY": _("Incorrect category"),
    "SCAM": _("Flagged as a scam"),
}


class Broadcast(WorkspaceOwned):
    """One message to many recipients (a list or a CRM segment), now or at
    `schedule_date`. Charged once at creation for every sendable recipient."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.SCHEDULED, Status.QUEUED, Status.SENDING)

    account = models.ForeignKey(
        WhatsAppAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="broadcasts"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    message = models.JSONField(_("message"))
    segment_id = models.PositiveBigIntegerField(null=True, blank=True)
    segment_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    schedule_date = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    unit_cost = models.PositiveIntegerField(default=0)
    credits_charged = models.PositiveIntegerField(default=0)
    credits_refunded = models.PositiveIntegerField(default=0)
    # What happened to the requested recipients at creation.
    count_requested = models.PositiveIntegerField(default=0)
    count_duplicates = models.PositiveIntegerField(default=0)
    count_opted_out = models.PositiveIntegerField(default=0)
    count_rejected = models.PositiveIntegerField(default=0)
    rejected_recipients = models.JSONField(default=list, blank=True)
    # Sendable messages by their current status (they add up to count_total).
    count_total = models.PositiveIntegerField(default=0)
    count_queued = models.IntegerField(default=0)  # queued or in flight
    count_sent = models.IntegerField(default=0)
    count_delivered = models.IntegerField(default=0)
    count_read = models.IntegerField(default=0)
    count_failed = models.IntegerField(default=0)
    count_cancelled = models.IntegerField(default=0)
    last_progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="whatsapp_broadcast_idempotency",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "schedule_date"], name="whatsapp_bc_status_sched"),
            models.Index(fields=["workspace", "-created_at"], name="whatsapp_bc_ws_created"),
        ]
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")

    # Broadcasts that automation creates (a journey's WhatsApp step, every minute it has contacts) carry
    # an idempotency key with this prefix; nobody started them, so nobody is told they finished.
    AUTOMATION_KEY_PREFIX = "journeys:"

    def __str__(self) -> str:
        return self.name or f"Broadcast {self.pk}"

    @property
    def automated(self) -> bool:
        return self.created_by_id is None and self.idempotency_key.startswith(self.AUTOMATION_KEY_PREFIX)

    def counters(self) -> dict[str, int]:
        return {
            "requested": self.count_requested,
            "duplicates": self.count_duplicates,
            "opted_out": self.count_opted_out,
            "rejected": self.count_rejected,
            "total": self.count_total,
            "queued": self.count_queued,
            "sent": self.count_sent,
            "delivered": self.count_delivered,
            "read": self.count_read,
            "failed": self.count_failed,
            "cancelled": self.count_cancelled,
        }

    @property
    def progress_percent(self) -> int:
        if not self.count_total:
            return 100
        return int(100 * (self.count_total - self.count_queued) / self.count_total)


class SendBatch(WorkspaceOwned):
    """A group of outbound messages sent by one task and paid by one charge of
    the billing door (`charge_id`). A broadcast has one per
    WHATSAPP_BATCH_SIZE recipients; a single reply is a batch of one."""

    class ChargeState(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        COMMITTED = "committed", _("Committed")
        REFUNDED = "refunded", _("Refunded")
        NONE = "none", _("Nothing charged")

    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.CASCADE, related_name="batches")
    account = models.ForeignKey(WhatsAppAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    index = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    charge_id = models.UUIDField(null=True, blank=True)
    charged_quantity = models.PositiveIntegerField(default=0)
    charge_version = models.PositiveIntegerField(default=0)
    charge_state = models.CharField(max_length=16, choices=ChargeState.choices, default=ChargeState.NONE)
    charge_key = models.CharField(max_length=200, blank=True)
    refunded_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    settle_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["broadcast_id", "index"]
        indexes = [
            models.Index(fields=["charge_state", "settle_after"], name="whatsapp_batch_settle"),
        ]
        verbose_name = _("send batch")
        verbose_name_plural = _("send batches")

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.size})"


class Conversation(WorkspaceOwned):
    """The thread between one of our numbers and one customer number."""

    account = models.ForeignKey(
        WhatsAppAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    phone = models.CharField(_("customer number"), max_length=32)
    contact_id = models.PositiveBigIntegerField(null=True, blank=True)
    profile_name = models.CharField(_("profile name"), max_length=255, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    unread_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "phone"], name="whatsapp_conversation_unique")]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return self.profile_name or self.phone


class Message(WorkspaceOwned):
    """One WhatsApp message, outbound (broadcast, reply, bot) or inbound."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        RECEIVED = "received", _("Received")

    class RefundState(models.TextChoices):
        NONE = "", _("Not refunded")
        DUE = "due", _("Refund due")
        REFUNDED = "refunded", _("Refunded")
        NOT_REFUNDABLE = "not_refundable", _("Not refundable")

    # A broadcast writes 100,000 of these rows in one COPY, where every database-level FK
    # check (~15 µs a row each, at commit) and every index costs seconds. So these foreign
    # keys are enforced by Django, not by database constraints: rows are only created by
    # services from objects fetched in the workspace scope, and deletes cascade through
    # the ORM. Each row maintains four indexes: the primary key, (batch, status),
    # (broadcast, id) and (workspace, to).
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", editable=False,
        db_index=False, db_constraint=False,  # (workspace, to) below serves workspace-leading lookups
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)  # messages are ordered and paged by id
    account = models.ForeignKey(
        WhatsAppAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    broadcast = models.ForeignKey(
        Broadcast, null=True, blank=True, on_delete=models.CASCADE, related_name="messages",
        db_constraint=False, db_index=False,  # (broadcast, id) below
    )  # fmt: skip
    batch = models.ForeignKey(
        SendBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages",
        db_constraint=False, db_index=False,  # (batch, status) below
    )  # fmt: skip
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages",
        db_constraint=False, db_index=False,  # partial (conversation, id) below: broadcast rows have none
    )  # fmt: skip
    contact_id = models.PositiveBigIntegerField(null=True, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.OUTBOUND)
    to = models.CharField(_("to"), max_length=32)
    from_number = models.CharField(_("from"), max_length=32, blank=True)
    kind = models.CharField(_("type"), max_length=16, default="text")
    body = models.TextField(blank=True)
    # Outbound: the message object when it is not the broadcast's; inbound: what Meta sent.
    payload = models.JSONField(null=True, blank=True)
    wamid = models.CharField(max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    error_code = models.CharField(max_length=16, blank=True)
    error_reason = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim_token = models.CharField(max_length=32, blank=True, default="")  # which worker's claim moved it to sending
    refund_state = models.CharField(max_length=16, choices=RefundState.choices, default=RefundState.NONE, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "wamid"], condition=~Q(wamid=""), name="whatsapp_message_wamid_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "status"], name="whatsapp_msg_batch_status"),
            models.Index(fields=["broadcast", "id"], name="whatsapp_msg_broadcast"),
            models.Index(fields=["workspace", "to"], name="whatsapp_msg_ws_to"),
            models.Index(
                fields=["conversation", "id"], condition=Q(conversation__isnull=False), name="whatsapp_msg_thread"
            ),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="whatsapp_msg_in_flight"),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.direction} {self.to} {self.status}"

    @property
    def error_label(self) -> str:
        """The failure reason in the reader's language (the provider's detail is `error_message`)."""
        from whatsapp.providers.base import REASON_LABELS

        return str(REASON_LABELS.get(self.error_reason, self.error_reason))


class OptOut(WorkspaceOwned):
    """A number that asked not to receive messages from this workspace."""

    class Source(models.TextChoices):
        KEYWORD = "keyword", _("Keyword reply")
        MANUAL = "manual", _("Added by a user")
        IMPORT = "import", _("Imported")

    phone = models.CharField(_("number"), max_length=32)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    keyword = models.CharField(_("keyword"), max_length=64, blank=True)
    account = models.ForeignKey(WhatsAppAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "phone"], name="whatsapp_optout_unique")]
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")

    def __str__(self) -> str:
        return self.phone


class BotRule(WorkspaceOwned):
    """Keyword bot: an inbound text matching `pattern` gets `reply` (text or a
    template), preferring the rule in the contact's language."""

    class MatchType(models.TextChoices):
        KEYWORD = "keyword", _("Whole message equals a keyword")
        CONTAINS = "contains", _("Message contains the words")
        REGEX = "regex", _("Regular expression")

    class ReplyType(models.TextChoices):
        TEXT = "text", _("Text")
        TEMPLATE = "template", _("Template")

    account = models.ForeignKey(WhatsAppAccount, on_delete=models.CASCADE, related_name="bot_rules")
    name = models.CharField(_("name"), max_length=100)
    match_type = models.CharField(_("match"), max_length=16, choices=MatchType.choices, default=MatchType.CONTAINS)
    pattern = models.CharField(_("keywords or pattern"), max_length=200)
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES, help_text=_("Empty: any language.")
    )
    reply_type = models.CharField(_("reply with"), max_length=16, choices=ReplyType.choices, default=ReplyType.TEXT)
    reply_text = models.TextField(_("reply text"), blank=True, max_length=4096)
    template_name = models.CharField(_("template name"), max_length=512, blank=True)
    template_language = models.CharField(_("template language"), max_length=16, blank=True)
    priority = models.IntegerField(_("priority"), default=100, help_text=_("Lower runs first."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("bot rule")
        verbose_name_plural = _("bot rules")

    def __str__(self) -> str:
        return self.name


class WebhookEvent(models.Model):
    """One notification from Meta (an inbound message, a status, a template
    update), stored once per unique key before processing — the inbound
    outbox. Not workspace-owned: it is stored before (and even without) a
    matching account; `workspace` is filled from the phone number id."""

    key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=16)
    phone_number_id = models.CharField(max_length=64, blank=True)
    workspace = models.ForeignKey(
        "accounts.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    account = models.ForeignKey(WhatsAppAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=64, blank=True)

    # Fail closed (T27): the webhook edge and the relay work across
    # workspaces through `unscoped`; anything else reads inside a scope.
    objects = WorkspaceScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["received_at"], condition=Q(processed_at__isnull=True), name="whatsapp_event_pending"),
        ]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return self.key
