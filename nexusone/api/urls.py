"""The API router: /api/v1/. Each app contributes its `api/urls.py`."""

from django.urls import include, path, re_path

from nexusone.api.exceptions import api_not_found
from nexusone.api.stream import EventStreamView

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("analytics.api.urls")),
    path("", include("content.api.urls")),
    path("", include("medialib.api.urls")),
    path("", include("crm.api.urls")),
    path("", include("whatsapp.api.urls")),
    path("", include("integrations.api.urls")),
    path("", include("emails.api.urls")),
    path("", include("sms.api.urls")),
    path("", include("journeys.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("agents.api.urls")),
    path("", include("privacy.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("campaigns.api.urls")),
    re_path(r"^events/stream/?$", EventStreamView.as_view(), name="live-event-stream"),
    re_path(r"^.*$", api_not_found),  # unknown /api/v1/ routes answer in the envelope
]
