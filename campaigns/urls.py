"""Campaign pages, mounted at /<lang>/w/<slug>/campaigns/ (see nexusone/urls.py)."""

from django.urls import path

from campaigns import views

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="campaigns"),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="campaign"),
    path("posts/", views.PostCalendarView.as_view(), name="campaign_posts"),
    path("generators/", views.GeneratorsView.as_view(), name="generators"),
]
