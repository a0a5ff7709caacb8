"""Campaign API shapes. Inputs document the request (the checks with field
paths are `campaigns.validation`); outputs render rows."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns import currencies
from campaigns.models import AdVariant, BudgetType, Campaign, Objective
from campaigns.validation import CALLS_TO_ACTION, COPY_LANGUAGES


class AudienceInput(serializers.Serializer):
    age_min = serializers.IntegerField(min_value=18, max_value=65, required=False, default=18)
    age_max = serializers.IntegerField(min_value=18, max_value=65, required=False, default=65)
    genders = serializers.ListField(
        child=serializers.ChoiceField(choices=["male", "female"]), required=False, help_text="Empty or both = all."
    )
    interests = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    countries = serializers.ListField(child=serializers.CharField(max_length=2), help_text="ISO 3166-1 alpha-2")
    languages = serializers.ListField(child=serializers.CharField(max_length=2), required=False, help_text="ISO 639-1")


class CreativeInput(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)
    image_url = serializers.URLField(required=False, allow_blank=True, help_text="https only")
    image_asset_id = serializers.IntegerField(required=False, help_text="An image of the media library.")
    call_to_action = serializers.ChoiceField(choices=CALLS_TO_ACTION, default="LEARN_MORE")
    destination_url = serializers.URLField(help_text="https only")


class BudgetInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=BudgetType.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Major units (19.99)")
    currency = serializers.ChoiceField(choices=sorted(currencies.SUPPORTED))


class CampaignInput(serializers.Serializer):
    campaign_name = serializers.CharField(max_length=200)
    objective = serializers.ChoiceField(choices=Objective.choices)
    target_audience = AudienceInput()
    ad_creative = CreativeInput()
    budget = BudgetInput()
    variants = serializers.IntegerField(min_value=1, max_value=5, default=3)
    end_time = serializers.DateTimeField(required=False, allow_null=True, help_text="Required for lifetime budgets.")
    auto_refresh = serializers.BooleanField(default=False)
    language = serializers.CharField(
        max_length=2,
        required=False,
        help_text="Copy language, one of " + ", ".join(COPY_LANGUAGES) + "; default: the audience's first language.",
    )


class CampaignPatchInput(CampaignInput):
    campaign_name = serializers.CharField(max_length=200, required=False)
    objective = serializers.ChoiceField(choices=Objective.choices, required=False)
    target_audience = AudienceInput(required=False)
    ad_creative = CreativeInput(required=False)
    budget = BudgetInput(required=False)
    variants = None


class VariantInput(serializers.Serializer):
    headline = serializers.CharField(max_length=255, required=False)
    primary_text = serializers.CharField(max_length=2000, required=False)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)
    call_to_action = serializers.ChoiceField(choices=CALLS_TO_ACTION, required=False)


class VariantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    position = serializers.IntegerField()
    headline = serializers.CharField()
    primary_text = serializers.CharField()
    description = serializers.CharField()
    call_to_action = serializers.CharField()
    status = serializers.ChoiceField(choices=AdVariant.Status.choices)
    refresh_round = serializers.IntegerField()
    external_ad_id = serializers.CharField()
    external_status = serializers.CharField()
    review_feedback = serializers.CharField()


class BudgetOutput(serializers.Serializer):
    type = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    minor_units = serializers.IntegerField(help_text="What Meta receives: amount × the currency's offset.")


class CampaignOutput(serializers.Serializer):
    id = serializers.IntegerField()
    campaign_name = serializers.CharField(source="name")
    objective = serializers.ChoiceField(choices=Objective.choices)
    status = serializers.ChoiceField(choices=Campaign.Status.choices)
    language = serializers.CharField()
    target_audience = serializers.JSONField()
    ad_creative = serializers.SerializerMethodField()
    budget = serializers.SerializerMethodField()
    end_time = serializers.DateTimeField(allow_null=True)
    auto_refresh = serializers.BooleanField()
    provider = serializers.CharField(help_text='"offline" or "meta" once launched')
    external_campaign_id = serializers.CharField()
    launch_error = serializers.CharField()
    unresolved_interests = serializers.SerializerMethodField(
        help_text="Interest names Meta's targeting search did not know; they were left out of the targeting."
    )
    launched_at = serializers.DateTimeField(allow_null=True)
    last_synced_at = serializers.DateTimeField(allow_null=True)
    copy_provider = serializers.CharField(help_text='"offline" when the copy came from the offline writer')
    credits_charged = serializers.IntegerField()
    variants = VariantOutput(many=True, source="variant_list")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_unresolved_interests(self, campaign: Campaign) -> list[str]:
        state = campaign.launch_state if isinstance(campaign.launch_state, dict) else {}
        return [str(name) for name in state.get("unresolved_interests") or []]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_ad_creative(self, campaign: Campaign) -> dict:
        return {**campaign.ad_creative, "image_asset_id": campaign.image_asset_id}

    @extend_schema_field(BudgetOutput)
    def get_budget(self, campaign: Campaign) -> dict:
        return BudgetOutput(
            {
                "type": campaign.budget_type,
                "amount": campaign.budget_amount,
                "currency": campaign.currency,
                "minor_units": currencies.to_minor(campaign.budget_amount, campaign.currency),
            }
        ).data


class InsightRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    report_run_id = serializers.CharField()
    since = serializers.DateField()
    until = serializers.DateField()
    status = serializers.ChoiceField(choices=["running", "completed", "failed", "skipped", "expired"])
    provider_status = serializers.CharField(help_text="The provider's own word, e.g. Meta's “Job Running”.")
    percent = serializers.IntegerField()
    rows = serializers.IntegerField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class SyncOutput(serializers.Serializer):
    rows = serializers.IntegerField()
    last_synced_at = serializers.DateTimeField(allow_null=True)
    run = InsightRunOutput(allow_null=True)


class InsightRowOutput(serializers.Serializer):
    date = serializers.DateField(required=False)
    variant_id = serializers.IntegerField(required=False)
    label = serializers.CharField(required=False)
    ad_id = serializers.CharField(required=False)
    impressions = serializers.IntegerField()
    reach = serializers.IntegerField()
    clicks = serializers.IntegerField()
    spend = serializers.CharField()
    conversions = serializers.IntegerField()
    conversion_value = serializers.CharField()
    ctr = serializers.CharField(allow_null=True, help_text="Percent")
    cpc = serializers.CharField(allow_null=True)
    cpm = serializers.CharField(allow_null=True)
    roas = serializers.CharField(allow_null=True)


class InsightsOutput(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    currency = serializers.CharField()
    level = serializers.CharField()
    provider = serializers.CharField()
    totals = InsightRowOutput()
    rows = InsightRowOutput(many=True)


class MetricRowOutput(InsightRowOutput):
    campaign_id = serializers.IntegerField()
    campaign_name = serializers.CharField()
    currency = serializers.CharField()


class MetricsOutput(serializers.Serializer):
    totals = serializers.DictField(child=InsightRowOutput(), help_text="Per currency")
    rows = MetricRowOutput(many=True)


class ProviderOutput(serializers.Serializer):
    provider = serializers.CharField(help_text='"offline" or "meta"')
    offline = serializers.BooleanField()
    ready = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    ad_account_id = serializers.CharField(allow_blank=True)
    page_id = serializers.CharField(allow_blank=True)
    currency = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class AbVariantOutput(serializers.Serializer):
    variant_id = serializers.IntegerField()
    label = serializers.CharField()
    headline = serializers.CharField()
    status = serializers.CharField()
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    ctr = serializers.FloatField()
    ctr_interval = serializers.ListField(child=serializers.FloatField())
    conversion_rate = serializers.FloatField()
    conversion_rate_interval = serializers.ListField(child=serializers.FloatField())
    sample = serializers.IntegerField()
    enough_sample = serializers.BooleanField()


class AbComparisonOutput(serializers.Serializer):
    variant_id = serializers.IntegerField()
    label = serializers.CharField()
    z = serializers.FloatField()
    p_value = serializers.FloatField()


class AbTestOutput(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    metric = serializers.CharField()
    test = serializers.DictField()
    variants = AbVariantOutput(many=True)
    comparisons = AbComparisonOutput(many=True)
    leader = serializers.IntegerField(allow_null=True)
    leader_label = serializers.CharField(allow_null=True)
    p_value = serializers.FloatField()
    significant = serializers.BooleanField()
    enough_sample = serializers.BooleanField()
    offline = serializers.BooleanField()
    concluded = serializers.BooleanField()
    winner = serializers.IntegerField(allow_null=True)


class ConcludeInput(serializers.Serializer):
    winner = serializers.IntegerField(required=False, help_text="A variant id; default: the significant leader.")
    metric = serializers.CharField(required=False, help_text='"ctr" (default) or "conversion_rate"')


class SocialPostInput(serializers.Serializer):
    platform = serializers.CharField(help_text='"facebook" or "instagram"')
    text = serializers.CharField(required=False, allow_blank=True, max_length=2200)
    media_url = serializers.URLField(required=False, allow_blank=True, help_text="https; required on Instagram")
    link = serializers.URLField(required=False, allow_blank=True)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Empty or past: now.")
    ai_caption = serializers.DictField(
        required=False, help_text='{"brief": "…", "language": "es"}: an AI caption (`content`, 5 credits).'
    )


class SocialPostOutput(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.CharField()
    text = serializers.CharField()
    media_url = serializers.CharField()
    link = serializers.CharField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField(help_text="scheduled | publishing | published | failed")
    provider = serializers.CharField()
    external_id = serializers.CharField()
    error = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    caption_generated = serializers.BooleanField()
    credits_charged = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class InspirationInput(serializers.Serializer):
    product = serializers.CharField(max_length=500)
    audience = serializers.CharField(max_length=500)
    language = serializers.CharField(required=False, help_text="en, es, pt, ar or he")
    count = serializers.IntegerField(required=False, min_value=1, max_value=10, default=5)


class PlanInput(serializers.Serializer):
    product = serializers.CharField(max_length=500)
    audience = serializers.CharField(max_length=500)
    budget = serializers.DictField(help_text='{"amount": "600.00", "currency": "EUR"}')
    weeks = serializers.IntegerField(required=False, min_value=1, max_value=12, default=4)
    channels = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="facebook, instagram, email, whatsapp"
    )
    language = serializers.CharField(required=False)


class PlanApplyInput(serializers.Serializer):
    start_date = serializers.DateField()
    destination_url = serializers.URLField()
    countries = serializers.ListField(child=serializers.CharField(max_length=2))
    items = serializers.ListField(
        child=serializers.CharField(), required=False, help_text='Item ids ("w1-0"); default all.'
    )


class PlanApplyOutput(serializers.Serializer):
    posts = serializers.ListField(child=serializers.IntegerField())
    campaigns = serializers.ListField(child=serializers.IntegerField())


class CampaignGenerationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    language = serializers.CharField()
    request = serializers.JSONField()
    result = serializers.JSONField()
    provider = serializers.CharField()
    credits_charged = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class RefreshReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    week = serializers.CharField()
    outcome = serializers.CharField(help_text="refreshed | healthy | failed")
    fatigued = serializers.JSONField()
    new_variants = serializers.JSONField()
    detail = serializers.CharField()
    credits_charged = serializers.IntegerField()
    created_at = serializers.DateTimeField()
