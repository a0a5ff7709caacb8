"""Media library writes: uploads, deletion and the cleanup sweep.

Voiceovers, images and video prompts (charged AI outputs) are in
`medialib.generation`; storing and linking files is `nexusone.storage`."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from medialib.models import MediaAsset
from medialib.uploads import FileTooLarge, UnsupportedFileType, reencode_image, sniff
from nexusone import storage
from nexusone.audit import audit_record

logger = logging.getLogger(__name__)

PURPOSE_FILE = "file"
PURPOSE_PORTRAIT = "portrait"
PURPOSES = (PURPOSE_FILE, PURPOSE_PORTRAIT)
PURPOSE_LOGO = "logo"  # the workspace logo (workspace_logo_upload), not offered to the library's form
ALLOWED_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "audio/mpeg",
    "audio/wav",
    "audio/ogg",
    "audio/mp4",
    "application/pdf",
}


def _clean_name(name: str, extension: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())[:200] or _("file")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem}.{extension}"


def media_upload(*, workspace, user, upload, purpose: str = PURPOSE_FILE) -> MediaAsset:
    """Store an uploaded file in the workspace's library.

    The type comes from the bytes (415 `unsupported_media_type` when it is
    not an image, video, audio file or PDF), the size is capped by
    `MEDIA_UPLOAD_MAX_BYTES` (413), images are re-encoded without their
    metadata. `purpose="portrait"` (an image only) stores a presenter portrait
    for avatar videos in the public `avatars` bucket; other files go to the
    private `user-uploads` bucket."""
    limit = settings.MEDIA_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise FileTooLarge(
            _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)},
            details={"limit": limit, "size": upload.size},
        )
    head = upload.read(32)
    upload.seek(0)
    sniffed = sniff(head)
    if sniffed is None or sniffed.content_type not in ALLOWED_TYPES:
        raise UnsupportedFileType(
            _("This type of file is not accepted. Upload an image, a video, an audio file or a PDF."),
            details={"allowed": sorted(ALLOWED_TYPES)},
        )
    if purpose in (PURPOSE_PORTRAIT, PURPOSE_LOGO) and not sniffed.is_image:
        raise UnsupportedFileType(_("A portrait must be an image (PNG, JPEG or WebP)."))

    extra: dict = {}
    if sniffed.is_image:
        image = reencode_image(upload.read(), sniffed)
        content: bytes | object = image.data
        extension, content_type = image.extension, image.content_type
        extra = {"width": image.width, "height": image.height}
    else:
        content, extension, content_type = upload, sniffed.extension, sniffed.content_type

    portrait = purpose in (PURPOSE_PORTRAIT, PURPOSE_LOGO)
    asset = storage.store(
        workspace=workspace,
        bucket=storage.Bucket.AVATARS if portrait else storage.Bucket.USER_UPLOADS,
        content=content,
        extension=extension,
        content_type=content_type,
        name=_clean_name(getattr(upload, "name", ""), extension),
        source=purpose if portrait else "upload",
        user=user,
        **extra,
    )
    audit_record(
        action="media.file.uploaded",
        user=user,
        workspace=workspace,
        target=asset,
        metadata={"bucket": asset.bucket, "size": asset.size, "type": asset.content_type},
    )
    return asset


def workspace_logo_upload(*, workspace, user, actor_role: str, upload, request=None):
    """Store an image as the workspace's logo (public `avatars` bucket, metadata stripped)
    and point the workspace at it; the previous logo stays in the library."""
    from accounts.services import workspace_set_logo
    from nexusone.permissions import require

    require("accounts.workspace.change", role=actor_role)
    asset = media_upload(workspace=workspace, user=user, upload=upload, purpose=PURPOSE_LOGO)
    return workspace_set_logo(workspace=workspace, logo=asset, actor=user, actor_role=actor_role, request=request)


def media_delete(*, asset: MediaAsset, user=None) -> None:
    audit_record(
        action="media.file.deleted",
        user=user,
        workspace=asset.workspace,
        target=asset,
        metadata={"bucket": asset.bucket, "name": asset.name},
    )
    storage.delete(asset)


def media_cleanup(*, now=None, limit: int = 1000) -> dict[str, int]:
    """Delete expired rows (with their objects) and objects that never got a
    row (older than `MEDIA_ORPHAN_GRACE_HOURS`). Returns the counts."""
    now = now or timezone.now()
    expired = 0
    for asset in MediaAsset.unscoped.filter(expires_at__lte=now).order_by("expires_at")[:limit]:
        storage.delete(asset, defer=False)
        expired += 1

    grace = now - timedelta(hours=settings.MEDIA_ORPHAN_GRACE_HOURS)
    orphans = 0
    for bucket in storage.Bucket:
        batch: dict[str, object] = {}
        for key, modified in storage.iter_objects(bucket):
            if modified is not None and timezone.is_naive(modified):
                modified = timezone.make_aware(modified, timezone.get_default_timezone())
            if modified is None or modified > grace:
                continue
            batch[key] = modified
            if len(batch) >= 500:
                orphans += _delete_orphans(bucket, batch)
                batch = {}
        orphans += _delete_orphans(bucket, batch)
    if expired or orphans:
        logger.info("media cleanup: %d expired, %d orphaned objects deleted", expired, orphans)
    return {"expired": expired, "orphans": orphans}


def _delete_orphans(bucket: str, batch: dict) -> int:
    if not batch:
        return 0
    known = set(MediaAsset.unscoped.filter(bucket=bucket, key__in=list(batch)).values_list("key", flat=True))
    deleted = 0
    for key in batch:
        if key not in known:
            storage.delete_object(bucket, key)
            deleted += 1
    return deleted
