"""CRM API shapes: `*Input` validates types and sizes (domain rules live in
`crm.services`), `*Output` renders. No business logic here."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.models import SYSTEM_ACTIVITY_TYPES, ActivityType, CustomFieldType, Stage
from nexusone.api.fastoutput import FastListSerializer

LANGUAGE_CHOICES = [("", "—"), *settings.LANGUAGES]
USER_ACTIVITY_TYPES = [(value, label) for value, label in ActivityType.choices if value not in SYSTEM_ACTIVITY_TYPES]


# --- contacts ------------------------------------------------------------------------------------


class ContactInput(serializers.Serializer):
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), max_length=50, required=False)
    custom_fields = serializers.DictField(required=False)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False, allow_blank=True)
    source = serializers.CharField(max_length=50, required=False, allow_blank=True)
    email_opt_in = serializers.BooleanField(required=False)
    whatsapp_opt_in = serializers.BooleanField(required=False)
    sms_opt_in = serializers.BooleanField(required=False)
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True)

    def validate(self, attrs):
        if not self.partial and not any(attrs.get(name) for name in ("first_name", "last_name", "email", "phone")):
            raise serializers.ValidationError(_("Give at least a name, an e-mail address or a phone number."))
        return attrs


class ContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    full_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    company = serializers.CharField()
    stage = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    custom_fields = serializers.DictField()
    language = serializers.CharField()
    source = serializers.CharField()
    email_opt_in = serializers.BooleanField()
    whatsapp_opt_in = serializers.BooleanField()
    sms_opt_in = serializers.BooleanField()
    timezone = serializers.CharField()
    engagement_score = serializers.IntegerField()
    last_activity_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        list_serializer_class = FastListSerializer  # lists of up to 100 contacts: see nexusone.api.fastoutput


class MergeInput(serializers.Serializer):
    other_id = serializers.IntegerField(min_value=1, help_text=_("The contact merged into this one (then deleted)."))


class BulkInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000)
    add_tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)
    remove_tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False, allow_blank=True)


class BulkOutput(serializers.Serializer):
    updated = serializers.IntegerField()


# --- activities ----------------------------------------------------------------------------------


class ActivityInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=USER_ACTIVITY_TYPES)
    payload = serializers.DictField(required=False, default=dict)
    occurred_at = serializers.DateTimeField(required=False)


class ActivityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    contact_id = serializers.IntegerField()
    type = serializers.CharField()
    payload = serializers.DictField()
    occurred_at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_actor(self, activity) -> dict | None:
        if activity.actor_id is None:
            return None
        return {"id": activity.actor_id, "name": activity.actor.name if activity.actor else ""}


# --- custom fields -----------------------------------------------------------------------------------


class CustomFieldInput(serializers.Serializer):
    key = serializers.CharField(max_length=50)
    label = serializers.CharField(max_length=100)
    type = serializers.ChoiceField(choices=CustomFieldType.choices, default=CustomFieldType.TEXT)
    choices = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    position = serializers.IntegerField(min_value=0, required=False, default=0)


class CustomFieldUpdateInput(serializers.Serializer):
    label = serializers.CharField(max_length=100)
    choices = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    position = serializers.IntegerField(min_value=0, required=False)


class CustomFieldOutput(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    position = serializers.IntegerField()


# --- segments ----------------------------------------------------------------------------------------


class SegmentInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    definition = serializers.JSONField(
        required=False,
        default=dict,
        help_text=_(
            "Filter: tags_any, tags_all, tags_none, stages, languages, sources, score_min, score_max, "
            "email_opt_in, whatsapp_opt_in, last_activity_within_days, inactive_for_days, created_within_days, "
            "custom [{field, op, value}]."
        ),
    )


class SegmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    definition = serializers.DictField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SegmentPreviewOutput(serializers.Serializer):
    count = serializers.IntegerField()
    results = ContactOutput(many=True)


# --- imports -----------------------------------------------------------------------------------------


class ImportInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text=_("CSV with a header row; UTF-8; , or ; separated."))
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_('JSON object: CSV column → contact field, e.g. {"E-mail": "email", "Plan": "custom:plan"}.'),
    )
    keep_on_refusal = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "When the credits do not suffice, keep the upload as a draft (the 402 names it in details.import_id) "
            "to start it after a top-up with POST /crm/imports/{id}/start, without sending the file again."
        ),
    )

    def validate_mapping(self, value):
        if not value:
            return None
        try:
            mapping = json.loads(value)
        except ValueError:
            raise serializers.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(mapping, dict):
            raise serializers.ValidationError(_("Expected a JSON object."))
        return mapping


class ImportAcceptedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class ImportErrorOutput(serializers.Serializer):
    line = serializers.IntegerField()
    reason = serializers.CharField(source="reason_label")


class ImportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    file_name = serializers.CharField()
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    merged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    new_contacts = serializers.IntegerField()
    credits_charged = serializers.IntegerField()
    progress = serializers.IntegerField(source="progress_percent")
    error_code = serializers.CharField()
    error_message = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class ImportDetailOutput(ImportOutput):
    columns = serializers.ListField(child=serializers.CharField())
    mapping = serializers.DictField()
    errors = ImportErrorOutput(many=True, help_text=_("The first rejected lines; all of them at …/errors."))
    errors_truncated = serializers.BooleanField()
