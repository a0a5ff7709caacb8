"""Media pages (inside i18n_patterns): /<lang>/w/<slug>/media/…"""

from django.urls import path

from medialib import views

urlpatterns = [
    path("w/<slug:slug>/media/", views.LibraryView.as_view(), name="media_library"),
    path("w/<slug:slug>/media/logo/", views.WorkspaceLogoView.as_view(), name="workspace_logo"),
    path("w/<slug:slug>/media/voiceover/", views.VoiceoverView.as_view(), name="media_voiceover"),
    path("w/<slug:slug>/media/images/", views.ImagesView.as_view(), name="media_images"),
]
