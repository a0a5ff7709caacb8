"""E-mail API shapes: `*Input` checks types and sizes (rules live in the
services), `*Output` renders. No business logic here."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from emails.models import Campaign, EmailMessage, Suppression

# --- senders ------------------------------------------------------------------------------------------


class EmailSenderInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class EmailDnsRecordOutput(serializers.Serializer):
    kind = serializers.CharField(help_text=_("spf, dkim or dmarc"))
    type = serializers.CharField()
    host = serializers.CharField()
    value = serializers.CharField()
    status = serializers.CharField(help_text=_("ok, missing, mismatch, error or unchecked"))


class EmailSenderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField()
    verified = serializers.BooleanField()
    verified_at = serializers.DateTimeField(allow_null=True)
    dns_checked_at = serializers.DateTimeField(allow_null=True)
    dns_records = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(EmailDnsRecordOutput(many=True))
    def get_dns_records(self, sender) -> list[dict]:
        from emails.dns import records_for

        status = sender.dns_status or {}
        preverified = bool(status.get("preverified"))
        return [
            {**record.as_dict(), "status": "ok" if preverified else status.get(record.kind, "unchecked")}
            for record in records_for(sender.domain)
        ]


# --- campaigns ----------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.ANY)
class EmailBodyField(serializers.JSONField):
    """A list of blocks, or an HTML string."""


class EmailAudienceSerializer(serializers.Serializer):
    segment_id = serializers.IntegerField(required=False, min_value=1)
    contact_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=10000)


class EmailAbTestSerializer(serializers.Serializer):
    subjects = serializers.ListField(child=serializers.CharField(max_length=200), min_length=2, max_length=4)
    sample_percent = serializers.IntegerField(min_value=5, max_value=50, required=False, default=20)
    wait_minutes = serializers.IntegerField(min_value=1, max_value=10080, required=False, default=240)
    metric = serializers.ChoiceField(choices=["opens", "clicks"], required=False, default="opens")


class EmailCampaignInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    preheader = serializers.CharField(max_length=200, required=False, allow_blank=True)
    sender_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    audience = EmailAudienceSerializer(required=False, help_text=_('{"segment_id": n} or {"contact_ids": [...]}'))
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    body = EmailBodyField(required=False, help_text=_("A list of blocks, or an HTML string."))
    schedule_at = serializers.DateTimeField(required=False, allow_null=True)
    ab_test = EmailAbTestSerializer(
        required=False, allow_null=True, help_text=_("An A/B subject line test; null removes it.")
    )


class EmailEstimateOutput(serializers.Serializer):
    recipients = serializers.IntegerField()
    credits = serializers.IntegerField()


class EmailCampaignOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    subject = serializers.CharField()
    preheader = serializers.CharField()
    sender_id = serializers.IntegerField(allow_null=True)
    audience = serializers.DictField()
    language = serializers.CharField()
    body = serializers.SerializerMethodField()
    schedule_at = serializers.DateTimeField(allow_null=True)
    ab_test = serializers.DictField()
    winner_variant = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=Campaign.Status.choices)
    recipients = serializers.IntegerField(source="count_recipients")
    credits_charged = serializers.IntegerField()
    credits_refunded = serializers.IntegerField()
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(OpenApiTypes.ANY)
    def get_body(self, campaign):
        return campaign.body_html or campaign.body


class EmailCampaignDetailOutput(EmailCampaignOutput):
    estimate = EmailEstimateOutput(allow_null=True)
    ai_variants = serializers.ListField(child=serializers.DictField())


class EmailTestSendInput(serializers.Serializer):
    to = serializers.JSONField(help_text=_("An address or a list of up to 5."))


class EmailTestSendOutput(serializers.Serializer):
    sent_to = serializers.ListField(child=serializers.CharField())


class EmailPreviewOutput(serializers.Serializer):
    subject = serializers.CharField()
    preheader = serializers.CharField()
    html = serializers.CharField()
    text = serializers.CharField()
    recipient = serializers.CharField()


class EmailVariantsInput(serializers.Serializer):
    brief = serializers.CharField(max_length=2000)
    count = serializers.IntegerField(min_value=1, max_value=5, default=3)


class EmailVariantOutput(serializers.Serializer):
    subject = serializers.CharField()
    preheader = serializers.CharField()
    body = serializers.ListField(child=serializers.DictField())
    language = serializers.CharField()
    tone = serializers.CharField()


class EmailVariantsOutput(serializers.Serializer):
    variants = EmailVariantOutput(many=True)


class EmailRatesOutput(serializers.Serializer):
    delivery = serializers.FloatField()
    open = serializers.FloatField()
    click = serializers.FloatField()
    click_to_open = serializers.FloatField()
    unsubscribe = serializers.FloatField()
    bounce = serializers.FloatField()
    complaint = serializers.FloatField()


class EmailVariantStatsOutput(serializers.Serializer):
    variant = serializers.IntegerField()
    subject = serializers.CharField()
    sent = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()


class EmailTimelinePointOutput(serializers.Serializer):
    hour = serializers.DateTimeField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()


class EmailLinkStatsOutput(serializers.Serializer):
    url = serializers.CharField()
    clicks = serializers.IntegerField()


class EmailStatsOutput(serializers.Serializer):
    status = serializers.CharField()
    recipients = serializers.IntegerField()
    queued = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    delivered = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    unsubscribed = serializers.IntegerField()
    bounced = serializers.IntegerField()
    complained = serializers.IntegerField()
    rates = EmailRatesOutput()
    variants = EmailVariantStatsOutput(many=True)
    links = EmailLinkStatsOutput(many=True)
    timeline = EmailTimelinePointOutput(many=True)


class EmailMessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    contact_id = serializers.IntegerField(allow_null=True)
    to = serializers.CharField(source="to_email")
    status = serializers.ChoiceField(choices=EmailMessage.Status.choices)
    variant = serializers.IntegerField()
    message_id = serializers.CharField()
    provider_message_id = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    clicked_at = serializers.DateTimeField(allow_null=True)
    unsubscribed_at = serializers.DateTimeField(allow_null=True)
    bounced_at = serializers.DateTimeField(allow_null=True)
    error = serializers.DictField()


# --- suppressions -------------------------------------------------------------------------------------


class EmailSuppressionInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    detail = serializers.CharField(max_length=500, required=False, allow_blank=True)


class EmailSuppressionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField()
    reason = serializers.ChoiceField(choices=Suppression.Reason.choices)
    campaign_id = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()
    created_at = serializers.DateTimeField()
