"""Content API serializers: `…Input` validates a request body, `…Output`
renders a row. No business logic here — services do the work."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from content.models import (
    LANGUAGE_CHOICES,
    ContentType,
    Generation,
    Goal,
    IdeaBatch,
    LandingPage,
    LandingPageSubmission,
    Length,
    Theme,
    Tone,
)
from content.services import MAX_PROMPT, MAX_TEXT

# --- generations -------------------------------------------------------------------------


class GenerateInput(serializers.Serializer):
    prompt = serializers.CharField(max_length=MAX_PROMPT, trim_whitespace=True)
    type = serializers.ChoiceField(choices=ContentType.choices)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    tone = serializers.ChoiceField(choices=Tone.choices, default=Tone.PROFESSIONAL)
    length = serializers.ChoiceField(choices=Length.choices, default=Length.MEDIUM)


class GenerationUpdateInput(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT, trim_whitespace=True)


class TokenUsageOutput(serializers.Serializer):
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()


class GenerationOutput(serializers.ModelSerializer):
    usage = serializers.SerializerMethodField()

    class Meta:
        model = Generation
        fields = [
            "id", "text", "type", "language", "tone", "length", "provider", "credits_charged", "created_at",
            "prompt", "model", "usage", "edited_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_usage(self, obj) -> TokenUsageOutput:
        return {"prompt_tokens": obj.prompt_tokens, "completion_tokens": obj.completion_tokens}


# --- ideas -------------------------------------------------------------------------------


class IdeasInput(serializers.Serializer):
    niche = serializers.CharField(max_length=200, trim_whitespace=True)
    budget = serializers.IntegerField(
        min_value=0, max_value=10**9, required=False, allow_null=True, help_text=_("Budget in US dollars.")
    )
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)


class StartupCostOutput(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    currency = serializers.CharField()


class IdeaOutput(serializers.Serializer):
    title = serializers.CharField()
    summary = serializers.CharField()
    audience = serializers.CharField()
    first_steps = serializers.ListField(child=serializers.CharField())
    estimated_startup_cost = StartupCostOutput()


class IdeaBatchOutput(serializers.ModelSerializer):
    ideas = IdeaOutput(many=True)

    class Meta:
        model = IdeaBatch
        fields = ["id", "niche", "budget", "language", "ideas", "provider", "model", "credits_charged", "created_at"]
        read_only_fields = fields


# --- magic pages ----------------------------------------------------------------------------


class LandingPageCreateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000)
    target_audience = serializers.CharField(max_length=300)
    goal = serializers.ChoiceField(choices=Goal.choices)
    industry = serializers.CharField(max_length=120)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    theme = serializers.ChoiceField(choices=Theme.choices, default=Theme.MODERN)


class LandingPageUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=2000, required=False)
    target_audience = serializers.CharField(max_length=300, required=False)
    goal = serializers.ChoiceField(choices=Goal.choices, required=False)
    industry = serializers.CharField(max_length=120, required=False)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)
    sections = serializers.DictField(
        required=False,
        help_text=_(
            "Sections to replace (hero, benefits, social_proof, faq, cta, form); the others stay. "
            "The whole page is validated."
        ),
    )


class LandingPageOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Public address while published."))
    # A plain string in the schema: an enum named "status" would collide with other apps' "status" enums.
    status = serializers.CharField(read_only=True, help_text="draft | published")
    conversion_rate = serializers.FloatField(read_only=True)
    has_hero_image = serializers.SerializerMethodField()

    class Meta:
        model = LandingPage
        fields = [
            "id", "title", "description", "target_audience", "goal", "industry", "language", "theme", "sections",
            "status", "slug", "url", "published_at", "views", "conversions", "conversion_rate", "has_hero_image",
            "provider", "model", "credits_charged", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, obj) -> str | None:
        if not obj.is_published:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(obj.public_path) if request else obj.public_path

    def get_has_hero_image(self, obj) -> bool:
        return bool(obj.hero_image)


class PublishOutput(serializers.Serializer):
    url = serializers.CharField(allow_null=True)
    status = serializers.CharField()


class LandingPageStatsOutput(serializers.Serializer):
    views = serializers.IntegerField()
    conversions = serializers.IntegerField()
    conversion_rate = serializers.FloatField(help_text=_("Conversions per view, 0 to 1."))
    submissions = serializers.IntegerField()
    last_submission_at = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


class SubmissionOutput(serializers.ModelSerializer):
    class Meta:
        model = LandingPageSubmission
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "message",
            "language",
            "email_opt_in",
            "whatsapp_opt_in",
            "crm_contact_id",
            "created_at",
        ]
        read_only_fields = fields
