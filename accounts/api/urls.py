from django.urls import re_path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter()
router.register("workspaces", views.WorkspacesViewSet, basename="workspace")
router.register(r"workspaces/(?P<workspace_pk>[^/.]+)/members", views.MembersViewSet, basename="workspace-member")
router.register(
    r"workspaces/(?P<workspace_pk>[^/.]+)/invitations", views.InvitationsViewSet, basename="workspace-invitation"
)
router.register("api-keys", views.ApiKeysViewSet, basename="api-key")

urlpatterns = [
    re_path(r"^auth/register/?$", views.RegisterView.as_view(), name="auth-register"),
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", views.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^me/?$", views.MeView.as_view(), name="me"),
    re_path(r"^invitations/accept/?$", views.InvitationAcceptView.as_view(), name="invitation-accept-api"),
    *router.urls,
]
