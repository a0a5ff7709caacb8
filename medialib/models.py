"""The media library: one row per stored object (see nexusone/storage.py).

Invariants:
- `(bucket, key)` is unique; the key starts with the row's workspace id, so an
  object's path alone tells whose it is.
- Rows are written only by `nexusone.storage.store()`; an object without a
  row is an orphan and is swept.
- `expires_at` set → the row and its object are deleted once it passes
  (intermediate files such as the voice track a video was made from).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned


class MediaAsset(WorkspaceOwned):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        DOCUMENT = "document", _("Document")
        OTHER = "other", _("Other")

    class Bucket(models.TextChoices):
        AVATARS = "avatars", _("Avatars")
        LANDING_PAGES = "landing-pages", _("Landing pages")
        GENERATED_CONTENT = "generated-content", _("Generated content")
        VIDEO_ASSETS = "video-assets", _("Video assets")
        USER_UPLOADS = "user-uploads", _("Uploads")
        AI_GENERATED = "ai-generated", _("AI generated")

    bucket = models.CharField(_("bucket"), max_length=32, choices=Bucket.choices)
    key = models.CharField(max_length=255, editable=False)
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    # What made it: upload, portrait, voiceover, image, video, thumbnail, voice_track, landing_page …
    source = models.CharField(_("source"), max_length=32, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["bucket", "key"], name="medialib_asset_object_once")]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="medialib_asset_ws_created")]
        verbose_name = _("media file")
        verbose_name_plural = _("media files")

    def __str__(self) -> str:
        return f"{self.bucket}/{self.key}"

    @property
    def path(self) -> str:
        return f"{self.bucket}/{self.key}"

    @property
    def is_public(self) -> bool:
        return self.bucket in settings.STORAGE_PUBLIC_BUCKETS
