"""/api/v1/workspace/export, /api/v1/workspace (DELETE), /api/v1/me/export,
/api/v1/workspace-deletions, /api/v1/crm/contacts/{id}/export|erase."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.models import Contact
from nexusone.api.viewsets import ScopedAPIView, request_api_key
from nexusone.errors import NotFound
from privacy import erasure, services
from privacy.models import WorkspaceDeletion, WorkspaceExport


class ExportOutput(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    download_expires_at = serializers.SerializerMethodField()

    class Meta:
        model = WorkspaceExport
        fields = ["id", "status", "progress", "counts", "size", "error", "created_at", "started_at", "finished_at"]
        fields += ["download_url", "download_expires_at"]

    def _link(self, obj):
        cache = self.context.setdefault("links", {})
        if obj.pk not in cache:
            request = self.context["request"]
            cache[obj.pk] = services.export_link(
                export=obj,
                user=request.user,
                role=request.workspace_role,
                via_api_key=request_api_key(request) is not None,
            )
        return cache[obj.pk]

    def get_download_url(self, obj) -> str | None:
        link = self._link(obj)
        return link.url if link else None

    def get_download_expires_at(self, obj) -> str | None:
        link = self._link(obj)
        return link.expires_at.isoformat() if link and link.expires_at else None


class WorkspaceExportView(ScopedAPIView):
    """Start an export (202) or see the latest one with a fresh 1-hour link."""

    permissions = {"get": "privacy.export.view", "post": "privacy.export.create"}

    @extend_schema(request=None, responses={202: ExportOutput}, tags=["privacy"])
    def post(self, request):
        export = services.export_start(
            workspace=request.workspace,
            user=request.user,
            role=request.workspace_role,
            via_api_key=request_api_key(request) is not None,
        )
        return Response(ExportOutput(export, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: ExportOutput}, tags=["privacy"])
    def get(self, request):
        export = services.export_latest(workspace=request.workspace)
        if export is None:  # never exported: a state, not a missing resource
            return Response({"id": None, "status": "none", "progress": 0, "download_url": None})
        return Response(ExportOutput(export, context={"request": request}).data)


class DeletionOutput(serializers.ModelSerializer):
    workspace = serializers.SerializerMethodField()

    class Meta:
        model = WorkspaceDeletion
        fields = ["reference", "status", "requested_at", "purge_after", "workspace"]

    def get_workspace(self, obj) -> dict | None:
        if obj.workspace is None:
            return None
        return {"id": obj.workspace_id, "slug": obj.workspace.slug, "name": obj.workspace.name}


class WorkspaceDeleteView(ScopedAPIView):
    """Delete the workspace: members lose access now, the purge follows after 7 days."""

    permissions = {"delete": "privacy.workspace.delete"}

    @extend_schema(
        request=inline_serializer("WorkspaceDeleteInput", {"confirm": serializers.CharField()}),
        responses={202: DeletionOutput},
        tags=["privacy"],
    )
    def delete(self, request):
        deletion = services.deletion_request(
            workspace=request.workspace,
            user=request.user,
            role=request.workspace_role,
            confirm=str(request.data.get("confirm", "")) if hasattr(request.data, "get") else "",
            via_api_key=request_api_key(request) is not None,
            request=request,
        )
        return Response(DeletionOutput(deletion).data, status=status.HTTP_202_ACCEPTED)


class _PersonView(ScopedAPIView):
    """About the signed-in person, not the workspace: any role, never an API key
    (`accounts.profile.change` is closed to keys)."""

    permissions = {"get": "accounts.profile.change", "post": "accounts.profile.change"}


class DeletionListView(_PersonView):
    @extend_schema(responses={200: DeletionOutput(many=True)}, tags=["privacy"])
    def get(self, request):
        return Response(DeletionOutput(services.deletions_for(user=request.user), many=True).data)


class DeletionRestoreView(_PersonView):
    # A deletion is addressed by its reference, not a row of this workspace.
    url_constants = {"reference": "00000000-0000-4000-8000-000000000000"}

    @extend_schema(request=None, responses={200: DeletionOutput}, tags=["privacy"])
    def post(self, request, reference):
        services.deletion_restore(reference=reference, user=request.user, request=request)
        return Response(DeletionOutput(WorkspaceDeletion.objects.get(reference=reference)).data)


class UserExportOutput(serializers.Serializer):
    format_version = serializers.IntegerField()
    user_id = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    records = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        help_text=(
            "Per model (`app.Model`), the rows about the caller with only the columns the model's "
            "personal-data declaration lists as the user's own (`user_fields`): the profile, memberships "
            "(workspace id, name, role), audit entries they made, their API keys without secrets, "
            "invitations they sent without the invitee's address, e-mail addresses, MFA methods without "
            "secrets, notifications and privacy requests. Rows of workspaces they no longer belong to "
            "are left out."
        ),
    )
    sessions = inline_serializer("UserExportSessions", {"active": serializers.IntegerField()})


class MeExportView(_PersonView):
    """The signed-in person's own data across their workspaces (never an API key)."""

    @extend_schema(operation_id="me_export", responses={200: UserExportOutput}, tags=["privacy"])
    def get(self, request):
        return Response(UserExportOutput(erasure.user_export(user=request.user)).data)


