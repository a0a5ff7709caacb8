"""External providers (each: key + base URL; an offline twin when no key), the outbound door,
integrations' OAuth apps, live events."""

from __future__ import annotations

from .base import env

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
# Free-plan workspaces one person may own (the personal one counts); one more → 409 free_workspace_limit.
BILLING_FREE_WORKSPACES_PER_PERSON = env.int("BILLING_FREE_WORKSPACES_PER_PERSON", default=1)
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
# Graph webhooks (/webhooks/facebook/): the token the subscription handshake must echo.
META_VERIFY_TOKEN = env("META_VERIFY_TOKEN", default="")
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
# 2025-04+ for productSet's `identifier`, 2025-10+ for webhookSubscriptionCreate's `uri` (commerce).
SHOPIFY_API_VERSION = env("SHOPIFY_API_VERSION", default="2026-10")
# While the app's secret is being rotated, webhooks signed with the previous one still verify.
SHOPIFY_API_SECRET_PREVIOUS = env("SHOPIFY_API_SECRET_PREVIOUS", default="")
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

# --- Ad campaigns (campaigns/) ------------------------------------------------
# A/B significance needs this sample per variant (impressions for CTR, clicks for conversion rate).
CAMPAIGNS_AB_MIN_IMPRESSIONS = env.int("CAMPAIGNS_AB_MIN_IMPRESSIONS", default=1000)
CAMPAIGNS_AB_MIN_CLICKS = env.int("CAMPAIGNS_AB_MIN_CLICKS", default=100)
# Weekly refresh: an ad is fatigued when the last 7 days' CTR is this fraction under the 7 before, or its
# frequency is above the limit.
CAMPAIGNS_FATIGUE_CTR_DROP = env.float("CAMPAIGNS_FATIGUE_CTR_DROP", default=0.25)
CAMPAIGNS_FATIGUE_FREQUENCY = env.float("CAMPAIGNS_FATIGUE_FREQUENCY", default=3.0)
