"""Notification pages (inside i18n_patterns)."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("w/<slug:slug>/notifications/", views.NotificationCenterPage.as_view(), name="notifications"),
    path(
        "w/<slug:slug>/notifications/preferences/",
        views.PreferencesPage.as_view(),
        name="notifications_preferences",
    ),
    # Public by design (reviewed): the signed token in the e-mailed link is the authorisation.
    path("unsubscribe/<str:token>/", views.UnsubscribePage.as_view(), name="notifications_unsubscribe"),
]
