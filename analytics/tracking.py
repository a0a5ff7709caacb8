"""Client-reported usage events (the seed's `usage-tracker`): what the SPA
tells us people did, stored beside the server's usage events but marked
`source = client` and never carrying credits.

Contract:
- `module` and `action` come from the closed lists below (enums in the API
  schema); `metadata` is a JSON object of at most `MAX_METADATA_BYTES`.
- The server sets `workspace`, `user`, `created_at` and `credits = 0`: a
  client can neither spend nor grant credits, whatever it sends.
- `success` and `processing_time` (ms) are stored as reported.
- Client events never enter the rollups (dashboards count what the server
  did); they are listed by `GET /api/v1/analytics/usage?source=client`.
"""

from __future__ import annotations

from django.utils import timezone

from analytics.models import UsageEvent
from billing.defaults import MODULE_KEYS

CLIENT_MODULES = tuple(
    sorted({*MODULE_KEYS, "dashboard", "analytics", "whatsapp", "campaigns", "commerce", "agents", "videos",
            "billing", "settings", "notifications", "email", "sms"})
)  # fmt: skip
CLIENT_ACTIONS = (
    "page_view", "click", "open", "create", "generate", "edit", "submit", "export", "share", "search", "copy",
    "download", "error",
)  # fmt: skip
MAX_BATCH = 100
MAX_METADATA_BYTES = 2048
MAX_PROCESSING_MS = 3_600_000


def client_events_record(*, workspace, user, events: list[dict]) -> list[UsageEvent]:
    """Store a validated batch (see `analytics.api.serializers.ClientEventInput`)."""
    now = timezone.now()
    rows = [
        UsageEvent(
            workspace=workspace,
            user=user if getattr(user, "is_authenticated", False) else None,
            module=event["module"],
            action=event["action"],
            credits=0,  # never from the client
            success=event.get("success", True),
            processing_ms=event.get("processing_time"),
            metadata=event.get("metadata") or {},
            source="client",
            created_at=now,
            updated_at=now,
        )
        for event in events
    ]
    return UsageEvent.objects.bulk_create(rows)
