from django.urls import re_path

from analytics.api import views

urlpatterns = [
    re_path(r"^analytics/usage/?$", views.UsageView.as_view(), name="analytics-usage"),
]
