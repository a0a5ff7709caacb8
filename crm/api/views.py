"""CRM API under /api/v1/crm/. Thin: validate input → call a service or a
selector → render output. Every view inherits the scoped base, so rows of
another workspace are 404 like missing ones; reads need `viewer`, writes
`member` (custom field definitions: `admin`)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from accounts.models import Role
from crm import exports, selectors, services
from crm.api import serializers as s
from crm.api.filters import ContactFilter, ContactSearchFilter
from crm.models import Activity, Contact, ContactImport, CustomFieldDefinition, Segment
from nexusone.api.filters import DjangoFilterBackend
from nexusone.api.keyset import KeysetPagination
from nexusone.api.viewsets import ScopedViewSet
from nexusone.errors import InsufficientCredits
from nexusone.idempotency import idempotent

ERRORS_INLINE = 1000


class CSVRenderer(BaseRenderer):
    """Lets content negotiation pick CSV (`Accept: text/csv` or `?format=csv`);
    the views stream the body themselves."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover - never used
        return JSONRenderer().render(data)


class _DownloadMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        # Errors keep the JSON envelope even when the client asked for CSV.
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and getattr(renderer, "format", "") == "csv":
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class ContactPagination(KeysetPagination):
    """Contacts can number a million in one workspace: keyset pages over
    `(workspace_id, created_at, id)` (or the chosen sort), a bounded count."""


class ActivityPagination(KeysetPagination):
    """A contact's timeline, newest first, over `(contact_id, occurred_at)`."""


ERROR_RESPONSES = {
    400: OpenApiResponse(description="Validation error: `details` maps each field to messages."),
    404: OpenApiResponse(description="Not found (also for another workspace's ids)."),
}


