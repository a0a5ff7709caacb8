"""CRM pages, mounted at /<lang>/w/<slug>/crm/ (see nexusone/urls.py)."""

from django.urls import path

from crm import views

urlpatterns = [
    path("", views.ContactListView.as_view(), name="crm_contacts"),
    path("contacts/new/", views.ContactCreateView.as_view(), name="crm_contact_new"),
    path("contacts/export.csv", views.ContactExportView.as_view(), name="crm_contacts_export"),
    path("contacts/<int:pk>/", views.ContactDetailView.as_view(), name="crm_contact"),
    path("imports/", views.ImportUploadView.as_view(), name="crm_imports"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="crm_import"),
    path("imports/<int:pk>/mapping/", views.ImportMappingView.as_view(), name="crm_import_mapping"),
    path("imports/<int:pk>/errors.csv", views.ImportErrorsView.as_view(), name="crm_import_errors"),
    path("segments/", views.SegmentListView.as_view(), name="crm_segments"),
    path("segments/<int:pk>/", views.SegmentDetailView.as_view(), name="crm_segment"),
    path("segments/<int:pk>/count/", views.SegmentCountView.as_view(), name="crm_segment_count"),
    path("fields/", views.CustomFieldsView.as_view(), name="crm_fields"),
]
