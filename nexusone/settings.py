"""NexusOne settings — every knob comes from the environment (django-environ).

The embedded default (no variables set) is a development shape: SQLite file,
in-process jobs, local-memory cache, console e-mail, local file storage.
Production sets DEBUG=0 plus real values; then secrets have no defaults and
`manage.py check --deploy` is clean. Every variable is listed in .env.example
and the README.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
            ],
        },
    },
]

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
}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id at OWASP's minimum (m=19 MiB, t=2, p=1): see accounts/hashers.py.
PASSWORD_HASHERS = [
    "accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"  # mail is sent at sign-up; sign-in works before it is confirmed
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up must answer "e-mail taken" (400) rather than pretend; see docs/architecture.md.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[NexusOne] "
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "NexusOne"

HEADLESS_ONLY = False
HEADLESS_TOKEN_STRATEGY = "allauth.headless.tokens.strategies.jwt.JWTTokenStrategy"
# RS256 with JWT_PRIVATE_KEY (PEM) when set, else HS256 keyed by SECRET_KEY.
HEADLESS_JWT_PRIVATE_KEY = env.str("JWT_PRIVATE_KEY", multiline=True, default="")
HEADLESS_JWT_ALGORITHM = "RS256" if HEADLESS_JWT_PRIVATE_KEY else "HS256"
# Each access token is checked against its server-side session, so logout,
# password change and deactivation revoke it at once, not at expiry.
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = True
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = env.int("JWT_ACCESS_TOKEN_SECONDS", default=300)
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = env.int("JWT_REFRESH_TOKEN_SECONDS", default=14 * 24 * 3600)
HEADLESS_JWT_ROTATE_REFRESH_TOKEN = True
HEADLESS_SERVE_SPECIFICATION = False
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{SITE_URL}/accounts/confirm-email/{{key}}/",
    "account_reset_password_from_key": f"{SITE_URL}/accounts/password/reset/key/{{key}}/",
    "account_signup": f"{SITE_URL}/accounts/signup/",
}


def _social_app(client_id_var: str, secret_var: str) -> list[dict]:
    """A provider appears (and shows a button) only when its keys are set."""
    client_id = env(client_id_var, default="")
    secret = env(secret_var, default="")
    return [{"client_id": client_id, "secret": secret, "key": ""}] if client_id and secret else []


SOCIALACCOUNT_PROVIDERS = {
    "google": {"APPS": _social_app("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"), "SCOPE": ["profile", "email"]},
    "facebook": {"APPS": _social_app("FACEBOOK_CLIENT_ID", "FACEBOOK_CLIENT_SECRET"), "METHOD": "oauth2"},
    "tiktok": {"APPS": _social_app("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET")},
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True

# --- E-mail -----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="NexusOne <no-reply@nexusone.local>")

# --- E-mail campaigns (emails/): see emails/backends.py and emails/dns.py --------
# A sending service through django-anymail (amazon_ses|ses, brevo, mailgun, postmark, sendgrid, resend,
# sparkpost, mailersend); empty: EMAIL_URL's backend (SMTP or the console). One API key, an optional API
# base URL (a local stand-in), the webhooks' basic-auth "user:password" and the provider's signing key.
ANYMAIL_PROVIDER = env("ANYMAIL_PROVIDER", default="").strip().lower()
ANYMAIL_API_KEY = env("ANYMAIL_API_KEY", default="")
ANYMAIL_API_URL = env("ANYMAIL_API_URL", default="")
ANYMAIL_WEBHOOK_SECRET = env("ANYMAIL_WEBHOOK_SECRET", default="")
ANYMAIL_WEBHOOK_SIGNING_KEY = env("ANYMAIL_WEBHOOK_SIGNING_KEY", default="")
_ANYMAIL_NAMES = {  # provider → (API key setting, API URL setting, webhook signing key setting)
    "brevo": ("BREVO_API_KEY", "BREVO_API_URL", ""),
    "mailgun": ("MAILGUN_API_KEY", "MAILGUN_API_URL", "MAILGUN_WEBHOOK_SIGNING_KEY"),
    "postmark": ("POSTMARK_SERVER_TOKEN", "POSTMARK_API_URL", ""),
    "sendgrid": ("SENDGRID_API_KEY", "SENDGRID_API_URL", ""),
    "resend": ("RESEND_API_KEY", "RESEND_API_URL", "RESEND_SIGNING_SECRET"),
    "sparkpost": ("SPARKPOST_API_KEY", "SPARKPOST_API_URL", ""),
    "mailersend": ("MAILERSEND_API_TOKEN", "MAILERSEND_API_URL", "MAILERSEND_SIGNING_SECRET"),
}
ANYMAIL: dict = {}
if ANYMAIL_WEBHOOK_SECRET:
    ANYMAIL["WEBHOOK_SECRET"] = ANYMAIL_WEBHOOK_SECRET
for _name, _value in zip(
    _ANYMAIL_NAMES.get(ANYMAIL_PROVIDER, ("", "", "")),
    (ANYMAIL_API_KEY, ANYMAIL_API_URL, ANYMAIL_WEBHOOK_SIGNING_KEY),
    strict=True,
):
    if _name and _value:
        ANYMAIL[_name] = _value
# Plain SMTP: DKIM-sign campaign messages with this RSA key (PEM) under this selector.
DKIM_PRIVATE_KEY = env.str("DKIM_PRIVATE_KEY", multiline=True, default="")
DKIM_SELECTOR = env("DKIM_SELECTOR", default="nexusone")
# Domains that count as verified senders without a DNS lookup (comma-separated), the SPF include to
# publish (default: the provider's), and DNS servers for the checks ("host" or "host:port"; default: system).
EMAIL_VERIFIED_DOMAINS = env.list("EMAIL_VERIFIED_DOMAINS", default=[])
EMAIL_SPF_INCLUDE = env("EMAIL_SPF_INCLUDE", default="")
EMAIL_DNS_NAMESERVERS = env.list("EMAIL_DNS_NAMESERVERS", default=[])
# Sending: messages per second for all workers together, recipients per send task, attempts on temporary
# refusals, when a message stuck in "sending" (its worker died) is given up, and the largest campaign.
EMAIL_RATE_LIMIT_PER_SECOND = env.int("EMAIL_RATE_LIMIT_PER_SECOND", default=100)
EMAIL_BATCH_SIZE = env.int("EMAIL_BATCH_SIZE", default=500)
EMAIL_SEND_MAX_ATTEMPTS = env.int("EMAIL_SEND_MAX_ATTEMPTS", default=5)
EMAIL_SENDING_STALE_SECONDS = env.int("EMAIL_SENDING_STALE_SECONDS", default=600)
EMAIL_MAX_RECIPIENTS = env.int("EMAIL_MAX_RECIPIENTS", default=200_000)

# --- SMS (sms/): Twilio's Messages API; the offline sandbox without an account SID and token ---
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_BASE_URL = env("TWILIO_BASE_URL", default="https://api.twilio.com")
# Messages per second for all workers together (a long code sends 1/s; a Messaging Service queues more),
# recipients per send task, and the largest campaign.
SMS_RATE_LIMIT_PER_SECOND = env.int("SMS_RATE_LIMIT_PER_SECOND", default=10)
SMS_BATCH_SIZE = env.int("SMS_BATCH_SIZE", default=200)
SMS_MAX_RECIPIENTS = env.int("SMS_MAX_RECIPIENTS", default=100_000)

# --- Journeys (journeys/): enrollments moved per transaction by the every-minute beat ---
JOURNEYS_BATCH_SIZE = env.int("JOURNEYS_BATCH_SIZE", default=500)

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

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "nexusone.api.authentication.ApiKeyAuthentication",
        "nexusone.api.authentication.JWTAuthentication",
        "nexusone.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "nexusone.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "nexusone.api.filters.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["nexusone.api.throttles.WorkspacePlanThrottle"],
    "EXCEPTION_HANDLER": "nexusone.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Fallback per-minute limit when billing has not assigned a plan.
API_DEFAULT_REQUESTS_PER_MINUTE = env.int("API_DEFAULT_REQUESTS_PER_MINUTE", default=60)
# Reverse proxies in front of the app (addresses or CIDR networks): X-Forwarded-For is believed
# only as far as its hops are these (nexusone/clientip.py). Empty: the client is REMOTE_ADDR.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AUTH_API_RATE = env("AUTH_API_RATE", default="20/m")

SPECTACULAR_SETTINGS = {
    "TITLE": "NexusOne API",
    "DESCRIPTION": "AI marketing workspace API. Pick the workspace with the X-Workspace header (id or slug).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "nexusone.settings.LANGUAGES",
        "RoleEnum": "accounts.models.Role",
        "ContentTypeEnum": "content.models.ContentType",
        "WhatsAppBroadcastStatusEnum": "whatsapp.models.Broadcast.Status",
        "WhatsAppMessageStatusEnum": "whatsapp.models.Message.Status",
        "WhatsAppTemplateStatusEnum": "whatsapp.models.MessageTemplate.Status",
        # several components now have a "status" enum: name the invitation's explicitly
        "InvitationStatusEnum": "accounts.models.Invitation.Status",
        "VideoStatusEnum": "content.video.models.VideoProject.Status",
        "VideoStageEnum": "content.video.models.VideoProject.Stage",
        # two "stage" fields now (contacts, videos): name the contact's too
        "ContactStageEnum": "crm.models.Stage",
        "VideoStyleEnum": "content.video.models.VideoStyle",
        "MediaKindEnum": "medialib.models.MediaAsset.Kind",
        "MediaBucketEnum": "medialib.models.MediaAsset.Bucket",
        "EmailCampaignStatusEnum": "emails.models.Campaign.Status",
        "EmailMessageStatusEnum": "emails.models.EmailMessage.Status",
        "EmailSuppressionReasonEnum": "emails.models.Suppression.Reason",
        "SmsCampaignStatusEnum": "sms.models.SmsCampaign.Status",
        "SmsMessageStatusEnum": "sms.models.SmsMessage.Status",
        "JourneyStatusEnum": "journeys.models.Journey.Status",
        "JourneyEnrollmentStatusEnum": "journeys.models.Enrollment.Status",
        "ContentToneEnum": "content.models.Tone",  # agents have a "tone" too
        "AgentToneEnum": "agents.models.Tone",
        "AgentStatusEnum": "agents.models.Agent.Status",
        "AgentChannelEnum": "agents.models.Conversation.Channel",
        "AgentKnowledgeKindEnum": "agents.models.Knowledge.Kind",
        "AgentMessageRoleEnum": "agents.models.Message.Role",
    },
}

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

# --- Outbound HTTP (nexusone/outbound) ----------------------------------------
# Networks exempted from the SSRF rules for user-supplied URLs (any port): local test servers only.
OUTBOUND_ALLOW_CIDRS = env.list("OUTBOUND_ALLOW_CIDRS", default=[])

# --- Providers (each: key + base URL; offline twin when no key) -------------
OPENAI_API_KEY = env("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env("OPENAI_BASE_URL", default="https://api.openai.com/v1")
OPENAI_MODEL = env("OPENAI_MODEL", default="gpt-4o-mini")
# Image generation (content/gateway/images.py) on the same key and base URL.
OPENAI_IMAGE_MODEL = env("OPENAI_IMAGE_MODEL", default="gpt-image-1")
# Seconds one AI request may take, and retries of 429/5xx answers (content.gateway).
OPENAI_TIMEOUT_SECONDS = env.float("OPENAI_TIMEOUT_SECONDS", default=60.0)
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=2)
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# dj-stripe warns (djstripe.W002) whenever STRIPE_API_HOST exists with DEBUG=0, so it is only
# defined when set; billing.stripe_gateway falls back to Stripe's own host.
if env("STRIPE_API_HOST", default=""):
    STRIPE_API_HOST = env("STRIPE_API_HOST")
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=False)
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_WEBHOOK_VALIDATION = "verify_signature"
# Billing: days a past_due workspace keeps its paid plan before falling to free, and how long
# a charge may stay reserved before the reaper refunds it (long jobs pass their own hold).
BILLING_GRACE_PERIOD_DAYS = env.int("BILLING_GRACE_PERIOD_DAYS", default=7)
BILLING_CHARGE_HOLD_SECONDS = env.int("BILLING_CHARGE_HOLD_SECONDS", default=15 * 60)
WHATSAPP_GRAPH_URL = env("WHATSAPP_GRAPH_URL", default="https://graph.facebook.com/v21.0")
WHATSAPP_APP_SECRET = env("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env("WHATSAPP_VERIFY_TOKEN", default="")
# WhatsApp sending (whatsapp/services/sending.py): per-number rate shared by all workers, recipients per
# batch (one task and one charge each), sender threads per task, attempts on retryable errors, backoff base,
# HTTP timeout, when a send stuck in "sending" is failed and refunded, when a batch charge is committed
# (later failures are not refunded), and the largest broadcast.
WHATSAPP_RATE_LIMIT_PER_SECOND = env.int("WHATSAPP_RATE_LIMIT_PER_SECOND", default=80)
WHATSAPP_BATCH_SIZE = env.int("WHATSAPP_BATCH_SIZE", default=500)
WHATSAPP_SEND_CONCURRENCY = env.int("WHATSAPP_SEND_CONCURRENCY", default=8)
WHATSAPP_SEND_MAX_ATTEMPTS = env.int("WHATSAPP_SEND_MAX_ATTEMPTS", default=5)
WHATSAPP_RETRY_BASE_DELAY_SECONDS = env.float("WHATSAPP_RETRY_BASE_DELAY_SECONDS", default=1.0)
WHATSAPP_HTTP_TIMEOUT_SECONDS = env.float("WHATSAPP_HTTP_TIMEOUT_SECONDS", default=10.0)
WHATSAPP_SENDING_STALE_SECONDS = env.int("WHATSAPP_SENDING_STALE_SECONDS", default=600)
WHATSAPP_CHARGE_SETTLE_HOURS = env.float("WHATSAPP_CHARGE_SETTLE_HOURS", default=24.0)
WHATSAPP_MAX_RECIPIENTS = env.int("WHATSAPP_MAX_RECIPIENTS", default=100_000)
META_GRAPH_URL = env("META_GRAPH_URL", default="https://graph.facebook.com/v21.0").rstrip("/")
# Integrations (integrations/oauth.py): the platform's OAuth apps. A provider without its app
# credentials shows "not configured". Every provider comes back to SITE_URL/integrations/callback/<provider>/.
META_APP_ID = env("META_APP_ID", default="")
META_APP_SECRET = env("META_APP_SECRET", default="")
# Facebook's Login dialog for the Graph version in use (…/v21.0 → https://www.facebook.com/v21.0/dialog/oauth).
META_OAUTH_DIALOG_URL = env(
    "META_OAUTH_DIALOG_URL",
    default="https://www.facebook.com/" + META_GRAPH_URL.rsplit("/", 1)[-1] + "/dialog/oauth",
)
META_OAUTH_SCOPES = env(
    "META_OAUTH_SCOPES",
    default="ads_management,ads_read,business_management,pages_show_list,pages_read_engagement,instagram_basic",
)
SHOPIFY_API_KEY = env("SHOPIFY_API_KEY", default="")
SHOPIFY_API_SECRET = env("SHOPIFY_API_SECRET", default="")
SHOPIFY_SCOPES = env(
    "SHOPIFY_SCOPES", default="read_products,write_products,read_orders,read_inventory,write_inventory"
)
# Where a shop's admin lives; `{shop}` is the validated *.myshopify.com name (a local stand-in: http://127.0.0.1:9000/{shop}).
SHOPIFY_URL_TEMPLATE = env("SHOPIFY_URL_TEMPLATE", default="https://{shop}")
TIKTOK_BUSINESS_APP_ID = env("TIKTOK_BUSINESS_APP_ID", default="")
TIKTOK_BUSINESS_SECRET = env("TIKTOK_BUSINESS_SECRET", default="")
TIKTOK_BUSINESS_AUTH_URL = env("TIKTOK_BUSINESS_AUTH_URL", default="https://business-api.tiktok.com/portal/auth")
TIKTOK_BUSINESS_API_URL = env("TIKTOK_BUSINESS_API_URL", default="https://business-api.tiktok.com/open_api/v1.3")
DID_API_KEY = env("DID_API_KEY", default="")
DID_BASE_URL = env("DID_BASE_URL", default="https://api.d-id.com")
ELEVENLABS_API_KEY = env("ELEVENLABS_API_KEY", default="")
ELEVENLABS_BASE_URL = env("ELEVENLABS_BASE_URL", default="https://api.elevenlabs.io")
# Avatar videos (content/video): a job not done after VIDEO_DEADLINE_SECONDS is failed and refunded;
# D-ID is first polled VIDEO_FIRST_POLL_SECONDS after the talk starts (webhooks may not come), then with
# backoff up to VIDEO_POLL_MAX_SECONDS; a job with no progress for VIDEO_STALL_SECONDS is resumed; the
# beat tick runs every VIDEO_TICK_SECONDS; voice tracks are kept VIDEO_VOICE_TRACK_DAYS; provider calls
# retry 429/5xx starting at VIDEO_RETRY_BASE_SECONDS.
VIDEO_DEADLINE_SECONDS = env.int("VIDEO_DEADLINE_SECONDS", default=30 * 60)
VIDEO_FIRST_POLL_SECONDS = env.int("VIDEO_FIRST_POLL_SECONDS", default=15)
VIDEO_POLL_MAX_SECONDS = env.int("VIDEO_POLL_MAX_SECONDS", default=60)
VIDEO_STALL_SECONDS = env.int("VIDEO_STALL_SECONDS", default=120)
VIDEO_TICK_SECONDS = env.int("VIDEO_TICK_SECONDS", default=10)
VIDEO_VOICE_TRACK_DAYS = env.int("VIDEO_VOICE_TRACK_DAYS", default=7)
VIDEO_RETRY_BASE_SECONDS = env.float("VIDEO_RETRY_BASE_SECONDS", default=0.5)
SHOPIFY_API_VERSION = env("SHOPIFY_API_VERSION", default="2024-10")
CJ_BASE_URL = env("CJ_BASE_URL", default="https://developers.cjdropshipping.com/api2.0/v1")
# The longest a charged handler can wait on one provider (timeout × attempts, plus backoff):
# an Idempotency-Key claim must outlive it, or a client's retry would run the handler twice.
LONGEST_PROVIDER_CALL_SECONDS = int(
    max(
        OPENAI_TIMEOUT_SECONDS * (OPENAI_MAX_RETRIES + 1) + 30 * OPENAI_MAX_RETRIES,
        WHATSAPP_HTTP_TIMEOUT_SECONDS * WHATSAPP_SEND_MAX_ATTEMPTS + 30 * (WHATSAPP_SEND_MAX_ATTEMPTS - 1),
        20 * 3,  # Stripe: 20 s per request, two network retries (billing.stripe_gateway)
    )
)
IDEMPOTENCY_LEASE_SECONDS = env.int("IDEMPOTENCY_LEASE_SECONDS", default=LONGEST_PROVIDER_CALL_SECONDS + 60)
# Encryption keys for third-party secrets at rest: first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- Live events and notifications ---------------------------------------------
# Server-sent events (nexusone/live.py): Redis pub/sub on REDIS_URL (or LIVE_REDIS_URL), in-process without it.
LIVE_REDIS_URL = env("LIVE_REDIS_URL", default="")
LIVE_CHANNEL_PREFIX = env("LIVE_CHANNEL_PREFIX", default="nexusone:live")
# A stream ends after this many seconds (the browser reconnects and membership is re-checked).
LIVE_STREAM_MAX_SECONDS = env.float("LIVE_STREAM_MAX_SECONDS", default=300.0)
LIVE_STREAM_HEARTBEAT_SECONDS = env.float("LIVE_STREAM_HEARTBEAT_SECONDS", default=15.0)
# Threads per web process serving the request/response routes (nexusone/asgi.py); each keeps one DB connection.
WEB_THREADS = env.int("WEB_THREADS", default=8)
# Slack incoming-webhook URLs must start with this (keeps a user-supplied URL pointed at Slack).
SLACK_WEBHOOK_URL_PREFIX = env("SLACK_WEBHOOK_URL_PREFIX", default="https://hooks.slack.com/")

# Client usage-tracker batches (POST /api/v1/analytics/events) per member per minute.
ANALYTICS_CLIENT_BATCHES_PER_MINUTE = env.int("ANALYTICS_CLIENT_BATCHES_PER_MINUTE", default=60)

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