@extend_schema_view(
    list=extend_schema(responses={200: s.ContactOutput(many=True)}, tags=["crm"]),
    retrieve=extend_schema(responses={200: s.ContactOutput, **ERROR_RESPONSES}, tags=["crm"]),
    destroy=extend_schema(responses={204: None, 404: ERROR_RESPONSES[404]}, tags=["crm"]),
)
class ContactViewSet(_DownloadMixin, ScopedViewSet):
    """Contacts. Creating one costs the `crm` module's credits (402 when short);
    a duplicate e-mail or phone is 409 `duplicate_contact` with `existing_id`."""

    model = Contact
    serializer_class = s.ContactOutput
    lookup_value_regex = r"[0-9]+"
    filterset_class = ContactFilter
    filter_backends = [DjangoFilterBackend, ContactSearchFilter, OrderingFilter]
    pagination_class = ContactPagination
    ordering_fields = list(selectors.ORDERING_FIELDS)
    ordering = ["-created_at", "-id"]

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.ContactOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.ContactOutput(self.get_object()).data)

    @extend_schema(
        request=s.ContactInput,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            201: s.ContactOutput,
            402: OpenApiResponse(description="Not enough credits (`needed`, `available`)."),
            409: OpenApiResponse(description="`duplicate_contact`: `details.existing_id` names the contact."),
            **ERROR_RESPONSES,
        },
        tags=["crm"],
    )
    @idempotent(required=False)
    def create(self, request):
        data = s.ContactInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_create(
            workspace=request.workspace,
            data=data.validated_data,
            user=request.user,
            idempotency_key=getattr(request, "idempotency_key", None),
        )
        return Response(s.ContactOutput(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ContactInput,
        responses={200: s.ContactOutput, 409: OpenApiResponse(), **ERROR_RESPONSES},
        tags=["crm"],
    )
    def partial_update(self, request, pk=None):
        contact = self.get_object()
        data = s.ContactInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        contact = services.contact_update(contact=contact, data=data.validated_data, user=request.user)
        return Response(s.ContactOutput(contact).data)

    def destroy(self, request, pk=None):
        services.contact_delete(contact=self.get_object(), user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.MergeInput, responses={200: s.ContactOutput, **ERROR_RESPONSES}, tags=["crm"])
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge `other_id` into this contact without losing activities or fields; `other_id` is deleted."""
        contact = self.get_object()
        data = s.MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_merge(
            workspace=request.workspace,
            contact_id=contact.pk,
            other_id=data.validated_data["other_id"],
            user=request.user,
            request=request,
        )
        return Response(s.ContactOutput(contact).data)

    @extend_schema(request=s.BulkInput, responses={200: s.BulkOutput, **ERROR_RESPONSES}, tags=["crm"])
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        """Add/remove tags or set the stage of up to 1,000 contacts."""
        data = s.BulkInput(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.contacts_bulk_update(
            workspace=request.workspace,
            ids=data.validated_data["ids"],
            add_tags=data.validated_data["add_tags"],
            remove_tags=data.validated_data["remove_tags"],
            stage=data.validated_data.get("stage") or None,
            user=request.user,
        )
        return Response({"updated": updated})

    @extend_schema(
        request={"multipart/form-data": s.ImportInput},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            202: s.ImportAcceptedOutput,
            402: OpenApiResponse(description="Not enough credits for the new contacts; nothing is imported."),
            413: OpenApiResponse(description="`payload_too_large`: the file is over the limit."),
            **ERROR_RESPONSES,
        },
        tags=["crm"],
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser, JSONParser])
    @idempotent(required=False)
    def import_file(self, request):
        """Import a CSV: lines are checked and the new contacts counted and
        charged now; the import then runs as a job (`GET /crm/imports/{id}`)."""
        data = s.ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact_import = services.import_upload(
            workspace=request.workspace, file=data.validated_data["file"], user=request.user
        )
        contact_import = _import_start(
            request, contact_import, data.validated_data.get("mapping"), keep=data.validated_data["keep_on_refusal"]
        )
        return Response({"id": contact_import.pk, "status": contact_import.status}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"], description="Or send `Accept: text/csv`.")],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR},
        tags=["crm"],
    )
    @action(detail=False, methods=["get"], renderer_classes=[JSONRenderer, CSVRenderer], pagination_class=None)
    def export(self, request):
        """Every contact of the filtered list (same filters, search and
        ordering), streamed. CSV with `Accept: text/csv` or `?format=csv`
        (cells that could run as spreadsheet formulas are escaped), else JSON."""
        queryset: QuerySet[Contact] = self.filter_queryset(self.get_queryset())
        fmt = request.accepted_renderer.format
        services.contacts_export_record(
            workspace=request.workspace, user=request.user, request=request, filters=request.query_params, fmt=fmt
        )
        if fmt == "csv":
            return exports.contacts_csv_response(workspace=request.workspace, queryset=queryset)
        return exports.contacts_json_response(workspace=request.workspace, queryset=queryset)


@extend_schema_view(
    list=extend_schema(responses={200: s.ActivityOutput(many=True), 404: ERROR_RESPONSES[404]}, tags=["crm"])
)
class ActivityViewSet(ScopedViewSet):
    """A contact's timeline, newest first; adding one refreshes the score."""

    model = Activity
    serializer_class = s.ActivityOutput
    url_models = {"contact_pk": Contact}
    filter_backends: list = []
    pagination_class = ActivityPagination

    def _contact(self) -> Contact:
        return selectors.contact_get(contact_id=self.kwargs["contact_pk"])

    def list(self, request, contact_pk=None):
        contact = self._contact()
        page = self.paginate_queryset(selectors.contact_timeline(contact=contact))
        return self.get_paginated_response(s.ActivityOutput(page, many=True).data)

    @extend_schema(request=s.ActivityInput, responses={201: s.ActivityOutput, **ERROR_RESPONSES}, tags=["crm"])
    def create(self, request, contact_pk=None):
        contact = self._contact()
        data = s.ActivityInput(data=request.data)
        data.is_valid(raise_exception=True)
        activity = services.activity_add(contact=contact, actor=request.user, **data.validated_data)
        return Response(s.ActivityOutput(activity).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: s.SegmentOutput(many=True)}, tags=["crm"]),
    retrieve=extend_schema(responses={200: s.SegmentOutput, **ERROR_RESPONSES}, tags=["crm"]),
    destroy=extend_schema(responses={204: None, 404: ERROR_RESPONSES[404]}, tags=["crm"]),
)
class SegmentViewSet(ScopedViewSet):
    """Saved filters. `…/{id}/preview` counts the matching contacts."""

    model = Segment
    serializer_class = s.SegmentOutput
    lookup_value_regex = r"[0-9]+"
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name", "id"]
    filterset_fields: list = []

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.SegmentOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.SegmentOutput(self.get_object()).data)

    @extend_schema(request=s.SegmentInput, responses={201: s.SegmentOutput, **ERROR_RESPONSES}, tags=["crm"])
    def create(self, request):
        data = s.SegmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        segment = services.segment_create(workspace=request.workspace, user=request.user, **data.validated_data)
        return Response(s.SegmentOutput(segment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SegmentInput, responses={200: s.SegmentOutput, **ERROR_RESPONSES}, tags=["crm"])
    def partial_update(self, request, pk=None):
        segment = self.get_object()
        data = s.SegmentInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        segment = services.segment_update(segment=segment, data=data.validated_data)
        return Response(s.SegmentOutput(segment).data)

    def destroy(self, request, pk=None):
        services.segment_delete(segment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("page_size", int, description="Contacts in the preview (max 100, default 25).")],
        responses={200: s.SegmentPreviewOutput, 404: ERROR_RESPONSES[404]},
        tags=["crm"],
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        try:
            limit = max(1, min(100, int(request.query_params.get("page_size", 25))))
        except ValueError:
            limit = 25
        preview = selectors.segment_preview(segment=self.get_object(), limit=limit)
        return Response(s.SegmentPreviewOutput(preview).data)


@extend_schema_view(
    list=extend_schema(responses={200: s.CustomFieldOutput(many=True)}, tags=["crm"]),
    retrieve=extend_schema(responses={200: s.CustomFieldOutput, **ERROR_RESPONSES}, tags=["crm"]),
    destroy=extend_schema(responses={204: None, 404: ERROR_RESPONSES[404]}, tags=["crm"]),
)
class CustomFieldViewSet(ScopedViewSet):
    """The workspace's extra contact fields (text, number, date, choice).
    Defining them is an admin's job; everyone reads them."""

    model = CustomFieldDefinition
    serializer_class = s.CustomFieldOutput
    lookup_value_regex = r"[0-9]+"
    write_role = Role.ADMIN
    filter_backends: list = []

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.CustomFieldOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.CustomFieldOutput(self.get_object()).data)

    @extend_schema(request=s.CustomFieldInput, responses={201: s.CustomFieldOutput, **ERROR_RESPONSES}, tags=["crm"])
    def create(self, request):
        data = s.CustomFieldInput(data=request.data)
        data.is_valid(raise_exception=True)
        definition = services.custom_field_create(workspace=request.workspace, **data.validated_data)
        return Response(s.CustomFieldOutput(definition).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.CustomFieldUpdateInput, responses={200: s.CustomFieldOutput, **ERROR_RESPONSES}, tags=["crm"]
    )
    def partial_update(self, request, pk=None):
        definition = self.get_object()
        data = s.CustomFieldUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        definition = services.custom_field_update(definition=definition, **data.validated_data)
        return Response(s.CustomFieldOutput(definition).data)

    def destroy(self, request, pk=None):
        services.custom_field_delete(definition=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _import_start(request, contact_import: ContactImport, mapping, *, keep: bool) -> ContactImport:
    """Start an import; a kept draft refused for credits names itself in the 402 (details.import_id)."""
    try:
        return services.import_start(
            contact_import=contact_import, mapping=mapping, user=request.user, request=request, keep_on_refusal=keep
        )
    except InsufficientCredits as exc:
        if keep:
            exc.details = {**exc.details, "import_id": contact_import.pk}
        raise


@extend_schema_view(list=extend_schema(responses={200: s.ImportOutput(many=True)}, tags=["crm"]))
class ImportViewSet(_DownloadMixin, ScopedViewSet):
    """CSV imports and their progress. Start one with `POST /crm/contacts/import`."""

    model = ContactImport
    serializer_class = s.ImportOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields: list = []
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.ImportOutput(page, many=True).data)

    @extend_schema(responses={200: s.ImportDetailOutput, 404: ERROR_RESPONSES[404]}, tags=["crm"])
    def retrieve(self, request, pk=None):
        contact_import = self.get_object()
        errors = list(selectors.import_errors(contact_import=contact_import)[: ERRORS_INLINE + 1])
        body = {
            **s.ImportOutput(contact_import).data,
            "columns": contact_import.columns,
            "mapping": contact_import.mapping,
            "errors": s.ImportErrorOutput(errors[:ERRORS_INLINE], many=True).data,
            "errors_truncated": len(errors) > ERRORS_INLINE,
        }
        return Response(body)

    @extend_schema(
        request=None,
        responses={
            202: s.ImportAcceptedOutput,
            402: OpenApiResponse(description="Still not enough credits: the draft stays, with its upload."),
            409: OpenApiResponse(description="`import_already_started`: only a draft can be started."),
            **ERROR_RESPONSES,
        },
        tags=["crm"],
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start a draft import again — one kept after a refusal for credits
        (`keep_on_refusal`): after a top-up, no new upload is needed."""
        contact_import = _import_start(request, self.get_object(), None, keep=True)
        return Response({"id": contact_import.pk, "status": contact_import.status}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"], description="Or send `Accept: text/csv`.")],
        responses={200: s.ImportErrorOutput(many=True), 404: ERROR_RESPONSES[404]},
        tags=["crm"],
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, CSVRenderer])
    def errors(self, request, pk=None):
        """Every rejected line with its number (the header is line 1) and reason:
        paginated JSON, or the whole report as CSV."""
        contact_import = self.get_object()
        if request.accepted_renderer.format == "csv":
            return exports.import_errors_csv_response(workspace=request.workspace, contact_import=contact_import)
        page = self.paginate_queryset(selectors.import_errors(contact_import=contact_import))
        return self.get_paginated_response(s.ImportErrorOutput(page, many=True).data)
