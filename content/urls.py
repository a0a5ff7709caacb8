"""Content studio pages (inside i18n_patterns): /<lang>/w/<slug>/content/… and …/pages/…"""

from django.urls import path

from content import views
from content.video import views as video_views

urlpatterns = [
    path("w/<slug:slug>/content/", views.ContentStudioView.as_view(), name="content_studio"),
    path("w/<slug:slug>/content/generate/", views.GenerateView.as_view(), name="content_generate"),
    path("w/<slug:slug>/content/<int:pk>/", views.GenerationDetailView.as_view(), name="content_detail"),
    path(
        "w/<slug:slug>/content/<int:pk>/export.<str:fmt>", views.GenerationExportView.as_view(), name="content_export"
    ),
    path("w/<slug:slug>/content/ideas/", views.IdeasView.as_view(), name="content_ideas"),
    path("w/<slug:slug>/content/ideas/<int:pk>/", views.IdeaBatchDetailView.as_view(), name="content_idea_batch"),
    path("w/<slug:slug>/pages/", views.PagesView.as_view(), name="content_pages"),
    path("w/<slug:slug>/pages/<int:pk>/", views.PageBuilderView.as_view(), name="content_page_builder"),
    path("w/<slug:slug>/pages/<int:pk>/preview/", views.PagePreviewView.as_view(), name="content_page_preview"),
    path("w/<slug:slug>/pages/<int:pk>/hero/", views.PageHeroView.as_view(), name="content_page_hero"),
    path("w/<slug:slug>/videos/", video_views.VideoStudioView.as_view(), name="video_studio"),
    path("w/<slug:slug>/videos/jobs/", video_views.VideoJobsView.as_view(), name="video_jobs"),
    path("w/<slug:slug>/videos/prompts/", video_views.VideoPromptsView.as_view(), name="video_prompts"),
    path("w/<slug:slug>/videos/<int:pk>/", video_views.VideoDetailView.as_view(), name="video_detail"),
]
