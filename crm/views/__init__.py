"""CRM pages under /<lang>/w/<slug>/crm/. Thin: form → service → redirect
with a message; reads through `crm.selectors`. The workspace scope is held
by `WorkspacePageMixin` (another workspace's ids are 404).

One module per section (`contacts`, `imports`, `segments`, `fields`) on a
shared base (`common`); the views are re-exported here for `crm.urls`."""

from crm.views.common import PAGE_SIZE, CrmPage
from crm.views.contacts import ContactCreateView, ContactDetailView, ContactExportView, ContactListView
from crm.views.fields import CustomFieldsView
from crm.views.imports import ImportDetailView, ImportErrorsView, ImportMappingView, ImportUploadView
from crm.views.segments import SegmentCountView, SegmentDetailView, SegmentListView

__all__ = [
    "PAGE_SIZE",
    "ContactCreateView",
    "ContactDetailView",
    "ContactExportView",
    "ContactListView",
    "CrmPage",
    "CustomFieldsView",
    "ImportDetailView",
    "ImportErrorsView",
    "ImportMappingView",
    "ImportUploadView",
    "SegmentCountView",
    "SegmentDetailView",
    "SegmentListView",
]
