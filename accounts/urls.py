from django.urls import path

from accounts import views

urlpatterns = [
    path("dashboard/", views.dashboard_redirect, name="dashboard"),
    path("profile/", views.profile, name="profile"),
    path("workspaces/new/", views.workspace_new, name="workspace_new"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("w/<slug:slug>/", views.DashboardView.as_view(), name="workspace_dashboard"),
    path("w/<slug:slug>/settings/", views.WorkspaceSettingsView.as_view(), name="workspace_settings"),
    path("w/<slug:slug>/settings/members/", views.MembersView.as_view(), name="workspace_members"),
    path("w/<slug:slug>/settings/api-keys/", views.ApiKeysView.as_view(), name="workspace_api_keys"),
    path("w/<slug:slug>/settings/audit/", views.AuditLogView.as_view(), name="workspace_audit"),
]
