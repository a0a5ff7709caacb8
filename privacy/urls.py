"""Privacy pages (inside i18n_patterns)."""

from django.urls import path

from privacy import views

urlpatterns = [
    path("w/<slug:slug>/privacy/", views.PrivacyPage.as_view(), name="privacy_settings"),
    path("w/<slug:slug>/account/privacy/", views.AccountPrivacyPage.as_view(), name="account_privacy"),
    path("w/<slug:slug>/privacy/contacts/<int:pk>/", views.ContactPrivacyPage.as_view(), name="privacy_contact"),
]
