from django.urls import re_path
from rest_framework.routers import SimpleRouter

from content.api import views

# Trailing slash optional, like the rest of the API. `content/ideas` is
# registered before `content` and detail ids are digits only, so "ideas" and
# "generate" are never taken for a generation id.
router = SimpleRouter()
router.trailing_slash = "/?"
router.register("content/ideas", views.IdeaBatchViewSet, basename="content-ideas")
router.register("content", views.GenerationViewSet, basename="content")
router.register("magic-pages", views.LandingPageViewSet, basename="magic-page")

urlpatterns = [
    re_path(r"^content/generate/?$", views.ContentGenerateView.as_view(), name="content-generate"),
    *router.urls,
]
