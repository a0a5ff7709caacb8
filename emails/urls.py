"""E-mail pages, mounted at /<lang>/w/<slug>/email/ (see nexusone/urls.py)."""

from django.urls import path

from emails import views

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="email_campaigns"),
    path("senders/", views.SenderListView.as_view(), name="email_senders"),
    path("campaigns/<int:pk>/", views.CampaignEditView.as_view(), name="email_campaign"),
    path("campaigns/<int:pk>/report/", views.CampaignReportView.as_view(), name="email_campaign_report"),
]
