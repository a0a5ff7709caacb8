"""Notifications (one row per recipient), the recipients' e-mail preferences
and the workspace's Slack preferences.

Invariants:
- A notification belongs to one workspace *and* one recipient; the API and
  pages show a member only their own, inside the workspace they are in.
- `(workspace, recipient, kind, dedup_key)` is unique when `dedup_key` is set:
  "once per crossing / per period" is enforced by the database, so two
  concurrent `notify()` calls with the same key deliver once.
- Title and body are rendered once, at creation, in `language` (the
  recipient's preferred language then), and never re-rendered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned


class Notification(WorkspaceOwned):
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )  # indexed by (workspace, recipient, …) below
    created_at = models.DateTimeField(auto_now_add=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    level = models.CharField(max_length=10, default="info")
    language = models.CharField(max_length=5, default="en")
    data = models.JSONField(default=dict, blank=True)
    dedup_key = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    slacked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "recipient", "kind", "dedup_key"],
                condition=~Q(dedup_key=""),
                name="notifications_once_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "recipient", "-created_at"], name="notifications_inbox"),
            models.Index(
                fields=["workspace", "recipient"], condition=Q(read_at__isnull=True), name="notifications_unread"
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailPreference(models.Model):
    """A user's choice to receive (or not) e-mail for one kind, in every
    workspace. Absent → the kind's default. In-app is always on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    email = models.BooleanField(_("e-mail"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notifications_email_pref_once")]
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.email}"


class SlackPreference(WorkspaceOwned):
    """Whether a kind is posted to the workspace's Slack. Absent → the kind's default."""

    kind = models.CharField(max_length=40)
    enabled = models.BooleanField(_("post to Slack"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "kind"], name="notifications_slack_pref_once")]
        verbose_name = _("Slack preference")
        verbose_name_plural = _("Slack preferences")

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.kind}: {self.enabled}"