class ContactExportView(ScopedAPIView):
    model = Contact
    permissions = {"get": "privacy.contact.export"}

    @extend_schema(
        operation_id="crm_contact_privacy_export",
        responses={200: inline_serializer("ContactExport", {"records": serializers.DictField()})},
        tags=["privacy"],
    )
    def get(self, request, pk):
        contact = Contact.objects.filter(pk=pk).first()
        if contact is None:
            raise NotFound()
        return Response(erasure.contact_export(contact=contact, role=request.workspace_role))


class ContactEraseView(ScopedAPIView):
    model = Contact
    permissions = {"post": "privacy.contact.erase"}

    @extend_schema(
        operation_id="crm_contact_privacy_erase",
        request=inline_serializer("ContactEraseInput", {"block": serializers.BooleanField(required=False)}),
        responses={200: inline_serializer("ContactErased", {"counts": serializers.DictField()})},
        tags=["privacy"],
    )
    def post(self, request, pk):
        contact = Contact.objects.filter(pk=pk).first()
        if contact is None:
            raise NotFound()
        block = bool(request.data.get("block", False)) if hasattr(request.data, "get") else False
        counts = erasure.contact_erase(
            contact=contact, role=request.workspace_role, user=request.user, block=block, request=request
        )
        return Response({"counts": counts})


class RetentionOutput(serializers.Serializer):
    usage_events_days = serializers.IntegerField()
    webhook_logs_days = serializers.IntegerField()
    whatsapp_bodies_days = serializers.IntegerField()
    agent_transcripts_days = serializers.IntegerField()
    deleted_workspaces_days = serializers.SerializerMethodField()

    def get_deleted_workspaces_days(self, obj) -> int:
        return services.GRACE.days


class RetentionView(ScopedAPIView):
    """The workspace's retention periods (days); PATCH changes them (admins)."""

    permissions = {"get": "privacy.view", "patch": "privacy.retention.change"}

    @extend_schema(responses={200: RetentionOutput}, tags=["privacy"])
    def get(self, request):
        from privacy.retention import policy_for

        return Response(RetentionOutput(policy_for(request.workspace)).data)

    @extend_schema(request=RetentionOutput(partial=True), responses={200: RetentionOutput}, tags=["privacy"])
    def patch(self, request):
        from privacy.retention import policy_update

        data = request.data if hasattr(request.data, "get") else {}
        policy = policy_update(
            workspace=request.workspace, role=request.workspace_role, data=dict(data), user=request.user,
            request=request,
        )  # fmt: skip
        return Response(RetentionOutput(policy).data)
