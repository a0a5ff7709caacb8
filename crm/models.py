"""CRM data: contacts, their activity timeline, custom field definitions,
segments (saved filters) and CSV imports — all owned by one workspace.

Invariants (enforced by the database):
- Within a workspace, an e-mail address and a phone number each belong to at
  most one contact (conditional unique constraints: an empty value means
  "none" and may repeat). E-mails are stored lower-cased, phones in E.164
  (`crm.validation` normalises both before anything is written).
- `engagement_score` is 0–100 (CHECK); `crm.scoring` documents the formula.
- A form submission adds at most one activity (`dedupe_key` unique when set),
  which makes the landing-page lead capture idempotent.
- Every foreign key between these models stays inside one workspace: rows are
  created by `crm.services` from objects fetched through the scoped manager.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned


class Stage(models.TextChoices):
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    CHURNED = "churned", _("Churned")


class Contact(WorkspaceOwned):
    # The base's single-column indexes on workspace and created_at are replaced
    # by one (workspace, created_at, id) index: it serves the default list order
    # and every workspace filter, and each imported row maintains one index
    # fewer (see docs/PERFORMANCE.md).
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail address"), max_length=254, blank=True)
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.LEAD)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, blank=True)
    source = models.CharField(_("source"), max_length=50, blank=True)
    email_opt_in = models.BooleanField(_("e-mail opt-in"), default=False)
    whatsapp_opt_in = models.BooleanField(_("WhatsApp opt-in"), default=False)
    # Added by the SMS module; database defaults so raw inserts (the import's COPY) need not name them.
    sms_opt_in = models.BooleanField(_("SMS opt-in"), default=False, db_default=False)
    # IANA name (e.g. "America/Mexico_City"); empty: the workspace's. Journeys wait in it.
    timezone = models.CharField(_("time zone"), max_length=64, blank=True, default="", db_default="")
    engagement_score = models.PositiveSmallIntegerField(_("engagement score"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # The import that created the contact: tells in-file duplicates from older
    # contacts during an import. A plain value, not a foreign key: no index or
    # constraint trigger to maintain per imported row (see docs/PERFORMANCE.md).
    source_import_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"], condition=~Q(email=""), name="crm_contact_unique_email"
            ),
            models.UniqueConstraint(
                fields=["workspace", "phone"], condition=~Q(phone=""), name="crm_contact_unique_phone"
            ),
            models.CheckConstraint(
                condition=Q(engagement_score__gte=0) & Q(engagement_score__lte=100), name="crm_contact_score_range"
            ),
        ]
        # Sorting by score and activity windows (segments) use these; a stage
        # index would not be selective enough to pay for its cost on every insert.
        # Search has a trigram index on an expression (migration 0003, PostgreSQL only).
        indexes = [
            # the default list order and its keyset pages (nexusone.api.keyset)
            models.Index(fields=["workspace", "created_at", "id"], name="crm_contact_ws_created_id"),
            models.Index(fields=["workspace", "engagement_score"], name="crm_contact_ws_score"),
            models.Index(fields=["workspace", "last_activity_at"], name="crm_contact_ws_last_activity"),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ActivityType(models.TextChoices):
    NOTE = "note", _("Note")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("E-mail")
    WHATSAPP_MESSAGE = "whatsapp_message", _("WhatsApp message")
    SMS_MESSAGE = "sms_message", _("SMS")
    PAGE_VISIT = "page_visit", _("Page visit")
    FORM_SUBMIT = "form_submit", _("Form submitted")
    PURCHASE = "purchase", _("Purchase")
    STAGE_CHANGE = "stage_change", _("Stage changed")
    MERGE = "merge", _("Contacts merged")


# Written by the system only (services), never accepted from API input.
SYSTEM_ACTIVITY_TYPES = frozenset({ActivityType.STAGE_CHANGE, ActivityType.MERGE})


class Activity(WorkspaceOwned):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    type = models.CharField(_("type"), max_length=32, choices=ActivityType.choices)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Set by idempotent producers (a form submission id): one activity per key.
    dedupe_key = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "dedupe_key"], condition=~Q(dedupe_key=""), name="crm_activity_dedupe_key"
            ),
        ]
        indexes = [
            # the timeline of one contact, and the nightly rescoring window
            models.Index(fields=["contact", "-occurred_at"], name="crm_activity_contact_time"),
            models.Index(fields=["workspace", "occurred_at"], name="crm_activity_ws_time"),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.occurred_at:%Y-%m-%d %H:%M}"


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CustomFieldDefinition(WorkspaceOwned):
    """A workspace's extra contact field; values live in `Contact.custom_fields[key]`."""

    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=CustomFieldType.choices, default=CustomFieldType.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="crm_custom_field_key")]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label


class Segment(WorkspaceOwned):
    """A saved filter. `definition` is validated by
    `crm.services.segment_definition_validate` and evaluated by
    `crm.selectors.segment_queryset`."""

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    definition = models.JSONField(_("filter"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    DRAFT = "draft", _("Waiting for column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ContactImport(WorkspaceOwned):
    """One CSV upload and its two passes (see `crm.importing`).

    Counters: `total` data lines = `created` + `updated` + `merged` + `rejected`
    once done. `new_contacts` is what the first pass counted and charged for;
    `processed` is how many staged records the second pass has applied (its
    resume point after a crash)."""

    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.DRAFT)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    # Storage keys: crm/imports/<workspace id>/<uuid>.csv — never user-chosen.
    file_key = models.CharField(max_length=255, blank=True, editable=False)
    staged_key = models.CharField(max_length=255, blank=True, editable=False)
    delimiter = models.CharField(max_length=1, default=",")
    columns = models.JSONField(_("columns"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    # The language of the person who started it: reasons in the error report use it.
    language = models.CharField(max_length=5, blank=True)
    total = models.PositiveIntegerField(_("lines"), default=0)
    new_contacts = models.PositiveIntegerField(_("new contacts counted"), default=0)
    staged_records = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    merged = models.PositiveIntegerField(_("merged duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    credits_charged = models.PositiveIntegerField(_("credits charged"), default=0)
    charge_id = models.UUIDField(null=True, blank=True, editable=False)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contact import")
        verbose_name_plural = _("contact imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.staged_records:
            return 0
        return min(99, int(100 * self.processed / self.staged_records))


class ContactImportError(WorkspaceOwned):
    """One rejected line of an import: its 1-based line number in the file
    (the header is line 1) and why it was rejected."""

    contact_import = models.ForeignKey(ContactImport, on_delete=models.CASCADE, related_name="errors")
    line = models.PositiveIntegerField(_("line"))
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["contact_import", "line"], name="crm_import_error_line")]
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")

    def __str__(self) -> str:
        return f"{self.line}: {self.reason_label}"

    @property
    def reason_label(self) -> str:
        """The reason in the reader's language (stored as a code: crm.reasons)."""
        from crm.reasons import shown

        return shown(self.reason)
