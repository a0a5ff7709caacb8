"""The bare DRF baseline of `bench/api_lists.py`: plain `ListAPIView`s over
the same tables, with the same API-key authentication and the same output
fields — no workspace resolution, role table, plan throttle or scope —
served by the same process as the project's own routes."""

from django.urls import path
from rest_framework import generics, pagination, serializers
from rest_framework.permissions import IsAuthenticated

from billing.api.serializers import LedgerEntryOutput
from billing.models import LedgerEntry
from crm.api.serializers import ContactOutput
from crm.models import Contact
from nexusone.api.authentication import ApiKeyAuthentication
from nexusone.urls import urlpatterns as project_urlpatterns


class PlainContactOutput(ContactOutput):
    """The same fields, rendered by DRF's own ListSerializer (the project's use FastListSerializer)."""

    class Meta:
        list_serializer_class = serializers.ListSerializer


class PlainLedgerEntryOutput(LedgerEntryOutput):
    class Meta(LedgerEntryOutput.Meta):
        list_serializer_class = serializers.ListSerializer


class BarePages(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class BareCursor(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")


class BareContacts(generics.ListAPIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes: list = []
    serializer_class = PlainContactOutput
    pagination_class = BarePages

    def get_queryset(self):
        return Contact.unscoped.filter(workspace_id=self.request.auth.workspace_id).order_by("-created_at", "-id")


class BareLedger(generics.ListAPIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes: list = []
    serializer_class = PlainLedgerEntryOutput
    pagination_class = BareCursor

    def get_queryset(self):
        return LedgerEntry.unscoped.filter(workspace_id=self.request.auth.workspace_id)


urlpatterns = [
    path("bare/contacts/", BareContacts.as_view()),
    path("bare/credits/", BareLedger.as_view()),
    *project_urlpatterns,
]
