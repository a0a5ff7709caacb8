"""Ad campaigns: a draft with AI-written copy variants, launched through an
ads provider (Meta, or the offline one), with daily insights per ad.

Invariants:
- A campaign is created once per Idempotency-Key (unique per workspace) and
  charged `facebook_ads` once, through the charge door, under a key derived
  from it.
- The variants of a campaign are its A/B test: one creative and one ad each.
  Provider ids are written as soon as the provider answers, one object at a
  time, so a retried launch resumes instead of creating anything twice.
- Insights are one row per (variant, day), upserted: a sync run twice
  changes nothing.
- Money is `Decimal` in the campaign's currency (major units); the provider
  gets minor units (`campaigns.currencies.to_minor`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned


class Objective(models.TextChoices):
    REACH = "REACH", _("Reach")
    TRAFFIC = "TRAFFIC", _("Traffic")
    CONVERSIONS = "CONVERSIONS", _("Conversions")
    LEAD_GENERATION = "LEAD_GENERATION", _("Lead generation")


class BudgetType(models.TextChoices):
    DAILY = "daily", _("Daily")
    LIFETIME = "lifetime", _("Lifetime")


class Campaign(WorkspaceOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LAUNCHING = "launching", _("Launching")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ARCHIVED = "archived", _("Archived")
        FAILED = "failed", _("Launch failed")

    name = models.CharField(_("name"), max_length=200)
    objective = models.CharField(_("objective"), max_length=20, choices=Objective.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    language = models.CharField(_("language"), max_length=5, default="en")
    # {age_min, age_max, genders: ["male"|"female"], interests: [names], countries: [ISO-2], languages: [ISO 639-1]}
    target_audience = models.JSONField(_("audience"), default=dict)
    # {title, description, image_url, call_to_action, destination_url}
    ad_creative = models.JSONField(_("creative"), default=dict)
    image_asset = models.ForeignKey(
        "medialib.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    budget_type = models.CharField(_("budget type"), max_length=8, choices=BudgetType.choices)
    budget_amount = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    end_time = models.DateTimeField(_("end"), null=True, blank=True)
    auto_refresh = models.BooleanField(_("weekly refresh"), default=False)
    # "offline" | "meta": the provider that launched it (empty while a draft)
    provider = models.CharField(_("provider"), max_length=10, blank=True)
    external_campaign_id = models.CharField(max_length=64, blank=True)
    external_adset_id = models.CharField(max_length=64, blank=True)
    # What the launch resolved and sent: ad account, page, interest and locale ids, minor-unit budget.
    launch_state = models.JSONField(default=dict, blank=True)
    launch_error = models.CharField(_("launch error"), max_length=1000, blank=True)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    last_synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)
    last_refresh_at = models.DateTimeField(_("last refresh"), null=True, blank=True)
    copy_provider = models.CharField(max_length=20, blank=True)
    credits_charged = models.PositiveIntegerField(default=0)
    charge_id = models.UUIDField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                name="campaigns_create_once",
                condition=~Q(idempotency_key=""),
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="campaigns_list"),
            models.Index(fields=["status"], name="campaigns_live", condition=Q(status__in=["active", "paused"])),
        ]
        verbose_name = _("ad campaign")
        verbose_name_plural = _("ad campaigns")

    def __str__(self) -> str:
        return self.name

    @property
    def variant_list(self) -> list[AdVariant]:
        return list(self.variants.all())

    @property
    def is_draft(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.FAILED)


class AdVariant(WorkspaceOwned):
    """One copy variant = one creative and one ad at the provider."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        REJECTED = "rejected", _("Rejected")
        ARCHIVED = "archived", _("Archived")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    position = models.PositiveSmallIntegerField(_("position"))
    headline = models.CharField(_("headline"), max_length=255)
    primary_text = models.TextField(_("primary text"), max_length=2000)
    description = models.CharField(_("description"), max_length=255, blank=True)
    call_to_action = models.CharField(_("call to action"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # 0 = written with the draft; n = added by the n-th weekly refresh
    refresh_round = models.PositiveSmallIntegerField(default=0)
    external_creative_id = models.CharField(max_length=64, blank=True)
    external_ad_id = models.CharField(max_length=64, blank=True)
    external_status = models.CharField(max_length=40, blank=True)
    review_feedback = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [models.UniqueConstraint(fields=["campaign", "position"], name="campaigns_variant_position")]
        indexes = [models.Index(fields=["external_ad_id"], name="campaigns_variant_ad")]
        verbose_name = _("ad variant")
        verbose_name_plural = _("ad variants")

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.position} · {self.headline}"

    @property
    def label(self) -> str:
        return chr(ord("A") + self.position - 1) if 1 <= self.position <= 26 else str(self.position)


class AdInsight(WorkspaceOwned):
    """One ad's figures for one day, as the provider reported them."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="insights", db_index=False)
    variant = models.ForeignKey(AdVariant, on_delete=models.CASCADE, related_name="insights", db_index=False)
    date = models.DateField(_("date"))
    impressions = models.BigIntegerField(default=0)
    reach = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    spend = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    conversions = models.BigIntegerField(default=0)
    conversion_value = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    frequency = models.DecimalField(max_digits=8, decimal_places=4, default=0)

    class Meta:
        ordering = ["date", "variant"]
        constraints = [models.UniqueConstraint(fields=["variant", "date"], name="campaigns_insight_day")]
        indexes = [models.Index(fields=["campaign", "date"], name="campaigns_insight_campaign")]
        verbose_name = _("ad insight")
        verbose_name_plural = _("ad insights")

    def __str__(self) -> str:
        return f"{self.variant_id} · {self.date}"


class InsightRun(WorkspaceOwned):
    """One asynchronous insights report asked of the provider for a campaign
    and a date range (Meta: an AdReportRun). Polled until the provider says it
    is done, then its rows are upserted into `AdInsight`; a failed, skipped or
    too-old report is kept with the reason so the user and staff can see it."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        EXPIRED = "expired", _("Expired")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="insight_runs")
    since = models.DateField(_("from"))
    until = models.DateField(_("to"))
    report_run_id = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    provider_status = models.CharField(max_length=40, blank=True)  # Meta's async_status, verbatim
    percent = models.PositiveSmallIntegerField(default=0)
    polls = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    error = models.CharField(_("error"), max_length=1000, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "updated_at"], name="campaigns_insightrun_status")]
        verbose_name = _("insights report")
        verbose_name_plural = _("insights reports")

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.since}…{self.until} · {self.status}"


