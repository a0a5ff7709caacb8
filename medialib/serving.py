"""Serving local bucket files (the embedded default; with S3 the browser goes
to S3 directly and these routes answer 404).

- `/media/<bucket>/<key>` — public buckets only; anyone may read.
- `/files/<bucket>/<key>?expires=…&signature=…` — private buckets; only with a
  valid, unexpired signature made by `nexusone.storage` for a member or a
  provider. A missing, wrong or expired signature is a 403; a public bucket
  or a missing file is a 404.
"""

from __future__ import annotations

import mimetypes
import re

from django.http import FileResponse, Http404, HttpResponseForbidden
from django.views.decorators.http import require_GET

from nexusone import storage

_KEY_CHARS = set("0123456789abcdefghijklmnopqrstuvwxyz./")


_PLATFORM_KEY = re.compile(r"platform/presenters/[a-z0-9-]{1,40}\.png")


def _valid_key(key: str) -> bool:
    # Keys are "<digits>/<hex>.<ext>" (or a platform presenter) — refuse anything else before touching the disk.
    if _PLATFORM_KEY.fullmatch(key):
        return True
    return (
        set(key) <= _KEY_CHARS and ".." not in key and key.count("/") == 1 and storage.key_workspace_id(key) is not None
    )


def _file_response(bucket: str, key: str, *, cache: str) -> FileResponse:
    backend = storage.bucket_storage(bucket)
    if not storage.is_local(backend) or not backend.exists(key):
        raise Http404
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    response = FileResponse(backend.open(key, "rb"), content_type=content_type)
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    # A file is never a page: no scripts run from it even if it were HTML.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response


@require_GET
def public_file(request, bucket: str, key: str):
    if bucket not in storage.Bucket._value2member_map_ or not storage.is_public(bucket) or not _valid_key(key):
        raise Http404
    return _file_response(bucket, key, cache="public, max-age=86400")


@require_GET
def signed_file(request, bucket: str, key: str):
    if bucket not in storage.Bucket._value2member_map_ or storage.is_public(bucket) or not _valid_key(key):
        raise Http404
    valid = storage.signature_valid(
        bucket=bucket, key=key, expires=request.GET.get("expires"), signature=request.GET.get("signature", "")
    )
    if not valid:
        return HttpResponseForbidden("This link is invalid or has expired.", content_type="text/plain")
    return _file_response(bucket, key, cache="private, max-age=300")
