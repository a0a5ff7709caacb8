"""Analytics pages (inside i18n_patterns: /<lang>/w/<slug>/analytics/)."""

from django.urls import path

from analytics.views import DashboardPage

urlpatterns = [
    path("w/<slug:slug>/analytics/", DashboardPage.as_view(), name="analytics_dashboard"),
]
