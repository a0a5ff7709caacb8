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
    launched_at = serializers.DateTimeField(allow_null=True)
    last_synced_at = serializers.DateTimeField(allow_null=True)
    copy_provider = serializers.CharField(help_text='"offline" when the copy came from the offline writer')
    credits_charged = serializers.IntegerField()
    variants = VariantOutput(many=True, source="variant_list")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

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
