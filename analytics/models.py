"""Usage events: one row per charged action (written by the charge door in
`billing.charging`, success or failure), the source of the usage dashboards."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned


class UsageEvent(WorkspaceOwned):
    # Indexed together below; separate indexes would only slow every insert.
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    module = models.CharField(_("module"), max_length=50)
    action = models.CharField(_("action"), max_length=50, blank=True)
    credits = models.PositiveIntegerField(_("credits"), default=0)
    success = models.BooleanField(_("success"))
    processing_ms = models.PositiveIntegerField(_("processing time (ms)"), null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # The billing charge this event records; a plain value, not a foreign key,
    # so usage history outlives charge housekeeping.
    charge_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The dashboards aggregate one workspace over a date range.
        indexes = [models.Index(fields=["workspace", "created_at"], name="analytics_usage_ws_created")]
        verbose_name = _("usage event")
        verbose_name_plural = _("usage events")

    def __str__(self) -> str:
        return f"{self.module} {self.credits} ({'ok' if self.success else 'failed'})"
