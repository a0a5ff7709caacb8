"""Journey pages, mounted at /<lang>/w/<slug>/journeys/ (see nexusone/urls.py)."""

from django.urls import path

from journeys import views

urlpatterns = [
    path("", views.JourneyListView.as_view(), name="journeys"),
    path("<int:pk>/", views.JourneyBuilderView.as_view(), name="journey"),
]
