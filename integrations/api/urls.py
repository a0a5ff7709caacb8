from django.urls import re_path

from integrations.api import views
from integrations.registry import OAUTH_PROVIDERS, PROVIDERS

_provider = "(?P<provider>" + "|".join(PROVIDERS) + ")"
_oauth = "(?P<provider>" + "|".join(OAUTH_PROVIDERS) + ")"

urlpatterns = [
    re_path(r"^integrations/?$", views.IntegrationListView.as_view(), name="integration-list"),
    re_path(rf"^integrations/{_provider}/?$", views.IntegrationDetailView.as_view(), name="integration-detail"),
    re_path(rf"^integrations/{_provider}/check/?$", views.IntegrationCheckView.as_view(), name="integration-check"),
    re_path(rf"^integrations/{_oauth}/connect/?$", views.IntegrationConnectView.as_view(), name="integration-connect"),
    re_path(rf"^integrations/{_provider}/assets/?$", views.IntegrationAssetsView.as_view(), name="integration-assets"),
]
