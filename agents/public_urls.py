"""The web chat widget, mounted at /a/ outside the language prefix.
Reviewed public routes: see agents/public_views.py."""

from django.urls import path

from agents import public_views

urlpatterns = [
    path("<str:public_key>/widget.js", public_views.widget_js, name="agent_widget_js"),
    path("<str:public_key>/messages", public_views.widget_messages, name="agent_widget_messages"),
]
