"""/api/v1/campaigns/… — ids are numeric, a trailing slash is optional."""

from rest_framework.routers import SimpleRouter

from campaigns.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register(r"campaigns/(?P<campaign_pk>[0-9]+)/variants", views.AdVariantViewSet, basename="campaign-variant")

urlpatterns = router.urls
