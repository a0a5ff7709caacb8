"""Journeys: a trigger enrols CRM contacts, who then move through steps.

Invariants:
- A contact enters a journey once per entry key (`Enrollment` unique per
  journey, contact and key: "" for every trigger but `date_field`, whose key
  is the year), so a trigger seen twice enrols nobody twice.
- A step runs at most once per enrollment: its `StepRun` (unique per
  enrollment and step id) is written in the same transaction as the step's
  effects (messages queued, tags, stage) and the enrollment's move to the
  next step, on rows locked `FOR UPDATE SKIP LOCKED`. A retried or concurrent
  batch either sees the step done or rolls back entirely.
- Step ids are stable strings assigned by the server (`s1`, `s2`, …); editing a
  journey keeps the ids of the steps that stay, so contacts waiting at them
  keep their place.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned


class Journey(WorkspaceOwned):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("name"), max_length=200)
    # {"type": segment_entered|form_submitted|tag_added|whatsapp_keyword|order_placed|date_field, ...}
    trigger = models.JSONField(_("trigger"), default=dict)
    # [{"id": "s1", "type": "wait", "minutes": 1}, {"id": "s2", "type": "branch", "then": [...], "else": [...]}, …]
    steps = models.JSONField(_("steps"), default=list)
    # {} or {"tag": "customer"} / {"stage": "customer"}: reaching it ends the journey for the contact
    goal = models.JSONField(_("goal"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PAUSED)
    next_step_number = models.PositiveIntegerField(default=1, editable=False)
    # The last CRM activity id the trigger looked at (activity triggers), or where the current
    # keyset pass over the segment/tag members stands (0: the next pass starts from the lowest id).
    cursor = models.BigIntegerField(default=0, editable=False)
    # segment/tag triggers: contacts already in it when first activated count as "already entered"
    baseline_done = models.BooleanField(default=False, editable=False)
    count_entered = models.PositiveIntegerField(_("entered"), default=0)
    count_completed = models.PositiveIntegerField(_("completed"), default=0)
    count_exited = models.PositiveIntegerField(_("left early"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"], name="journeys_active", condition=Q(status="active"))]
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")

    def __str__(self) -> str:
        return self.name


class Enrollment(WorkspaceOwned):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")
        EXITED = "exited", _("Left early")
        BASELINE = "baseline", _("Already there at activation")

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="enrollments")
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="+", db_index=False)
    entry_key = models.CharField(max_length=32, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    step_id = models.CharField(_("current step"), max_length=16, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    # when the contact reached the current step (branch windows count from it)
    step_entered_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(_("reason"), max_length=32, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "contact", "entry_key"], name="journeys_enrol_once"),
        ]
        indexes = [
            models.Index(fields=["journey", "due_at"], name="journeys_enrol_due", condition=Q(status="active")),
            models.Index(fields=["contact"], name="journeys_enrol_contact"),
        ]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")

    def __str__(self) -> str:
        return f"#{self.contact_id} · {self.get_status_display()}"


class StepRun(WorkspaceOwned):
    """One step done for one enrollment — written once, with the step's effects."""

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")
        THEN = "then", _("Condition met")
        ELSE = "else", _("Condition not met")

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="+", db_index=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="runs", db_index=False)
    step_id = models.CharField(_("step"), max_length=16)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.DONE)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "step_id"], name="journeys_step_once")]
        indexes = [models.Index(fields=["journey", "step_id", "outcome"], name="journeys_run_stats")]
        verbose_name = _("step run")
        verbose_name_plural = _("step runs")

    def __str__(self) -> str:
        return f"{self.step_id} · {self.get_outcome_display()}"


class SendCharge(WorkspaceOwned):
    """The credits of one batch of journey e-mails or SMS: reserved when the
    step runs, kept reserved while its messages are sent, then settled once
    (`journeys.charges`): what the service accepted is kept, the rest refunded."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    journey = models.ForeignKey(Journey, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    step_id = models.CharField(_("step"), max_length=16)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    campaign_id = models.BigIntegerField(editable=False)  # emails.Campaign or sms.SmsCampaign
    charge_id = models.UUIDField(unique=True, editable=False)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    units = models.PositiveIntegerField(default=0)
    credits_refunded = models.PositiveIntegerField(_("credits refunded"), default=0)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="journeys_charge_open", condition=Q(settled_at=None))]
        verbose_name = _("journey send charge")
        verbose_name_plural = _("journey send charges")

    def __str__(self) -> str:
        return f"{self.channel} · {self.step_id} · {self.recipients}"
