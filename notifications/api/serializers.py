"""Notification API shapes."""

from __future__ import annotations

from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.kinds import KINDS
from notifications.models import Notification
from notifications.services import localized_link


class NotificationOutput(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=sorted(KINDS))
    link = serializers.SerializerMethodField(help_text="Page path in the caller's language, or an absolute URL.")
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "level", "title", "body", "link", "language", "data", "is_read", "read_at",
                  "created_at"]  # fmt: skip

    @extend_schema_field(serializers.CharField())
    def get_link(self, obj: Notification) -> str:
        return localized_link(obj.link, translation.get_language() or obj.language)


class NotificationListQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)


class ReadAllOutput(serializers.Serializer):
    updated = serializers.IntegerField()
    unread = serializers.IntegerField()
