"""Notification API: the caller's own notifications in the current workspace.

Every member (viewer and up) reads and marks their own notifications; another
member's or another workspace's notification is 404 like a missing one."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from nexusone.api.viewsets import ScopedViewSet
from notifications import selectors, services
from notifications.api import serializers as s
from notifications.models import Notification

NOT_FOUND = OpenApiResponse(description="Not found (also another member's or workspace's notification).")


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="Only unread notifications.")],
        responses={200: s.NotificationOutput(many=True)},
        tags=["notifications"],
    ),
)
class NotificationViewSet(ScopedViewSet):
    model = Notification
    serializer_class = s.NotificationOutput
    lookup_value_regex = r"[0-9]+"
    filter_backends: list = []
    # Reading and marking one's own notifications is not a workspace write.
    permissions = {"list": "notifications.view", "read": "notifications.read", "read_all": "notifications.read"}

    def safely_get_queryset(self, queryset):
        return queryset.filter(recipient=self.request.user).order_by("-created_at", "-id")

    def list(self, request):
        query = s.NotificationListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        notifications = selectors.notification_list(user=request.user, unread_only=query.validated_data["unread"])
        page = self.paginate_queryset(notifications)
        response = self.get_paginated_response(s.NotificationOutput(page, many=True).data)
        response.data["unread"] = selectors.unread_count(user=request.user)
        return response

    @extend_schema(request=None, responses={200: s.NotificationOutput, 404: NOT_FOUND}, tags=["notifications"])
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(s.NotificationOutput(notification).data)

    @extend_schema(request=None, responses={200: s.ReadAllOutput}, tags=["notifications"])
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        updated = services.notifications_mark_all_read(workspace=request.workspace, user=request.user)
        return Response({"updated": updated, "unread": selectors.unread_count(user=request.user)})
