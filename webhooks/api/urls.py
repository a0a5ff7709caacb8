from rest_framework.routers import SimpleRouter

from webhooks.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("webhook-endpoints", views.WebhookEndpointViewSet, basename="webhook-endpoint")
router.register(
    r"webhook-endpoints/(?P<endpoint_pk>[0-9]+)/deliveries", views.WebhookDeliveryViewSet, basename="webhook-delivery"
)

urlpatterns = router.urls
