"""Journey API shapes. The definition (trigger, steps, goal) is validated by
`journeys.definition`, whose docstring lists every step type."""

from __future__ import annotations

from rest_framework import serializers

from journeys.models import Enrollment, Journey


class JourneyInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    trigger = serializers.JSONField(
        required=False,
        help_text=(
            '{"type": "segment_entered", "segment_id": n} | {"type": "form_submitted", "page"?} | '
            '{"type": "tag_added", "tag"} | {"type": "whatsapp_keyword", "keyword"} | {"type": "order_placed"} | '
            '{"type": "date_field", "field", "days_before"?}'
        ),
    )
    steps = serializers.JSONField(
        required=False,
        help_text=(
            "A list of steps: wait {minutes|hours|days}, wait_until {hour, minute?, weekday?}, "
            "send_email {subject, preheader?, body, sender_id, language?}, send_sms {body}, "
            "send_whatsapp_template {template, language, account_id?, components?}, add_tag/remove_tag {tag}, "
            "set_stage {stage}, branch {on: opened|clicked|replied, within?, then, else}, notify {message, user_id?}"
        ),
    )
    goal = serializers.JSONField(required=False, help_text='{} or {"tag": …} or {"stage": …}')
    status = serializers.ChoiceField(choices=Journey.Status.choices, required=False)


class JourneyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    trigger = serializers.JSONField()
    steps = serializers.JSONField()
    goal = serializers.JSONField()
    status = serializers.ChoiceField(choices=Journey.Status.choices)
    entered = serializers.IntegerField(source="count_entered")
    completed = serializers.IntegerField(source="count_completed")
    exited = serializers.IntegerField(source="count_exited")
    last_error = serializers.CharField()
    activated_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class JourneyStepStats(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    done = serializers.IntegerField()
    outcomes = serializers.DictField(child=serializers.IntegerField())
    waiting = serializers.IntegerField()
    messages = serializers.DictField(required=False)


class JourneyStatsOutput(serializers.Serializer):
    journey_id = serializers.IntegerField()
    status = serializers.CharField()
    entered = serializers.IntegerField()
    active = serializers.IntegerField()
    completed = serializers.IntegerField()
    exited = serializers.IntegerField()
    exit_reasons = serializers.DictField(child=serializers.IntegerField())
    steps = JourneyStepStats(many=True)


class EnrollmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    contact_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Enrollment.Status.choices)
    step_id = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    exit_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