class GraphEvent(WorkspaceOwned):
    """One Graph webhook change (a lead, an ad-account change), stored once per
    workspace and key, processed by a task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=32)  # "leadgen" | "ad_account"
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="campaigns_graph_event_once")]
        indexes = [models.Index(fields=["status"], name="campaigns_graph_pending", condition=Q(status="pending"))]
        verbose_name = _("Meta webhook event")
        verbose_name_plural = _("Meta webhook events")

    def __str__(self) -> str:
        return self.key


class SocialPost(WorkspaceOwned):
    """A Facebook Page or Instagram post, published now or by the beat at
    `scheduled_at`, exactly once (claimed by a conditional update)."""

    class Platform(models.TextChoices):
        FACEBOOK = "facebook", _("Facebook Page")
        INSTAGRAM = "instagram", _("Instagram account")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHING = "publishing", _("Publishing")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")

    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    text = models.TextField(_("text"), max_length=5000)
    media_url = models.URLField(_("image"), max_length=2000, blank=True)
    link = models.URLField(_("link"), max_length=2000, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    provider = models.CharField(max_length=10, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(_("error"), max_length=1000, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    caption_generated = models.BooleanField(default=False)
    credits_charged = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"], name="campaigns_post_once", condition=~Q(idempotency_key="")
            )
        ]
        indexes = [
            models.Index(fields=["scheduled_at"], name="campaigns_posts_due", condition=Q(status="scheduled")),
        ]
        verbose_name = _("social post")
        verbose_name_plural = _("social posts")

    def __str__(self) -> str:
        return f"{self.platform} · {self.text[:40]}"


class Generation(WorkspaceOwned):
    """An ad-inspiration batch or a launch plan written through the AI gateway."""

    class Kind(models.TextChoices):
        AD_INSPIRATION = "ideas", _("Ad inspiration")
        LAUNCH_PLAN = "plan", _("Launch plan")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=5)
    request = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    provider = models.CharField(max_length=20, blank=True)
    credits_charged = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "idempotency_key"],
                name="campaigns_generation_once",
                condition=~Q(idempotency_key=""),
            )
        ]
        verbose_name = _("campaign generation")
        verbose_name_plural = _("campaign generations")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class RefreshReport(WorkspaceOwned):
    """What one weekly refresh found and did for one campaign (once per ISO week)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="refresh_reports")
    week = models.CharField(_("week"), max_length=8)  # ISO week, "2026-W49"
    fatigued = models.JSONField(default=list)  # [{variant_id, label, reasons: [...], ctr_last, ctr_before, frequency}]
    new_variants = models.JSONField(default=list)  # variant ids added
    outcome = models.CharField(max_length=16)  # "refreshed" | "healthy" | "failed"
    detail = models.CharField(max_length=1000, blank=True)
    credits_charged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "week"], name="campaigns_refresh_once_a_week")]
        verbose_name = _("refresh report")
        verbose_name_plural = _("refresh reports")

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.week}"
