"""Usage API shapes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from analytics.models import UsageEvent
from analytics.selectors import MAX_RANGE_DAYS


class UsageQueryInput(serializers.Serializer):
    module = serializers.SlugField(max_length=50, required=False)
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
        fields = ["id", "module", "action", "credits", "success", "processing_ms", "metadata", "user_id", "created_at"]


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
