"""Billing API shapes: separate input and output serializers."""

from __future__ import annotations

from rest_framework import serializers

from billing.models import LedgerEntry, Plan
from billing.money import format_price
from nexusone.api.fastoutput import FastListSerializer


class PlanQuotasOutput(serializers.Serializer):
    videos_per_month = serializers.IntegerField(allow_null=True, help_text="null = unlimited")
    landing_pages = serializers.IntegerField(allow_null=True, help_text="null = unlimited")
    whatsapp_numbers = serializers.IntegerField(allow_null=True, help_text="null = unlimited")
    api_requests_per_minute = serializers.IntegerField()


class PlanOutput(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    price_display = serializers.SerializerMethodField()
    currency = serializers.CharField()
    credits = serializers.IntegerField(source="monthly_credits")
    quotas = PlanQuotasOutput(source="*")
    features = serializers.ListField(child=serializers.CharField())
    is_current = serializers.SerializerMethodField()

    def get_price_display(self, plan: Plan) -> str:
        return format_price(plan.price, plan.currency)

    def get_is_current(self, plan: Plan) -> bool:
        return plan.pk == self.context.get("current_plan_id")


class LedgerEntryOutput(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        list_serializer_class = FastListSerializer  # every credits call renders a page of these
        fields = [
            "id",
            "kind",
            "amount",
            "plan_amount",
            "purchased_amount",
            "balance_after",
            "module",
            "reference",
            "user_id",
            "created_at",
        ]


class CreditsOutput(serializers.Serializer):
    balance = serializers.IntegerField()
    plan_credits = serializers.IntegerField()
    purchased_credits = serializers.IntegerField()
    plan = serializers.CharField()
    status = serializers.CharField()
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    grace_period_end = serializers.DateTimeField(allow_null=True)
    next = serializers.URLField(allow_null=True, help_text="Older transactions (cursor).")
    previous = serializers.URLField(allow_null=True)
    transactions = LedgerEntryOutput(many=True, help_text="Newest first.")


class CheckoutInput(serializers.Serializer):
    plan = serializers.SlugField(max_length=32)


class TopupInput(serializers.Serializer):
    pack = serializers.SlugField(max_length=32)


class UrlOutput(serializers.Serializer):
    url = serializers.URLField()


class BillingErrorDetail(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class BillingErrorOutput(serializers.Serializer):
    error = BillingErrorDetail()
