"""/api/v1/email/… — ids are numeric, a trailing slash is optional."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from emails.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("email/senders", views.SenderViewSet, basename="email-sender")
router.register("email/campaigns", views.CampaignViewSet, basename="email-campaign")
router.register("email/suppressions", views.SuppressionViewSet, basename="email-suppression")

urlpatterns = [
    re_path(r"^email/settings/?$", views.EmailSettingsView.as_view(), name="email-settings"),
    *router.urls,
]
