"""Billing and usage pages (inside i18n_patterns: /<lang>/w/<slug>/…)."""

from django.urls import path

from analytics.views import UsageView
from billing.views import BillingView

urlpatterns = [
    path("w/<slug:slug>/billing/", BillingView.as_view(), name="billing"),
    path("w/<slug:slug>/usage/", UsageView.as_view(), name="usage"),
]
