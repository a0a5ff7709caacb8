"""Public landing pages, mounted at /p/ outside the language prefix (the page
carries its own language). Reviewed public routes: see content/README.md."""

from django.urls import path

from content import public_views

urlpatterns = [
    path("<slug:slug>/", public_views.landing_page, name="landing_page_public"),
    path("<slug:slug>/hero", public_views.landing_page_hero, name="landing_page_public_hero"),
]
