"""Storage buckets — the one place files are stored, linked, read and deleted.

Buckets (settings `STORAGE_PUBLIC_BUCKETS` / `STORAGE_PRIVATE_BUCKETS`):

| bucket              | access      | holds                                                      |
|---------------------|-------------|------------------------------------------------------------|
| `avatars`           | public-read | presenter portraits, workspace logos                       |
| `landing-pages`     | public-read | landing-page images                                        |
| `generated-content` | public-read | generated images meant to be published (ads, pages)        |
| `video-assets`      | public-read | finished videos and their thumbnails                       |
| `user-uploads`      | private     | what members upload to the media library                   |
| `ai-generated`      | private     | intermediate AI output (voice tracks handed to D-ID …)     |

Contract:
- **Store through `store()`**, which writes the object *and* its library row
  (`medialib.models.MediaAsset`). An object without a row is an orphan: the
  `media_cleanup` beat task deletes it after `MEDIA_ORPHAN_GRACE_HOURS`, and
  deletes rows (with their object) whose `expires_at` has passed.
- **Keys are made here, never by a client**: `<workspace id>/<uuid hex>.<ext>`
  inside the bucket (the object's path is `<bucket>/<key>`). Nothing is ever
  overwritten (`file_overwrite=False`, and the UUID is fresh).
- **Links**: `url(asset, user=…)` returns the public URL for a public bucket;
  for a private bucket it first checks that `user` is a member of the asset's
  workspace (else `NotFound`, like a missing row) and returns a signed URL
  that expires after `STORAGE_SIGNED_URL_SECONDS`. `provider_url(asset)` is
  the absolute URL handed to a provider that must fetch the file (D-ID
  fetching a voice track): signed for `STORAGE_PROVIDER_URL_SECONDS`.
  Never build a file URL any other way.
- **Backends**: local folders under `MEDIA_ROOT/<bucket>/` by default —
  public files served at `/media/<bucket>/<key>`, private ones at
  `/files/<bucket>/<key>?expires=…&signature=…` (HMAC of SECRET_KEY) by
  `medialib.serving`. With `AWS_STORAGE_BUCKET_NAME` every bucket is a prefix of
  that S3 bucket (any S3-compatible endpoint): private objects get S3
  presigned URLs, public ones plain URLs that the bucket policy set by
  `manage.py storage_init` makes readable (no object ACLs).
- `delete(asset)` removes the row now and the object after the surrounding
  transaction commits.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.utils.translation import gettext as _

from nexusone.errors import NotFound

if TYPE_CHECKING:
    from medialib.models import MediaAsset


class Bucket(StrEnum):
    AVATARS = "avatars"
    LANDING_PAGES = "landing-pages"
    GENERATED_CONTENT = "generated-content"
    VIDEO_ASSETS = "video-assets"
    USER_UPLOADS = "user-uploads"
    AI_GENERATED = "ai-generated"


def is_public(bucket: str) -> bool:
    return bucket in settings.STORAGE_PUBLIC_BUCKETS


def bucket_storage(bucket: str) -> Storage:
    """The django-storages backend of one bucket (`STORAGES[<bucket>]`)."""
    return storages[Bucket(bucket).value]


class BucketFileSystemStorage(FileSystemStorage):
    """A bucket as a folder of MEDIA_ROOT (the embedded default). Follows
    MEDIA_ROOT changes (tests point it at a temporary folder)."""

    def __init__(self, bucket: str, **kwargs):
        self.bucket = bucket
        super().__init__(**kwargs)

    @property
    def base_location(self) -> str:
        return os.path.join(settings.MEDIA_ROOT, self.bucket)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> str:
        return f"{settings.MEDIA_URL}{self.bucket}/"

    def get_available_name(self, name, max_length=None):
        # Keys are fresh UUIDs; never silently rename (or overwrite) an existing object.
        if self.exists(name):
            raise FileExistsError(name)
        return name


def is_local(storage: Storage) -> bool:
    return isinstance(storage, FileSystemStorage)


# --- keys ----------------------------------------------------------------------------


def new_key(*, workspace_id: int, extension: str) -> str:
    extension = extension.lower().lstrip(".")
    if not extension.isalnum() or len(extension) > 8:
        raise ValueError(f"Bad extension {extension!r}")
    return f"{workspace_id}/{uuid.uuid4().hex}.{extension}"


def key_workspace_id(key: str) -> int | None:
    head = key.split("/", 1)[0]
    return int(head) if head.isdigit() else None


def kind_of(content_type: str) -> str:
    major = content_type.split("/", 1)[0]
    if major in ("image", "video", "audio"):
        return major
    if content_type in ("application/pdf",):
        return "document"
    return "other"


# --- store / open / delete ---------------------------------------------------------------


def store(
    *,
    workspace,
    bucket: str,
    content: bytes | IO[bytes] | File,
    extension: str,
    content_type: str = "",
    name: str = "",
    source: str = "",
    user=None,
    expires_at: datetime | None = None,
    width: int | None = None,
    height: int | None = None,
    duration_seconds: float | None = None,
    metadata: dict | None = None,
) -> MediaAsset:
    """Write `content` to a fresh key of `bucket` and record its library row.

    The object is written first; if the row cannot be written the object is
    removed again (and if even that fails, the orphan sweep removes it)."""
    from medialib.models import MediaAsset

    bucket = Bucket(bucket)
    key = new_key(workspace_id=workspace.pk, extension=extension)
    if isinstance(content, bytes | bytearray):
        payload: File = ContentFile(bytes(content))
    elif isinstance(content, File):
        payload = content
    else:
        payload = File(content)
    storage = bucket_storage(bucket)
    saved = storage.save(key, payload)
    if saved != key:  # pragma: no cover - a backend that renamed instead of refusing
        storage.delete(saved)
        raise FileExistsError(key)
    size = payload.size if payload.size is not None else storage.size(key)
    content_type = content_type or mimetypes.guess_type(f"x.{extension}")[0] or "application/octet-stream"
    try:
        return MediaAsset.unscoped.create(
            workspace=workspace,
            bucket=bucket.value,
            key=key,
            name=(name or os.path.basename(key))[:255],
            content_type=content_type[:100],
            kind=kind_of(content_type),
            size=size,
            source=source[:32],
            created_by=user if getattr(user, "is_authenticated", False) else None,
            expires_at=expires_at,
            width=width,
            height=height,
            duration_seconds=duration_seconds,
            metadata=metadata or {},
        )
    except Exception:
        storage.delete(key)
        raise


def open_file(asset: MediaAsset, mode: str = "rb") -> File:
    return bucket_storage(asset.bucket).open(asset.key, mode)


def read_bytes(asset: MediaAsset) -> bytes:
    with open_file(asset) as handle:
        return handle.read()


def iter_chunks(asset: MediaAsset, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
    with open_file(asset) as handle:
        yield from handle.chunks(chunk_size)


def local_path(asset: MediaAsset) -> str | None:
    """The file's path on this machine, when the bucket is a local folder."""
    storage = bucket_storage(asset.bucket)
    return storage.path(asset.key) if is_local(storage) else None


