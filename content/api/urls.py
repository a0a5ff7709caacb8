from django.urls import re_path
from rest_framework.routers import SimpleRouter

from content.api import video_views, views

# Trailing slash optional, like the rest of the API. `content/ideas` is
# registered before `content` and detail ids are digits only, so "ideas" and
# "generate" are never taken for a generation id.
router = SimpleRouter()
router.trailing_slash = "/?"
router.register("content/ideas", views.IdeaBatchViewSet, basename="content-ideas")
router.register("content", views.GenerationViewSet, basename="content")
router.register("magic-pages", views.LandingPageViewSet, basename="magic-page")
router.register("video-projects", video_views.VideoProjectViewSet, basename="video-project")
router.register("media/video-prompts", video_views.VideoPromptViewSet, basename="video-prompt")

urlpatterns = [
    re_path(r"^content/generate/?$", views.ContentGenerateView.as_view(), name="content-generate"),
    re_path(r"^video-projects/voices/?$", video_views.VoiceListView.as_view(), name="video-voices"),
    re_path(r"^video-projects/avatars/?$", video_views.AvatarListView.as_view(), name="video-avatars"),
    *router.urls,
]
