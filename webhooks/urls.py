"""Webhook pages (inside i18n_patterns)."""

from django.urls import path

from webhooks import views

urlpatterns = [path("w/<slug:slug>/webhooks/", views.WebhooksPage.as_view(), name="webhooks")]
