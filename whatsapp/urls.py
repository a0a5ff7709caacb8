"""WhatsApp pages (inside i18n_patterns: /<lang>/w/<slug>/whatsapp/…)."""

from django.urls import path

from whatsapp import views

urlpatterns = [
    path("w/<slug:slug>/whatsapp/", views.AccountsPage.as_view(), name="whatsapp_accounts"),
    path("w/<slug:slug>/whatsapp/templates/", views.TemplatesPage.as_view(), name="whatsapp_templates"),
    path("w/<slug:slug>/whatsapp/broadcasts/", views.BroadcastsPage.as_view(), name="whatsapp_broadcasts"),
    path("w/<slug:slug>/whatsapp/broadcasts/new/", views.BroadcastComposePage.as_view(), name="whatsapp_broadcast_new"),
    path("w/<slug:slug>/whatsapp/broadcasts/<int:pk>/", views.BroadcastPage.as_view(), name="whatsapp_broadcast"),
    path("w/<slug:slug>/whatsapp/inbox/", views.InboxPage.as_view(), name="whatsapp_inbox"),
    path("w/<slug:slug>/whatsapp/inbox/<int:pk>/", views.ConversationPage.as_view(), name="whatsapp_conversation"),
    path("w/<slug:slug>/whatsapp/bots/", views.BotRulesPage.as_view(), name="whatsapp_bots"),
    path("w/<slug:slug>/whatsapp/opt-outs/", views.OptOutsPage.as_view(), name="whatsapp_optouts"),
]
