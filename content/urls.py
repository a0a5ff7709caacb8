"""Content studio pages (inside i18n_patterns): /<lang>/w/<slug>/content/… and …/pages/…"""

from django.urls import path

from content import views

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
]