def delete(asset: MediaAsset, *, defer: bool = True) -> None:
    """Delete the row now and the object once the surrounding transaction
    commits (`defer=False`: at once, for sweeps that run outside one)."""
    bucket, key = asset.bucket, asset.key
    asset.delete()
    if defer:
        transaction.on_commit(lambda: delete_object(bucket, key))
    else:
        delete_object(bucket, key)


def delete_object(bucket: str, key: str) -> None:
    bucket_storage(bucket).delete(key)


def open_path(path: str) -> File:
    """Open an object by its path `<bucket>/<key>` (as kept in older columns)."""
    bucket, _sep, key = path.partition("/")
    return bucket_storage(bucket).open(key, "rb")


def asset_for_path(path: str):
    """The row of an object path `<bucket>/<key>` (as kept by older columns), or None."""
    from medialib.models import MediaAsset

    bucket, _sep, key = path.partition("/")
    return MediaAsset.unscoped.filter(bucket=bucket, key=key).first()


# --- links ---------------------------------------------------------------------------------


def _signature(bucket: str, key: str, expires: int) -> str:
    secret = hashlib.sha256(f"nexusone.storage:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(secret, f"{bucket}/{key}:{expires}".encode(), hashlib.sha256).hexdigest()


def signature_valid(*, bucket: str, key: str, expires: str | int, signature: str, now: float | None = None) -> bool:
    try:
        expires = int(expires)
    except (TypeError, ValueError):
        return False
    if expires < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(_signature(bucket, key, expires), signature or "")


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime | None  # None: a public, non-expiring URL


def _link(bucket: str, key: str, *, seconds: int, absolute: bool) -> Link:
    storage = bucket_storage(bucket)
    site = settings.SITE_URL if absolute else ""
    if is_public(bucket):
        url = storage.url(key)
        return Link(url=url if url.startswith("http") else f"{site}{url}", expires_at=None)
    expires = int(time.time()) + seconds
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    if is_local(storage):
        query = urlencode({"expires": expires, "signature": _signature(bucket, key, expires)})
        return Link(url=f"{site}/files/{bucket}/{key}?{query}", expires_at=expires_at)
    return Link(url=storage.url(key, expire=seconds), expires_at=expires_at)


def _require_member(asset: MediaAsset, user) -> None:
    from accounts.models import Membership

    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("Not found."))
    if not Membership.objects.filter(user=user, workspace_id=asset.workspace_id).exists():
        raise NotFound(_("Not found."))


def link(asset: MediaAsset, *, user, absolute: bool = False, seconds: int | None = None) -> Link:
    """The URL a member's browser uses: public, or signed after a membership
    check (`seconds`: a validity other than STORAGE_SIGNED_URL_SECONDS)."""
    if not is_public(asset.bucket):
        _require_member(asset, user)
    seconds = seconds if seconds is not None else settings.STORAGE_SIGNED_URL_SECONDS
    return _link(asset.bucket, asset.key, seconds=seconds, absolute=absolute)


def url(asset: MediaAsset, *, user, absolute: bool = False) -> str:
    return link(asset, user=user, absolute=absolute).url


def public_url(asset: MediaAsset, *, absolute: bool = False) -> str:
    """A public bucket's URL (no user needed: anyone may read it)."""
    if not is_public(asset.bucket):
        raise ValueError(f"{asset.bucket} is private: use url(asset, user=…) or provider_url(asset)")
    return _link(asset.bucket, asset.key, seconds=0, absolute=absolute).url


def provider_url(asset: MediaAsset) -> str:
    """An absolute URL a provider can fetch (signed when the bucket is private)."""
    return _link(asset.bucket, asset.key, seconds=settings.STORAGE_PROVIDER_URL_SECONDS, absolute=True).url


# --- listing (for the orphan sweep) ---------------------------------------------------------


def iter_objects(bucket: str) -> Iterator[tuple[str, datetime | None]]:
    """Every `(key, modified time)` under `<workspace id>/` folders of a bucket."""
    storage = bucket_storage(bucket)
    try:
        folders, _files = storage.listdir("")
    except FileNotFoundError:
        return
    for folder in folders:
        if not folder.isdigit():
            continue
        _sub, files = storage.listdir(folder)
        for name in files:
            key = f"{folder}/{name}"
            try:
                modified = storage.get_modified_time(key)
            except (FileNotFoundError, NotImplementedError):
                modified = None
            yield key, modified
