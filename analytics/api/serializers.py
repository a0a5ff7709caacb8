"""Usage API shapes."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from analytics import tracking
from analytics.models import UsageEvent
from analytics.selectors import MAX_RANGE_DAYS


class UsageQueryInput(serializers.Serializer):
    module = serializers.SlugField(max_length=50, required=False)
    source = serializers.ChoiceField(choices=["server", "client"], required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end:
            if start > end:
                raise serializers.ValidationError({"date_from": [_("Must not be after date_to.")]})
            if (end - start).days >= MAX_RANGE_DAYS:
                raise serializers.ValidationError({"date_from": [_("The range may span at most 366 days.")]})
        return attrs


class UsageEventOutput(serializers.ModelSerializer):
    class Meta:
        model = UsageEvent
        fields = ["id", "module", "action", "credits", "success", "processing_ms", "metadata", "user_id", "source",
                  "created_at"]  # fmt: skip


class UsageDailyOutput(serializers.Serializer):
    date = serializers.DateField()
    module = serializers.CharField()
    credits = serializers.IntegerField(help_text="Credits of successful (kept) charges.")
    events = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Attempts refunded because the work failed.")


class UsageTotalsOutput(serializers.Serializer):
    module = serializers.CharField()
    credits = serializers.IntegerField()
    events = serializers.IntegerField()
    failed = serializers.IntegerField()


class UsageOutput(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    module = serializers.CharField(allow_null=True)
    by_module = UsageTotalsOutput(many=True)
    daily = UsageDailyOutput(many=True)
    next = serializers.URLField(allow_null=True, help_text="Older events (cursor).")
    previous = serializers.URLField(allow_null=True)
    events = UsageEventOutput(many=True, help_text="Newest first.")


# --- the client usage tracker ----------------------------------------------------------------------


class ClientEventInput(serializers.Serializer):
    module = serializers.ChoiceField(choices=tracking.CLIENT_MODULES)
    action = serializers.ChoiceField(choices=tracking.CLIENT_ACTIONS)
    success = serializers.BooleanField(required=False, default=True)
    processing_time = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=tracking.MAX_PROCESSING_MS, help_text="Milliseconds."
    )
    metadata = serializers.DictField(required=False, default=dict)

    def validate_metadata(self, value):
        # What PostgreSQL's jsonb cannot hold (a NUL, a lone surrogate) is refused
        # here, not by the database (a 500; found by the API fuzz).
        try:
            text = json.dumps(value, default=str, ensure_ascii=False)
            text.encode()
        except UnicodeEncodeError:
            text = "\\u0000"
        if "\\u0000" in text:
            raise serializers.ValidationError(_("Metadata may not contain NUL characters or invalid text."))
        if len(json.dumps(value, default=str).encode()) > tracking.MAX_METADATA_BYTES:
            raise serializers.ValidationError(
                _("Metadata may hold at most %(bytes)d bytes of JSON.") % {"bytes": tracking.MAX_METADATA_BYTES}
            )
        return value


class ClientEventsInput(serializers.Serializer):
    events = ClientEventInput(many=True, allow_empty=False, max_length=tracking.MAX_BATCH)


class ClientEventsOutput(serializers.Serializer):
    accepted = serializers.IntegerField()
    source = serializers.CharField()


# --- the dashboard ------------------------------------------------------------------------------------


class DashboardQueryInput(serializers.Serializer):
    to = serializers.DateField(required=False)
    tz = serializers.CharField(required=False, max_length=64)
    panel = serializers.CharField(required=False, max_length=40)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)  # a keyword in Python
        return fields

    def validate_tz(self, value):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise serializers.ValidationError(_("Unknown time zone.")) from None

    def validate_panel(self, value):
        from analytics.panels import PANELS

        if value not in PANELS:
            raise serializers.ValidationError(_("Unknown panel."))
        return value

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end:
            if start > end:
                raise serializers.ValidationError({"from": [_("Must not be after `to`.")]})
            if (end - start).days >= MAX_RANGE_DAYS:
                raise serializers.ValidationError({"from": [_("The range may span at most 366 days.")]})
        return attrs


class LabelValueOutput(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class ColumnOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class RowOutput(serializers.DictField):
    """One table row (column key → value), built by the panels from plain
    values: passed through as is (a dashboard has hundreds of rows)."""

    def to_representation(self, value):
        return value


class TableOutput(serializers.Serializer):
    columns = ColumnOutput(many=True)
    rows = serializers.ListField(child=RowOutput())


class PanelOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    used = serializers.BooleanField(help_text="False: the module has no data in the period (the page says so).")
    message = serializers.CharField(help_text="Why the panel is empty, when it is.")
    summary = LabelValueOutput(many=True)
    columns = ColumnOutput(many=True)
    rows = serializers.ListField(child=RowOutput(), help_text="One per local day, oldest first.")
    table = TableOutput(allow_null=True, help_text="A second table (per page, per stage), when the panel has one.")


class DashboardOutput(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    tz = serializers.CharField()
    panels = PanelOutput(many=True)
