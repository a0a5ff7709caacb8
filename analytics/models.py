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
    # `server`: written by the charge door; `client`: reported by a client
    # through POST /api/v1/analytics/events (never carries credits).
    source = models.CharField(_("source"), max_length=8, default="server", db_default="server")

    class Meta:
        ordering = ["-created_at", "-id"]
        # The usage page aggregates one workspace over a date range. On
        # PostgreSQL a BRIN index on created_at (migration 0003: a few pages for
        # millions of rows, nearly free on insert) lets the rollup tick find
        # the workspaces active in the last minutes.
        indexes = [models.Index(fields=["workspace", "created_at"], name="analytics_usage_ws_created")]
        verbose_name = _("usage event")
        verbose_name_plural = _("usage events")

    def __str__(self) -> str:
        return f"{self.module} {self.credits} ({'ok' if self.success else 'failed'})"


class MetricRollup(WorkspaceOwned):
    """One number per workspace × UTC hour × module × metric (× dimension,
    e.g. a landing page id), maintained by `analytics.rollups`. Dashboards read
    only these rows; any time zone's days are sums of whole hours."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )  # leads the unique index below
    created_at = None  # rollups are rewritten in place: no timestamps to maintain
    updated_at = None
    hour = models.DateTimeField()
    module = models.CharField(max_length=40)
    metric = models.CharField(max_length=40)
    dimension = models.CharField(max_length=64, default="", blank=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        # On PostgreSQL migration 0003 adds the same key INCLUDE (value), so the
        # dashboard's (workspace, hour range) scan is index-only.
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "hour", "module", "metric", "dimension"], name="analytics_rollup_key"
            )
        ]
        verbose_name = _("metric rollup")
        verbose_name_plural = _("metric rollups")

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.hour:%Y-%m-%d %H}h {self.module}.{self.metric}={self.value}"


class RollupCursor(models.Model):
    """How far a workspace's recomputed rollups are fresh (see `analytics.rollups`)."""

    workspace = models.OneToOneField("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    refreshed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.workspace_id}: {self.refreshed_until}"


class StaffAnalytics(MetricRollup):
    """The admin's entry to the staff analytics pages (revenue, module usage,
    users): a proxy with no rows of its own."""

    class Meta:
        proxy = True
        verbose_name = _("staff analytics")
        verbose_name_plural = _("staff analytics")


class DailyRollup(WorkspaceOwned):
    """The hourly rollups summed per calendar day of one time zone, for the
    days before its `RollupSeal` (see `analytics.daily`). A dashboard reads
    these for the sealed days and hourly rows only for the rest."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )  # leads the unique index below
    created_at = None
    updated_at = None
    tz = models.CharField(max_length=64)
    day = models.DateField()
    module = models.CharField(max_length=40)
    metric = models.CharField(max_length=40)
    dimension = models.CharField(max_length=64, default="", blank=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "tz", "day", "module", "metric", "dimension"],
                name="analytics_daily_key",
                include=["value"],  # the dashboard's read is an index-only range scan
            )
        ]
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.day} ({self.tz}) {self.module}.{self.metric}={self.value}"


class RollupSeal(models.Model):
    """How far a workspace's daily rollups in one time zone are complete:
    every local day before `sealed_day` (hours before `sealed_until`) has its
    `DailyRollup` rows; a write to an earlier hour moves the seal back."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False)
    tz = models.CharField(max_length=64)
    sealed_day = models.DateField(null=True, blank=True)
    sealed_until = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "tz"], name="analytics_seal_key")]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.tz}: {self.sealed_day}"
