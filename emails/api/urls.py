"""/api/v1/email/… — ids are numeric, a trailing slash is optional."""

from rest_framework.routers import SimpleRouter

from emails.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("email/senders", views.SenderViewSet, basename="email-sender")
router.register("email/campaigns", views.CampaignViewSet, basename="email-campaign")
router.register("email/suppressions", views.SuppressionViewSet, basename="email-suppression")

urlpatterns = router.urls
