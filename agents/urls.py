"""AI agents pages (inside i18n_patterns: /<lang>/w/<slug>/agents/…)."""

from django.urls import path

from agents import views

urlpatterns = [
    path("w/<slug:slug>/agents/", views.AgentListPage.as_view(), name="agents_list"),
    path("w/<slug:slug>/agents/<int:pk>/", views.AgentBuilderPage.as_view(), name="agents_builder"),
    path("w/<slug:slug>/agents/<int:pk>/playground/", views.PlaygroundPage.as_view(), name="agents_playground"),
    path("w/<slug:slug>/agents/conversations/", views.ConversationsPage.as_view(), name="agents_conversations"),
    path("w/<slug:slug>/agents/conversations/<int:pk>/", views.ConversationPage.as_view(), name="agents_conversation"),
]
