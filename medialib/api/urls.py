from django.urls import re_path
from rest_framework.routers import SimpleRouter

from medialib.api import views

# Detail ids are digits only, so "uploads", "voiceovers", "images" are never taken for an id.
router = SimpleRouter()
router.trailing_slash = "/?"
router.register("media", views.MediaAssetViewSet, basename="media")

urlpatterns = [
    re_path(r"^media/uploads/?$", views.UploadView.as_view(), name="media-upload"),
    re_path(r"^media/voiceovers/?$", views.VoiceoverView.as_view(), name="media-voiceovers"),
    re_path(r"^media/images/?$", views.ImagesView.as_view(), name="media-images"),
    *router.urls,
]
