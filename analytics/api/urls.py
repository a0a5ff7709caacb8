from django.urls import re_path

from analytics.api import views

urlpatterns = [
    re_path(r"^analytics/usage/?$", views.UsageView.as_view(), name="analytics-usage"),
    re_path(r"^analytics/events/?$", views.ClientEventsView.as_view(), name="analytics-events"),
    re_path(r"^analytics/dashboard/?$", views.DashboardView.as_view(), name="analytics-dashboard"),
]
