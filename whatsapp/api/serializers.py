"""WhatsApp API serializers: separate input (validation only) and output
(rendering only). No business logic here; the access token is write-only and
never rendered (only a `…abcd` hint)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from whatsapp.models import BotRule, Broadcast, Conversation, Message, MessageTemplate, OptOut, WhatsAppAccount
from whatsapp.ratelimit import limit_for
from whatsapp.services.content import MEDIA_TYPES

_GRAPH_ID = re.compile(r"^\d{1,64}$")
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


def _graph_id(value: str) -> str:
    if not _GRAPH_ID.match(value):
        raise serializers.ValidationError(_("Digits only, as shown in Meta's WhatsApp Manager."))
    return value


# --- inputs -----------------------------------------------------------------------------


class AccountInput(serializers.Serializer):
    phone_number_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        validators=[_graph_id],
        help_text=_("Required with an access token."),
    )
    waba_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        validators=[_graph_id],
        help_text=_("Required with an access token."),
    )
    access_token = serializers.CharField(
        max_length=2048,
        required=False,
        allow_blank=True,
        write_only=True,
        trim_whitespace=True,
        help_text=_("Empty: the offline sandbox. Stored encrypted; never returned."),
    )
    display_phone_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate(self, attrs):
        # The sandbox runs under an id of its own; Meta's ids matter only with a token to prove them.
        if attrs.get("access_token"):
            missing = {
                field: [_("Required with an access token: copy it from Meta's WhatsApp Manager.")]
                for field in ("phone_number_id", "waba_id")
                if not attrs.get(field)
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class AccountUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    access_token = serializers.CharField(max_length=2048, required=False, allow_blank=True, write_only=True)
    messages_per_second = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    bot_enabled = serializers.BooleanField(required=False)
    display_phone_number = serializers.CharField(max_length=32, required=False, allow_blank=True)


class _TextInput(serializers.Serializer):
    body = serializers.CharField(max_length=4096, trim_whitespace=False)
    preview_url = serializers.BooleanField(required=False, default=False)


class _LanguageInput(serializers.Serializer):
    code = serializers.CharField(max_length=16)

    def validate_code(self, value: str) -> str:
        if not _LANGUAGE_CODE.match(value):
            raise serializers.ValidationError(_("A template language code such as en_US or es."))
        return value


class _TemplateInput(serializers.Serializer):
    name = serializers.CharField(max_length=512)
    language = _LanguageInput()
    components = serializers.ListField(child=serializers.DictField(), required=False, max_length=20)

    def validate_name(self, value: str) -> str:
        if not _TEMPLATE_NAME.match(value):
            raise serializers.ValidationError(_("Template names use lowercase letters, digits and underscores."))
        return value


class _MediaInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=MEDIA_TYPES)
    link = serializers.URLField(max_length=2048, required=False)
    id = serializers.CharField(max_length=64, required=False)
    caption = serializers.CharField(max_length=1024, required=False, allow_blank=True)
    filename = serializers.CharField(max_length=255, required=False, allow_blank=True)

    def validate(self, attrs):
        if bool(attrs.get("link")) == bool(attrs.get("id")):
            raise serializers.ValidationError(_("Give either a media link or an uploaded media id."))
        if attrs.get("link") and not attrs["link"].startswith("https://"):
            raise serializers.ValidationError({"link": [_("The media link must use https.")]})
        if attrs.get("caption") and attrs["type"] == "audio":
            raise serializers.ValidationError({"caption": [_("Audio messages have no caption.")]})
        return attrs


class MessageInput(serializers.Serializer):
    """`{"type": "text", "text": {"body"}}`, `{"type": "template", "template":
    {"name", "language": {"code"}, "components"?}}` or `{"type": "media",
    "media": {"type", "link" | "id", "caption"?}}`."""

    type = serializers.ChoiceField(choices=["text", "template", "media"])
    text = _TextInput(required=False)
    template = _TemplateInput(required=False)
    media = _MediaInput(required=False)

    def validate(self, attrs):
        kind = attrs["type"]
        if not attrs.get(kind):
            raise serializers.ValidationError({kind: [_("Required for a %(type)s message.") % {"type": kind}]})
        return {"type": kind, kind: attrs[kind]}


class RecipientsField(serializers.ListField):
    """A list of phone numbers as strings. Light per-item checks (the service
    normalises and explains each rejection), so 100,000 items stay cheap."""

    child = serializers.CharField()  # for the schema only

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(_("A list of phone numbers."))
        if len(data) > settings.WHATSAPP_MAX_RECIPIENTS:
            raise serializers.ValidationError(
                _("At most %(max)d recipients.") % {"max": settings.WHATSAPP_MAX_RECIPIENTS}
            )
        out = []
        for item in data:
            if isinstance(item, bool) or not isinstance(item, str | int):
                raise serializers.ValidationError(_("Each recipient is a phone number string."))
            out.append(item if isinstance(item, str) else str(item))
        return out


class BroadcastInput(serializers.Serializer):
    whatsapp_account_id = serializers.IntegerField(min_value=1)
    message = MessageInput()
    recipients = RecipientsField(required=False)
    segment_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    schedule_date = serializers.DateTimeField(required=False, allow_null=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate(self, attrs):
        if bool(attrs.get("recipients")) == bool(attrs.get("segment_id")):
            raise serializers.ValidationError({"recipients": [_("Give either recipients or a segment_id.")]})
        schedule = attrs.get("schedule_date")
        if schedule is not None and schedule > timezone.now() + timedelta(days=365):
            raise serializers.ValidationError({"schedule_date": [_("At most one year ahead.")]})
        return attrs


class PreviewInput(serializers.Serializer):
    recipients = RecipientsField(required=False)
    segment_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    def validate(self, attrs):
        if bool(attrs.get("recipients")) == bool(attrs.get("segment_id")):
            raise serializers.ValidationError({"recipients": [_("Give either recipients or a segment_id.")]})
        return attrs


class ReplyInput(serializers.Serializer):
    message = MessageInput()


class BotRuleInput(serializers.Serializer):
    whatsapp_account_id = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=100)
    match_type = serializers.ChoiceField(choices=BotRule.MatchType.choices, default=BotRule.MatchType.CONTAINS)
    pattern = serializers.CharField(max_length=200)
    language = serializers.ChoiceField(choices=[("", "any"), *settings.LANGUAGES], required=False, allow_blank=True)
    reply_type = serializers.ChoiceField(choices=BotRule.ReplyType.choices, default=BotRule.ReplyType.TEXT)
    reply_text = serializers.CharField(max_length=4096, required=False, allow_blank=True, trim_whitespace=False)
    template_name = serializers.CharField(max_length=512, required=False, allow_blank=True)
    template_language = serializers.CharField(max_length=16, required=False, allow_blank=True)
    priority = serializers.IntegerField(min_value=0, max_value=10000, required=False, default=100)
    is_active = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs):
        if self.partial:
            return attrs  # the service checks the rule as a whole once merged
        if attrs.get("reply_type", BotRule.ReplyType.TEXT) == BotRule.ReplyType.TEXT:
            if not (attrs.get("reply_text") or "").strip():
                raise serializers.ValidationError({"reply_text": [_("Enter the reply.")]})
        elif not attrs.get("template_name") or not attrs.get("template_language"):
            raise serializers.ValidationError({"template_name": [_("Choose the template and its language.")]})
        return attrs


class OptOutInput(serializers.Serializer):
    phone = serializers.CharField(max_length=40)


# --- outputs ----------------------------------------------------------------------------


class AccountOutput(serializers.ModelSerializer):
    mode = serializers.SerializerMethodField()
    access_token_hint = serializers.SerializerMethodField()
    effective_messages_per_second = serializers.SerializerMethodField()

    class Meta:
        model = WhatsAppAccount
        fields = [
            "id",
            "name",
            "waba_id",
            "phone_number_id",
            "display_phone_number",
            "verified_name",
            "quality_rating",
            "mode",
            "access_token_hint",
            "messages_per_second",
            "effective_messages_per_second",
            "bot_enabled",
            "last_error",
            "templates_synced_at",
            "created_at",
        ]

    def get_mode(self, obj) -> str:
        return "sandbox" if obj.is_sandbox else "cloud_api"

    @extend_schema_field(OpenApiTypes.STR)
    def get_access_token_hint(self, obj) -> str | None:
        return f"…{obj.access_token_last4}" if obj.access_token_last4 else None

    def get_effective_messages_per_second(self, obj) -> int:
        return limit_for(obj)


class TemplateOutput(serializers.ModelSerializer):
    whatsapp_account_id = serializers.IntegerField(source="account_id")

    class Meta:
        model = MessageTemplate
        fields = [
            "id",
            "whatsapp_account_id",
            "name",
            "language",
            "category",
            "status",
            "components",
            "rejected_reason",
            "synced_at",
        ]


class _CountersOutput(serializers.Serializer):
    requested = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    opted_out = serializers.IntegerField()
    rejected = serializers.IntegerField()
    total = serializers.IntegerField()
    queued = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    read = serializers.IntegerField()
    failed = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class _CreditsOutput(serializers.Serializer):
    unit_cost = serializers.IntegerField()
    charged = serializers.IntegerField()
    refunded = serializers.IntegerField()


class BroadcastOutput(serializers.ModelSerializer):
    whatsapp_account_id = serializers.IntegerField(source="account_id", allow_null=True)
    counters = serializers.SerializerMethodField()
    credits = serializers.SerializerMethodField()
    progress_percent = serializers.IntegerField()

    class Meta:
        model = Broadcast
        fields = [
            "id",
            "name",
            "status",
            "whatsapp_account_id",
            "message",
            "segment_id",
            "segment_name",
            "schedule_date",
            "started_at",
            "finished_at",
            "failure_reason",
            "counters",
            "credits",
            "progress_percent",
            "created_at",
        ]

    @extend_schema_field(_CountersOutput)
    def get_counters(self, obj) -> dict:
        return obj.counters()

    @extend_schema_field(_CreditsOutput)
    def get_credits(self, obj) -> dict:
        return {"unit_cost": obj.unit_cost, "charged": obj.credits_charged, "refunded": obj.credits_refunded}


class RejectedRecipientOutput(serializers.Serializer):
    input = serializers.CharField()
    reason = serializers.CharField()
    message = serializers.CharField()


class BroadcastCreatedOutput(BroadcastOutput):
    rejected_recipients = RejectedRecipientOutput(many=True, read_only=True)

    class Meta(BroadcastOutput.Meta):
        fields = [*BroadcastOutput.Meta.fields, "rejected_recipients"]


class PreviewOutput(serializers.Serializer):
    requested = serializers.IntegerField()
    sendable = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    opted_out = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejected_recipients = RejectedRecipientOutput(many=True)
    unit_cost = serializers.IntegerField()
    credits_needed = serializers.IntegerField()
    credits_available = serializers.IntegerField()


class _ErrorOutput(serializers.Serializer):
    code = serializers.CharField()
    reason = serializers.CharField()
    message = serializers.CharField()


class MessageOutput(serializers.ModelSerializer):
    type = serializers.CharField(source="kind")
    error = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "to",
            "from_number",
            "type",
            "body",
            "wamid",
            "status",
            "error",
            "attempts",
            "sent_at",
            "delivered_at",
            "read_at",
            "failed_at",
            "created_at",
        ]

    @extend_schema_field(_ErrorOutput(allow_null=True))
    def get_error(self, obj) -> dict | None:
        if not (obj.error_code or obj.error_reason):
            return None
        return {"code": obj.error_code, "reason": obj.error_reason, "message": obj.error_message}


class ConversationOutput(serializers.ModelSerializer):
    whatsapp_account_id = serializers.IntegerField(source="account_id", allow_null=True)
    window_open = serializers.SerializerMethodField()
    window_expires_at = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "whatsapp_account_id",
            "phone",
            "profile_name",
            "contact_id",
            "language",
            "last_inbound_at",
            "last_message_at",
            "unread_count",
            "window_open",
            "window_expires_at",
        ]

    def get_window_open(self, obj) -> bool:
        from whatsapp.services.conversations import window_open

        return window_open(obj)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_window_expires_at(self, obj):
        from whatsapp.services.conversations import WINDOW

        return (obj.last_inbound_at + WINDOW).isoformat() if obj.last_inbound_at else None


class ConversationDetailOutput(ConversationOutput):
    messages = serializers.SerializerMethodField()

    class Meta(ConversationOutput.Meta):
        fields = [*ConversationOutput.Meta.fields, "messages"]

    @extend_schema_field(MessageOutput(many=True))
    def get_messages(self, obj) -> list:
        recent = list(obj.messages.order_by("-id")[:50])[::-1]
        return MessageOutput(recent, many=True).data


class BotRuleOutput(serializers.ModelSerializer):
    whatsapp_account_id = serializers.IntegerField(source="account_id")

    class Meta:
        model = BotRule
        fields = [
            "id",
            "whatsapp_account_id",
            "name",
            "match_type",
            "pattern",
            "language",
            "reply_type",
            "reply_text",
            "template_name",
            "template_language",
            "priority",
            "is_active",
            "created_at",
        ]


class OptOutOutput(serializers.ModelSerializer):
    class Meta:
        model = OptOut
        fields = ["id", "phone", "source", "keyword", "created_at"]
