"""Accounts API: auth tokens, me, workspaces, members, invitations, API keys.

Thin: validate input → call a service → render output."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts import selectors, services, token_flows
from accounts.api import serializers as s
from accounts.hooks import delete_account, workspace_summary
from accounts.models import ApiKey, Invitation, Membership, Role, Workspace
from nexusone.api.schema import workspace_path
from nexusone.api.throttles import consume_window
from nexusone.api.viewsets import ScopedViewSet, WorkspaceScopedMixin, request_api_key
from nexusone.audit import client_ip
from nexusone.errors import PermissionDenied


class AuthEndpointThrottle(BaseThrottle):
    """Per client address, on top of allauth's own per-account limits."""

    def allow_request(self, request, view) -> bool:
        count, _, period = settings.AUTH_API_RATE.partition("/")
        window = {"s": 1, "m": 60, "h": 3600}[period[:1] or "m"]
        allowed, self._wait = consume_window(f"auth:{client_ip(request)}", int(count), window)
        return allowed

    def wait(self):
        return getattr(self, "_wait", None)


class _AuthView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthEndpointThrottle]


class RegisterView(_AuthView):
    @extend_schema(request=s.RegisterInput, responses={201: s.RegisterOutput}, tags=["auth"])
    def post(self, request):
        data = s.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = token_flows.register(request=request._request, **data.validated_data)
        workspace = selectors.user_workspaces(user=user).first()
        body = {
            "user": s.UserOutput(user).data,
            "workspace": s.WorkspaceOutput(workspace, context={"roles": {workspace.pk: Role.OWNER}}).data,
            "access": tokens.access,
            "refresh": tokens.refresh,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(_AuthView):
    @extend_schema(request=s.LoginInput, responses={200: s.TokenPairOutput}, tags=["auth"])
    def post(self, request):
        data = s.LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = token_flows.login(request=request._request, **data.validated_data)
        return Response({"access": tokens.access, "refresh": tokens.refresh})


class RefreshView(_AuthView):
    @extend_schema(request=s.RefreshInput, responses={200: s.TokenPairOutput}, tags=["auth"])
    def post(self, request):
        data = s.RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = token_flows.refresh(refresh_token=data.validated_data["refresh"])
        return Response({"access": tokens.access, "refresh": tokens.refresh})


class LogoutView(_AuthView):
    @extend_schema(request=s.RefreshInput, responses={204: None}, tags=["auth"])
    def post(self, request):
        data = s.RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        token_flows.logout(token=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(WorkspaceScopedMixin, APIView):
    """The caller, their memberships, and the current workspace (X-Workspace)."""

    @extend_schema(responses={200: s.MeOutput}, tags=["accounts"])
    def get(self, request):
        memberships = selectors.user_memberships(user=request.user)
        if request.auth.__class__.__name__ == "ApiKey":
            memberships = memberships.filter(workspace=request.workspace)
        roles = {m.workspace_id: m.role for m in memberships}
        roles[request.workspace.pk] = request.workspace_role
        summary = workspace_summary(workspace=request.workspace)  # plan and credits, from billing
        return Response(
            {
                "user": s.UserOutput(request.user).data,
                "memberships": [
                    {"workspace": s.WorkspaceOutput(m.workspace, context={"roles": roles}).data, "role": m.role}
                    for m in memberships
                ],
                "workspace": s.WorkspaceOutput(request.workspace, context={"roles": roles}).data,
                **summary,
            }
        )

    @extend_schema(request=s.ProfileInput, responses={200: s.UserOutput}, tags=["accounts"])
    def patch(self, request):
        data = s.ProfileInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data=data.validated_data, via_api_key=_is_key(request))
        return Response(s.UserOutput(user).data)

    @extend_schema(
        request=inline_serializer("AccountDeleteInput", {"password": drf_serializers.CharField()}),
        responses={204: None},
        tags=["accounts"],
    )
    def delete(self, request):
        """Delete the account (privacy.erasure): 409 `sole_owner` lists the workspaces to hand over first."""
        password = request.data.get("password", "") if hasattr(request.data, "get") else ""
        delete_account(user=request.user, password=str(password), request=request)  # privacy's, via the hook
        return Response(status=status.HTTP_204_NO_CONTENT)

    # A profile belongs to the user, not the workspace: any role, never an API key.
    permissions = {"get": "accounts.view", "patch": "accounts.profile.change", "delete": "accounts.profile.change"}


def _is_key(request) -> bool:
    return request_api_key(request) is not None


def _reject_api_keys(request) -> None:
    if _is_key(request):
        raise PermissionDenied("API keys act inside their own workspace and cannot manage workspaces.")


class WorkspacesViewSet(WorkspaceScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Workspaces the caller belongs to. Detail routes resolve the workspace
    from the URL: not a member → 404."""

    model = Workspace
    serializer_class = s.WorkspaceOutput
    workspace_url_kwarg = "pk"
    permissions = {
        "list": "accounts.view",
        "create": "accounts.workspace.create",
        "retrieve": "accounts.view",
        "partial_update": "accounts.workspace.change",
        "update": "accounts.workspace.change",
        "onboarding": "accounts.view",
        "audit_log": "accounts.audit.view",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Workspace.objects.none()
        if self.request.auth.__class__.__name__ == "ApiKey":
            return Workspace.objects.filter(pk=self.request.workspace.pk)
        return selectors.user_workspaces(user=self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        context["roles"] = selectors.user_role_map(user=self.request.user)
        if self.request.auth.__class__.__name__ == "ApiKey":
            context["roles"] = {self.request.workspace.pk: self.request.workspace_role}
        return context

    @extend_schema(request=s.WorkspaceInput, responses={201: s.WorkspaceOutput}, tags=["accounts"])
    def create(self, request):
        _reject_api_keys(request)
        data = s.WorkspaceInput(data=request.data)
        data.is_valid(raise_exception=True)
        workspace = services.workspace_create(owner=request.user, name=data.validated_data["name"], request=request)
        return Response(
            s.WorkspaceOutput(workspace, context={"roles": {workspace.pk: Role.OWNER}}).data,
            status=status.HTTP_201_CREATED,
        )

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(request.workspace).data)

    @extend_schema(request=s.WorkspaceSettingsInput, responses={200: s.WorkspaceOutput}, tags=["accounts"])
    def partial_update(self, request, pk=None):
        data = s.WorkspaceSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        workspace = services.workspace_update_settings(
            workspace=request.workspace,
            data=data.validated_data,
            actor=request.user,
            actor_role=request.workspace_role,
            via_api_key=_is_key(request),
            request=request,
        )
        return Response(self.get_serializer(workspace).data)

    @extend_schema(request=s.WorkspaceSettingsInput, responses={200: s.WorkspaceOutput}, tags=["accounts"])
    def update(self, request, pk=None):
        return self.partial_update(request, pk)

    @extend_schema(responses={200: s.OnboardingOutput}, tags=["accounts"])
    @action(detail=True, methods=["get"], url_path="onboarding")
    def onboarding(self, request, pk=None):
        """The getting-started checklist: each step and whether the workspace has done it."""
        from accounts import onboarding

        steps = onboarding.checklist(workspace=request.workspace)
        return Response(
            s.OnboardingOutput(
                {
                    "steps": steps,
                    "done": sum(step.done for step in steps),
                    "total": len(steps),
                    "dismissed": onboarding.is_dismissed(request.workspace),
                }
            ).data
        )

    @extend_schema(responses={200: s.AuditEntryOutput(many=True)}, tags=["accounts"])
    @action(detail=True, methods=["get"], url_path="audit-log")
    def audit_log(self, request, pk=None):
        page = self.paginate_queryset(selectors.workspace_audit_entries(workspace=request.workspace))
        return self.get_paginated_response(s.AuditEntryOutput(page, many=True).data)


@workspace_path
class MembersViewSet(WorkspaceScopedMixin, viewsets.GenericViewSet):
    model = Membership
    serializer_class = s.MembershipOutput
    workspace_url_kwarg = "workspace_pk"
    permissions = {
        "list": "accounts.view",
        "retrieve": "accounts.view",
        "partial_update": "accounts.member.change_role",
        "update": "accounts.member.change_role",
        "destroy": "accounts.member.leave",  # anyone may leave; removing others needs accounts.member.remove
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.workspace_memberships(workspace=self.request.workspace)

    def list(self, request, workspace_pk=None):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, workspace_pk=None, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=s.MembershipRoleInput, responses={200: s.MembershipOutput}, tags=["accounts"])
    def partial_update(self, request, workspace_pk=None, pk=None):
        membership = self.get_object()
        data = s.MembershipRoleInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            workspace=request.workspace,
            membership_id=membership.pk,
            role=data.validated_data["role"],
            actor=request.user,
            actor_role=request.workspace_role,
            via_api_key=_is_key(request),
            request=request,
        )
        return Response(self.get_serializer(membership).data)

    @extend_schema(request=s.MembershipRoleInput, responses={200: s.MembershipOutput}, tags=["accounts"])
    def update(self, request, workspace_pk=None, pk=None):
        return self.partial_update(request, workspace_pk, pk)

    def destroy(self, request, workspace_pk=None, pk=None):
        membership = self.get_object()
        services.membership_remove(
            workspace=request.workspace,
            membership_id=membership.pk,
            actor=request.user,
            actor_role=request.workspace_role,
            via_api_key=_is_key(request),
            request=request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@workspace_path
class InvitationsViewSet(ScopedViewSet):
    model = Invitation
    serializer_class = s.InvitationOutput
    workspace_url_kwarg = "workspace_pk"
    permissions = {
        "list": "accounts.invitation.view",
        "retrieve": "accounts.invitation.view",
        "create": "accounts.invitation.create",
        "destroy": "accounts.invitation.revoke",
    }

    def safely_get_queryset(self, queryset):
        return queryset.select_related("workspace")

    def list(self, request, workspace_pk=None):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, workspace_pk=None, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=s.InvitationInput, responses={201: s.InvitationCreatedOutput}, tags=["accounts"])
    def create(self, request, workspace_pk=None):
        data = s.InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            workspace=request.workspace,
            actor=request.user,
            actor_role=request.workspace_role,
            via_api_key=_is_key(request),
            request=request,
            **data.validated_data,
        )
        return Response(s.InvitationCreatedOutput(invitation).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, workspace_pk=None, pk=None):
        services.invitation_revoke(
            invitation=self.get_object(),
            actor=request.user,
            actor_role=request.workspace_role,
            via_api_key=_is_key(request),
            request=request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(APIView):
    """Accept an invitation addressed to the signed-in user's e-mail."""

    @extend_schema(request=s.InvitationAcceptInput, responses={200: s.WorkspaceOutput}, tags=["accounts"])
    def post(self, request):
        _reject_api_keys(request)
        data = s.InvitationAcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invitation_accept(token=data.validated_data["token"], user=request.user, request=request)
        workspace = membership.workspace
        return Response(s.WorkspaceOutput(workspace, context={"roles": {workspace.pk: membership.role}}).data)


class ApiKeysViewSet(ScopedViewSet):
    model = ApiKey
    serializer_class = s.ApiKeyOutput
    permissions = {
        "list": "accounts.api_key.view",
        "retrieve": "accounts.api_key.view",
        "create": "accounts.api_key.create",
        "destroy": "accounts.api_key.revoke",
    }
    filterset_fields = ["role"]
    ordering_fields = ["created_at", "name"]

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=s.ApiKeyInput, responses={201: s.ApiKeyCreatedOutput}, tags=["accounts"])
    def create(self, request):
        data = s.ApiKeyInput(data=request.data)
        data.is_valid(raise_exception=True)
        api_key, secret = services.api_key_create(
            workspace=request.workspace,
            actor=request.user,
            actor_role=request.workspace_role,
            via_api_key=_is_key(request),
            request=request,
            **data.validated_data,
        )
        api_key.key = secret
        return Response(s.ApiKeyCreatedOutput(api_key).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.api_key_revoke(
            api_key=self.get_object(),
            actor=request.user,
            actor_role=request.workspace_role,
            via_api_key=_is_key(request),
            request=request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
