"""Core settings: environment, hosts, apps, middleware, templates, database, cache and jobs,
languages, security headers, logging. The other modules of this package read `env`, `DEBUG`,
`BASE_DIR` and `SITE_URL` from here."""

from __future__ import annotations

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]  # nexusone/settings/base.py → the project

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless asked for: `make run` and the test settings turn it on.
DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("NEXUSONE_TESTING", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    # Production: no defaults for secrets. A missing one is reported, with every
    # other missing requirement, by the `nexusone.checks` system check, which
    # `check --deploy` and the web entry points run before the first request.
    SECRET_KEY = env("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
# django-cors-headers serves the API only; public routes with their own per-object
# origin lists (the agents' chat widget, /a/…) answer their preflights themselves.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = (
    "accept",
    "accept-language",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-csrftoken",
    "x-workspace",
)
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "modeltranslation",
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "djstripe",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.tiktok",
    "allauth.mfa",
    "allauth.headless",
    "nexusone",
    "accounts",
    "billing",
    "content",
    "medialib",
    "campaigns",
    "whatsapp",
    "crm",
    "commerce",
    "agents",
    "analytics",
    "integrations",
    "emails",
    "sms",
    "journeys",
    "notifications",
    "privacy",
    "webhooks",
    "django.forms",  # the widget templates, for FORM_RENDERER below
]
# The web process (`nexusone.wsgi` / `nexusone.asgi` set NEXUSONE_PROCESS=web before Django starts)
# leaves out what no request needs (issue 19: a web worker's boot; docs/architecture.md and
# docs/PERFORMANCE.md "Cold start"); migrations, the worker, beat, management commands and the
# tests run with every app, so the tables stay and are kept up to date:
# - django-celery-beat: its models import Celery (`celery.schedules`, kombu, timezone_field); beat
#   reads CELERY_BEAT_SCHEDULE below. The admin's "Periodic tasks" pages are not served.
# - dj-stripe: its models import the Stripe SDK and define ~80 models (a third of the boot). Our
#   models hold Stripe ids, not foreign keys to it; what the web shows from its tables (the staff
#   revenue page, a billing account's Stripe panel) reads them with SQL (`billing.stripe_mirror`).
#   dj-stripe's own admin pages are not served; `billing_sync_stripe` runs as a command.
# And its admin does not discover the `admin.py` modules at boot (SimpleAdminConfig): the admin's
# URLs are a lazily imported URLconf (`nexusone/admin_urls.py`) that discovers them on the first
# request under ADMIN_URL — a worker that serves no staff never imports them (nor unfold's admin).
WEB_PROCESS = env("NEXUSONE_PROCESS", default="") == "web"
WEB_LEAVES_OUT = ("django_celery_beat", "djstripe")
if WEB_PROCESS:
    INSTALLED_APPS = [
        "django.contrib.admin.apps.SimpleAdminConfig" if app == "django.contrib.admin" else app
        for app in INSTALLED_APPS
        if app not in WEB_LEAVES_OUT
    ]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "nexusone.middleware.StaticFilesMiddleware",  # WhiteNoise, indexing on the first static request
    "nexusone.middleware.RequestBodyLimitMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "nexusone.middleware.UserPreferencesMiddleware",
]

ROOT_URLCONF = "nexusone.urls"
WSGI_APPLICATION = "nexusone.wsgi.application"
ASGI_APPLICATION = "nexusone.asgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "nexusone.context_processors.platform",
                "notifications.context_processors.bell",
                "integrations.context_processors.attention",
                "accounts.context_processors.verification",
            ],
        },
    },
]
# Form templates come from the project's engine, so templates/django/forms/
# puts each field's errors directly under its input (issue 17).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and jobs -------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Cache on its own Redis database so cache eviction never touches broker keys.
    CACHES = {"default": env.cache_url("CACHE_URL", default=REDIS_URL.rstrip("/0123456789") + "/1")}
    if CACHES["default"]["BACKEND"].endswith("RedisCache") is False:
        CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "nexusone"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs (the database scheduler installs these entries on start).
CELERY_BEAT_SCHEDULE = {
    "webhooks-dispatch-due": {"task": "webhooks.tasks.webhooks_dispatch_due", "schedule": 30},
    "privacy-retention": {"task": "privacy.tasks.privacy_retention_run", "schedule": 60 * 60},
    "privacy-purge-deleted-workspaces": {"task": "privacy.tasks.workspace_purge_due", "schedule": 60 * 60},
    "billing-renew-and-downgrade": {"task": "billing.tasks.billing_periods_tick", "schedule": 15 * 60},
    "billing-release-stale-charges": {"task": "billing.tasks.charges_release_stale", "schedule": 5 * 60},
    "billing-retry-stripe-events": {"task": "billing.tasks.stripe_events_retry", "schedule": 5 * 60},
    "platform-purge-idempotency-records": {"task": "nexusone.idempotency.idempotency_purge", "schedule": 3600},
    "whatsapp-tick": {"task": "whatsapp.tasks.whatsapp_tick", "schedule": 60},
    "crm-nightly-rescore-and-sweep": {"task": "crm.tasks.crm_nightly", "schedule": 24 * 3600},
    "analytics-rollups-tick": {"task": "analytics.tasks.analytics_rollups_tick", "schedule": 60},
    "analytics-rollups-settle": {"task": "analytics.tasks.analytics_rollups_settle", "schedule": 24 * 3600},
    "media-cleanup": {"task": "medialib.tasks.media_cleanup", "schedule": 3600},
    "video-tick": {"task": "content.video.tasks.video_tick", "schedule": env.int("VIDEO_TICK_SECONDS", default=10)},
    "emails-tick": {"task": "emails.tasks.emails_tick", "schedule": 60},
    "sms-tick": {"task": "sms.tasks.sms_tick", "schedule": 60},
    "integrations-refresh-tokens": {"task": "integrations.tasks.integrations_refresh_tokens", "schedule": 5 * 60},
    "integrations-check-connections": {"task": "integrations.tasks.integrations_check_connections", "schedule": 3600},
    "journeys-tick": {"task": "journeys.tasks.journeys_tick", "schedule": 60},
    "commerce-tick": {"task": "commerce.tasks.commerce_tick", "schedule": 15 * 60},
    "campaigns-sync-recent": {"task": "campaigns.tasks.campaigns_sync_recent", "schedule": 3600},
    "campaigns-sync-nightly": {"task": "campaigns.tasks.campaigns_sync_nightly", "schedule": 24 * 3600},
    "campaigns-posts-due": {"task": "campaigns.tasks.social_posts_due", "schedule": 60},
    "campaigns-weekly-refresh": {"task": "campaigns.tasks.campaigns_weekly_refresh", "schedule": 24 * 3600},
}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("ar", _("Arabic")),
    ("he", _("Hebrew")),
]
LANGUAGE_CODES = [code for code, _name in LANGUAGES]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(LANGUAGE_CODES)

# --- Security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
ADMIN_URL = env("ADMIN_URL", default="admin/")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging --------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "nexusone.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain" if DEBUG else "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # HTTP client libraries log whole URLs at INFO, query strings (tokens) included:
        # the outbound door logs each exchange itself, without secrets.
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "httpcore2": {"level": "WARNING"},
    },
}

UNFOLD = {
    "SITE_TITLE": "NexusOne operations",
    "SITE_HEADER": "NexusOne",
    "SHOW_LANGUAGES": True,
}
