from django.urls import re_path

from privacy.api import views

urlpatterns = [
    re_path(r"^workspace/export/?$", views.WorkspaceExportView.as_view(), name="workspace-export"),
    re_path(r"^workspace/retention/?$", views.RetentionView.as_view(), name="workspace-retention"),
    re_path(r"^workspace/?$", views.WorkspaceDeleteView.as_view(), name="workspace-delete"),
    re_path(r"^me/export/?$", views.MeExportView.as_view(), name="me-export"),
    re_path(r"^workspace-deletions/?$", views.DeletionListView.as_view(), name="workspace-deletions"),
    re_path(
        r"^workspace-deletions/(?P<reference>[0-9a-f-]{36})/restore/?$",
        views.DeletionRestoreView.as_view(),
        name="workspace-deletion-restore",
    ),
    re_path(r"^crm/contacts/(?P<pk>[0-9]+)/export/?$", views.ContactExportView.as_view(), name="contact-export"),
    re_path(r"^crm/contacts/(?P<pk>[0-9]+)/erase/?$", views.ContactEraseView.as_view(), name="contact-erase"),
]
