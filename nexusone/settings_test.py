"""Test settings: the real settings plus what makes a suite fast and isolated."""

import os

os.environ.setdefault("NEXUSONE_TESTING", "1")
os.environ.setdefault("DEBUG", "1")  # the development shape (the settings default is off)

from nexusone.settings import *  # noqa: F403
from nexusone.settings import PASSWORD_HASHERS, REDIS_URL

# Hashing cost is measured in bench/ and asserted in a dedicated test; the
# rest of the suite uses a fast hasher (the production hasher stays listed).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"

# Each xdist worker gets its own Redis database, so clearing the cache (rate
# limit counters) between tests never touches another worker's keys.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
if REDIS_URL:
    _base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL.rstrip("/")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{_base}/{2 + int(_worker)}",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"t{_worker}"}}

# Redis pub/sub ignores the database number: each worker (and run) gets its own live channels.
LIVE_CHANNEL_PREFIX = f"nexusone-test:{_worker}:{os.getpid()}"
# Streams opened by the route walk end at once; stream tests raise it.
LIVE_STREAM_MAX_SECONDS = 0.05
LIVE_STREAM_HEARTBEAT_SECONDS = 0.05
SLACK_WEBHOOK_URL_PREFIX = "http://127.0.0.1:"
