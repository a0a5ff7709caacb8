"""SMS API shapes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from emails.api.serializers import EmailAudienceSerializer
from sms.models import SmsCampaign, SmsMessage


class SmsCampaignInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=1600, required=False, allow_blank=True)
    audience = EmailAudienceSerializer(required=False, help_text=_('{"segment_id": n} or {"contact_ids": [...]}'))
    schedule_at = serializers.DateTimeField(required=False, allow_null=True)


class SmsCampaignOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    body = serializers.CharField()
    audience = serializers.DictField()
    schedule_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=SmsCampaign.Status.choices)
    provider = serializers.CharField(help_text=_('"twilio", or "offline" when no Twilio credentials are set'))
    segments = serializers.IntegerField(help_text=_("Segments per message"))
    encoding = serializers.CharField(help_text=_("GSM-7 or UCS-2"))
    recipients = serializers.IntegerField()
    credits = serializers.IntegerField(help_text=_("Charged once sent; the estimate before"))
    sent = serializers.IntegerField(source="count_sent")
    delivered = serializers.IntegerField(source="count_delivered")
    failed = serializers.IntegerField(source="count_failed")
    credits_refunded = serializers.IntegerField()
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class SmsCountInput(serializers.Serializer):
    body = serializers.CharField(max_length=1600, allow_blank=True, trim_whitespace=False)


class SmsCountOutput(serializers.Serializer):
    encoding = serializers.CharField()
    segments = serializers.IntegerField()
    characters = serializers.IntegerField()
    units = serializers.IntegerField()
    per_segment = serializers.IntegerField()


class SmsMessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    contact_id = serializers.IntegerField(allow_null=True)
    to = serializers.CharField()
    status = serializers.ChoiceField(choices=SmsMessage.Status.choices)
    segments = serializers.IntegerField()
    sid = serializers.CharField()
    error_code = serializers.CharField()
    error_message = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
