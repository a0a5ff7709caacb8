"""SMS pages, mounted at /<lang>/w/<slug>/sms/ (see nexusone/urls.py)."""

from django.urls import path

from sms import views

urlpatterns = [
    path("", views.SmsCampaignListView.as_view(), name="sms_campaigns"),
    path("count/", views.SmsSegmentCountView.as_view(), name="sms_segment_count"),
    path("<int:pk>/", views.SmsCampaignView.as_view(), name="sms_campaign"),
]
