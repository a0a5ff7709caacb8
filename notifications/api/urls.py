"""/api/v1/notifications/…"""

from rest_framework.routers import SimpleRouter

from notifications.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
