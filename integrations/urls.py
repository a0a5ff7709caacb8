from django.urls import path

from integrations import views

urlpatterns = [
    path("w/<slug:slug>/settings/integrations/", views.IntegrationsView.as_view(), name="workspace_integrations"),
]
