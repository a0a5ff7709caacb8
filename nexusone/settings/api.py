"""The REST API: DRF defaults, throttles, client addresses behind proxies, the OpenAPI schema."""

from __future__ import annotations

from .base import env

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
