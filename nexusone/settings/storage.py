"""Static files, media and the storage buckets (local folders or S3 prefixes), request body caps."""

from __future__ import annotations

from .base import BASE_DIR, DEBUG, env

# --- Static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The storage buckets (nexusone/storage.py): public ones are read without a signature,
# private ones only through signed expiring URLs. Locally each is a folder of MEDIA_ROOT;
# with AWS_STORAGE_BUCKET_NAME each is a prefix of that S3 bucket.
STORAGE_PUBLIC_BUCKETS = ("avatars", "landing-pages", "generated-content", "video-assets")
STORAGE_PRIVATE_BUCKETS = ("user-uploads", "ai-generated")
# Lifetime of a signed URL handed to a member's browser, and to a provider that fetches a file.
STORAGE_SIGNED_URL_SECONDS = env.int("STORAGE_SIGNED_URL_SECONDS", default=15 * 60)
STORAGE_PROVIDER_URL_SECONDS = env.int("STORAGE_PROVIDER_URL_SECONDS", default=2 * 3600)
# Largest upload through /api/v1/media/uploads (bigger → 413), and the hours a stored object
# without its library row (a crash between the two writes) is kept before the sweeper deletes it.
MEDIA_UPLOAD_MAX_BYTES = env.int("MEDIA_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
MEDIA_ORPHAN_GRACE_HOURS = env.int("MEDIA_ORPHAN_GRACE_HOURS", default=24)
_S3_OPTIONS = {
    "bucket_name": AWS_STORAGE_BUCKET_NAME,
    "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
    "region_name": env("AWS_S3_REGION_NAME", default=None),
    "access_key": env("AWS_ACCESS_KEY_ID", default=None),
    "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
    "signature_version": "s3v4",
    "file_overwrite": False,
    "default_acl": None,
    "querystring_auth": True,
    "querystring_expire": 3600,
}
# Public buckets may be served from a CDN domain in front of the S3 bucket.
AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": dict(_S3_OPTIONS)}
for _bucket in STORAGE_PUBLIC_BUCKETS + STORAGE_PRIVATE_BUCKETS:
    _public = _bucket in STORAGE_PUBLIC_BUCKETS
    if AWS_STORAGE_BUCKET_NAME:
        STORAGES[_bucket] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_S3_OPTIONS,
                "location": _bucket,
                "querystring_auth": not _public,
                "querystring_expire": STORAGE_SIGNED_URL_SECONDS,
                "custom_domain": (AWS_S3_CUSTOM_DOMAIN or None) if _public else None,
            },
        }
    else:
        STORAGES[_bucket] = {"BACKEND": "nexusone.storage.BucketFileSystemStorage", "OPTIONS": {"bucket": _bucket}}

# Request bodies: JSON/forms are capped here; uploads have their own limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=25 * 1024 * 1024)
