"""/api/v1/sms/… — ids are numeric, a trailing slash is optional."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from sms.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("sms/campaigns", views.SmsCampaignViewSet, basename="sms-campaign")

urlpatterns = [
    re_path(r"^sms/segments/?$", views.SmsSegmentCountView.as_view(), name="sms-segments"),
    *router.urls,
]
