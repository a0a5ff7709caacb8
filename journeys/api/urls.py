"""/api/v1/journeys/… — ids are numeric, a trailing slash is optional."""

from rest_framework.routers import SimpleRouter

from journeys.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("journeys", views.JourneyViewSet, basename="journey")

urlpatterns = router.urls
