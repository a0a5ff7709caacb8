"""Avatar videos: one `VideoProject` per request (seed: the `video_jobs` table).

Invariants:
- Status moves queued → processing → completed | failed | canceled, never
  back; a terminal row is never changed by a late webhook or poll.
- The charge (`charge_id`) is committed exactly when the video is stored and
  refunded at most once on failure or cancel (the charge door enforces it).
- `webhook_token` is unguessable and unique: the D-ID webhook URL carries it,
  so a delivery names its job without trusting the body.
- `lease_until` lets one worker at a time run a step; a crashed worker's
  lease simply runs out.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned

LANGUAGE_CHOICES = list(settings.LANGUAGES)


def new_webhook_token() -> str:
    return secrets.token_urlsafe(32)


class VideoStyle(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    CASUAL = "casual", _("Casual")
    ENERGETIC = "energetic", _("Energetic")
    CALM = "calm", _("Calm")


class VideoProject(WorkspaceOwned):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        PROCESSING = "processing", _("Processing")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    class Stage(models.TextChoices):
        NONE = "", _("Waiting")
        VOICE = "voice", _("Voice")
        AVATAR = "avatar", _("Avatar")
        STORING = "storing", _("Storing")

    TERMINAL = (Status.COMPLETED, Status.FAILED, Status.CANCELED)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    script = models.TextField(_("script"))
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    style = models.CharField(_("style"), max_length=16, choices=VideoStyle.choices, default=VideoStyle.PROFESSIONAL)
    voice_id = models.CharField(_("voice"), max_length=64, blank=True)
    avatar_id = models.CharField(_("avatar"), max_length=64, blank=True)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, blank=True, default=Stage.NONE)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    provider = models.CharField(_("provider"), max_length=32, blank=True)
    voice_provider = models.CharField(max_length=32, blank=True)
    voice_model = models.CharField(max_length=64, blank=True)
    talk_id = models.CharField(_("D-ID talk"), max_length=128, blank=True)
    webhook_token = models.CharField(max_length=64, unique=True, default=new_webhook_token, editable=False)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error_message = models.TextField(_("error"), blank=True)

    voice_asset = models.ForeignKey(
        "medialib.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    video_asset = models.ForeignKey(
        "medialib.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    thumbnail_asset = models.ForeignKey(
        "medialib.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)

    credits_charged = models.PositiveIntegerField(_("credits charged"), default=0)
    charge_id = models.UUIDField(null=True, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=255, blank=True, editable=False)

    attempts = models.PositiveSmallIntegerField(default=0)
    polls = models.PositiveSmallIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "video_jobs"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="video_job_key_per_workspace",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="video_job_progress_0_100"),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="video_job_ws_created"),
            models.Index(fields=["status", "next_poll_at"], name="video_job_status_poll"),
        ]
        verbose_name = _("video")
        verbose_name_plural = _("videos")

    def __str__(self) -> str:
        return self.title or self.script[:60]

    @property
    def is_terminal(self) -> bool:
        return self.status in self.TERMINAL

    @property
    def is_rtl(self) -> bool:
        return self.language in ("ar", "he")

    @property
    def error_text(self) -> str:
        """The error in the reader's language (the stored text is in whatever language the worker ran)."""
        from content.video.providers.base import ERROR_MESSAGES

        if self.error_code in ERROR_MESSAGES and self.error_message == str(ERROR_MESSAGES[self.error_code]):
            return str(ERROR_MESSAGES[self.error_code])
        return self.error_message or str(ERROR_MESSAGES.get(self.error_code, ""))


class VideoPrompt(WorkspaceOwned):
    """A shot-by-shot prompt for text-to-video models (module `content`, 5 credits).

    `shots` is a list of {duration_seconds, visual, camera, on_screen_text, narration}."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idea = models.TextField(_("idea"), max_length=1000)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    style = models.CharField(_("style"), max_length=16, choices=VideoStyle.choices)
    title = models.CharField(_("title"), max_length=200)
    shots = models.JSONField(_("shots"), default=list)
    prompt = models.TextField(_("prompt"))
    provider = models.CharField(_("provider"), max_length=32)
    model = models.CharField(_("model"), max_length=100, blank=True)
    prompt_version = models.CharField(max_length=16, blank=True)
    credits_charged = models.PositiveIntegerField(_("credits charged"), default=0)
    charge_id = models.UUIDField(null=True, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="video_prompt_key_per_workspace",
            ),
        ]
        verbose_name = _("video prompt")
        verbose_name_plural = _("video prompts")

    def __str__(self) -> str:
        return self.title
