"""Public tracking routes (reviewed: emails/public_views.py), mounted at /e/."""

from django.urls import path

from emails import public_views

urlpatterns = [
    path("o/<str:token>", public_views.open_pixel, name="emails-open"),
    path("c/<str:token>", public_views.click, name="emails-click"),
    path("u/<str:token>", public_views.unsubscribe, name="emails-unsubscribe"),
]
