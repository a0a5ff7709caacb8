"""Commerce API shapes. Money is integer minor units (`*_cents`) with `currency`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from commerce.models import ImportItem, Order, Product, ProductImport, Store, Supplier
from commerce.services.imports import MAX_URLS

IMPORT_SUPPLIERS = [Supplier.CJ, Supplier.DSERS, Supplier.ALIEXPRESS, Supplier.AMAZON]


class StoreOutput(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.CharField()
    domain = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.CharField(help_text=" | ".join(Store.Status.values))
    sync_status = serializers.CharField(help_text=" | ".join(Store.SyncStatus.values))
    sync_progress = serializers.JSONField()
    sync_error = serializers.CharField()
    last_synced_at = serializers.DateTimeField(allow_null=True)
    webhooks_registered = serializers.JSONField()
    delivery_preferences = serializers.JSONField()
    created_at = serializers.DateTimeField()


class VariantInput(serializers.Serializer):
    id = serializers.IntegerField(required=False, help_text="An existing variant's id to keep and update it.")
    title = serializers.CharField(max_length=255, required=False, allow_blank=True)
    sku = serializers.CharField(max_length=100, required=False, allow_blank=True)
    options = serializers.DictField(child=serializers.CharField(max_length=100), required=False)
    price_cents = serializers.IntegerField(min_value=0, max_value=10**9)
    compare_at_cents = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    cost_cents = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    stock = serializers.IntegerField(min_value=-(10**6), max_value=10**9, required=False)
    supplier_variant_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    weight_grams = serializers.IntegerField(min_value=0, max_value=10**7, required=False, allow_null=True)
    low_stock_threshold = serializers.IntegerField(min_value=0, max_value=10**6, required=False, allow_null=True)
    lead_time_days = serializers.IntegerField(min_value=0, max_value=365, required=False)

    def validate(self, attrs):
        compare = attrs.get("compare_at_cents")
        if compare is not None and compare < attrs["price_cents"]:
            raise serializers.ValidationError({"compare_at_cents": [_("Must not be below the price.")]})
        return attrs


class ProductInput(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    category = serializers.CharField(max_length=120, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False, max_length=50)
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    store_id = serializers.IntegerField(required=False, allow_null=True)
    variants = VariantInput(many=True, required=False, max_length=100)

    def validate_store_id(self, value):
        if value is None:
            return None
        store = Store.objects.filter(pk=value).first()
        if store is None:
            raise serializers.ValidationError(_("No such store in this workspace."))
        return store

    def validate(self, attrs):
        if "store_id" in attrs:
            attrs["store"] = attrs.pop("store_id")
        return attrs


class ProductVariantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    sku = serializers.CharField()
    options = serializers.JSONField()
    price_cents = serializers.IntegerField()
    compare_at_cents = serializers.IntegerField(allow_null=True)
    cost_cents = serializers.IntegerField(allow_null=True)
    stock = serializers.IntegerField()
    supplier_stock = serializers.IntegerField(allow_null=True)
    supplier_variant_id = serializers.CharField()
    weight_grams = serializers.IntegerField(allow_null=True)
    low_stock_threshold = serializers.IntegerField(allow_null=True)
    lead_time_days = serializers.IntegerField()
    external_id = serializers.CharField()


class ProductOutput(serializers.Serializer):
    id = serializers.IntegerField()
    store_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    tags = serializers.JSONField()
    status = serializers.CharField(help_text=" | ".join(Product.Status.values))
    currency = serializers.CharField()
    supplier = serializers.CharField()
    supplier_product_id = serializers.CharField()
    source_url = serializers.CharField()
    images = serializers.JSONField()
    external_id = serializers.CharField()
    pushed_at = serializers.DateTimeField(allow_null=True)
    variants = ProductVariantOutput(many=True, source="variants.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProductImportInput(serializers.Serializer):
    url = serializers.URLField(max_length=1000, required=False)
    urls = serializers.ListField(
        child=serializers.URLField(max_length=1000), required=False, min_length=1, max_length=MAX_URLS
    )
    supplier = serializers.ChoiceField(choices=[(s.value, s.label) for s in IMPORT_SUPPLIERS])
    supplier_product_id = serializers.CharField(max_length=100, required=False, allow_blank=False)
    import_to_store = serializers.BooleanField(required=False, default=False)
    category = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        entries = [{"url": url} for url in attrs.pop("urls", None) or []]
        if attrs.get("url"):
            entries.insert(0, {"url": attrs.pop("url")})
        pid = attrs.pop("supplier_product_id", "")
        if pid:
            if attrs["supplier"] != Supplier.CJ:
                raise serializers.ValidationError({"supplier_product_id": [_("Only for CJ Dropshipping.")]})
            if entries:
                entries[0]["supplier_product_id"] = pid
            else:
                entries.append({"url": "", "supplier_product_id": pid})
        if not entries:
            raise serializers.ValidationError({"url": [_("Give a url, a list of urls or a supplier_product_id.")]})
        if len(entries) > MAX_URLS:
            raise serializers.ValidationError({"urls": [_("At most %(n)d URLs at once.") % {"n": MAX_URLS}]})
        attrs["entries"] = entries
        return attrs


class ProductImportItemOutput(serializers.Serializer):
    position = serializers.IntegerField()
    url = serializers.CharField()
    supplier_product_id = serializers.CharField()
    status = serializers.CharField(help_text=" | ".join(ImportItem.Status.values))
    reason = serializers.CharField()
    detail = serializers.CharField()
    product_id = serializers.IntegerField(allow_null=True)


class ProductImportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text=" | ".join(ProductImport.Status.values))
    supplier = serializers.CharField()
    category = serializers.CharField()
    import_to_store = serializers.BooleanField()
    total = serializers.IntegerField()
    processed = serializers.IntegerField()
    imported = serializers.IntegerField()
    failed = serializers.IntegerField()
    progress = serializers.SerializerMethodField()
    credits_charged = serializers.IntegerField()
    credits_refunded = serializers.IntegerField()
    items = ProductImportItemOutput(many=True, source="items.all")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_progress(self, job) -> int:
        return int(job.processed * 100 / job.total) if job.total else 100


class OrderLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    variant_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    price_cents = serializers.IntegerField()
    cost_cents = serializers.IntegerField()


class OrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    store_id = serializers.IntegerField(allow_null=True)
    number = serializers.CharField()
    status = serializers.CharField(help_text=" | ".join(Order.Fulfillment.values))
    financial_status = serializers.CharField()
    currency = serializers.CharField()
    total_cents = serializers.IntegerField()
    shipping_cents = serializers.IntegerField()
    cost_cents = serializers.IntegerField()
    customer_name = serializers.CharField()
    customer_email = serializers.CharField()
    placed_at = serializers.DateTimeField(allow_null=True)
    supplier_order_id = serializers.CharField()
    supplier_status = serializers.CharField()
    tracking_number = serializers.CharField()
    tracking_company = serializers.CharField()
    fulfil_error = serializers.CharField()
    lines = OrderLineOutput(many=True, source="lines.all")


class DeliveryPreferencesInput(serializers.Serializer):
    logistic_names = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=20,
        default=list,
        help_text='CJ logistic names in order of preference, e.g. ["CJPacket Ordinary"].',
    )
    max_days = serializers.IntegerField(min_value=1, max_value=120, required=False, allow_null=True, default=None)
    fallback = serializers.ChoiceField(choices=["cheapest", "fastest", "none"], required=False, default="cheapest")


class FreightOptionOutput(serializers.Serializer):
    name = serializers.CharField()
    price_cents = serializers.IntegerField()
    currency = serializers.CharField()
    days = serializers.CharField()
    max_days = serializers.IntegerField(allow_null=True)


class FreightOutput(serializers.Serializer):
    product_id = serializers.IntegerField()
    country = serializers.CharField()
    provider = serializers.CharField()
    options = FreightOptionOutput(many=True)


class AlertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    variant_id = serializers.IntegerField()
    product_id = serializers.IntegerField(source="variant.product_id")
    sku = serializers.CharField(source="variant.sku")
    stock = serializers.IntegerField()
    threshold = serializers.IntegerField()
    current_stock = serializers.IntegerField(source="variant.stock")
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class ReorderOutput(serializers.Serializer):
    variant_id = serializers.IntegerField()
    sku = serializers.CharField()
    product = serializers.CharField()
    stock = serializers.IntegerField()
    lead_time_days = serializers.IntegerField()
    mean_daily = serializers.FloatField()
    std_daily = serializers.FloatField()
    service_level = serializers.FloatField()
    reorder_point = serializers.IntegerField()
    safety_stock = serializers.IntegerField()
    suggested_quantity = serializers.IntegerField()
    reorder_now = serializers.BooleanField()
    reasoning = serializers.CharField()


class ReorderListOutput(serializers.Serializer):
    results = ReorderOutput(many=True)


class ForecastDayOutput(serializers.Serializer):
    date = serializers.DateField()
    units = serializers.FloatField()
    low = serializers.FloatField()
    high = serializers.FloatField()


class ForecastOutput(serializers.Serializer):
    product_id = serializers.IntegerField()
    variant_id = serializers.IntegerField(allow_null=True)
    method = serializers.CharField(help_text="ets_weekly | weekly_profile | mean | no_history")
    history_days = serializers.IntegerField()
    smape = serializers.FloatField(allow_null=True, help_text="Backtest error over the last 28 days, in %.")
    interval = serializers.CharField(default="80%")
    computed_on = serializers.DateField(help_text="The day the forecast was computed (nightly, or now).")
    cached = serializers.BooleanField(help_text="Served from the stored forecast.")
    days = ForecastDayOutput(many=True)


class SalesRowOutput(serializers.Serializer):
    date = serializers.CharField(required=False)
    product_id = serializers.IntegerField(required=False, allow_null=True)
    product = serializers.CharField(required=False)
    currency = serializers.CharField()
    orders = serializers.IntegerField(required=False)
    units = serializers.IntegerField(required=False)
    revenue_cents = serializers.IntegerField()
    cost_cents = serializers.IntegerField()
    shipping_cents = serializers.IntegerField(required=False)
    fees_cents = serializers.IntegerField(required=False)
    gross_margin_cents = serializers.IntegerField()
    margin_percent = serializers.FloatField(allow_null=True)


class SalesOutput(serializers.Serializer):
    start = serializers.DateField(source="from_date")
    end = serializers.DateField(source="to_date")
    group = serializers.CharField()
    results = SalesRowOutput(many=True)


class CommissionOutput(serializers.Serializer):
    partner = serializers.CharField()
    currency = serializers.CharField()
    base_cents = serializers.IntegerField()
    commission_cents = serializers.IntegerField()
    rules = serializers.IntegerField()


class CommissionReportOutput(serializers.Serializer):
    start = serializers.DateField(source="from_date")
    end = serializers.DateField(source="to_date")
    results = CommissionOutput(many=True)


class CommissionRuleInput(serializers.Serializer):
    partner = serializers.CharField(max_length=120)
    basis = serializers.ChoiceField(choices=["revenue", "margin"], default="revenue")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    product_id = serializers.IntegerField(required=False, allow_null=True)
    store_id = serializers.IntegerField(required=False, allow_null=True)

    def validate_product_id(self, value):
        if value is not None and not Product.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("No such product in this workspace."))
        return value

    def validate_store_id(self, value):
        if value is not None and not Store.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("No such store in this workspace."))
        return value


class CommissionRuleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    partner = serializers.CharField()
    basis = serializers.CharField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    product_id = serializers.IntegerField(allow_null=True)
    store_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class SegmentPredictInput(serializers.Serializer):
    days = serializers.IntegerField(min_value=30, max_value=1095, default=365, help_text="Orders of the last N days.")
    save = serializers.ListField(
        child=serializers.ChoiceField(choices=["champions", "loyal", "at_risk", "hibernating", "new"]),
        default=list,
        max_length=5,
        help_text="Segments to save as CRM segments (their contacts tagged `rfm-<key>`).",
    )


class CustomerScoreOutput(serializers.Serializer):
    contact_id = serializers.IntegerField()
    recency_days = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue_cents = serializers.IntegerField()
    r = serializers.IntegerField()
    f = serializers.IntegerField()
    m = serializers.IntegerField()


class PredictedSegmentOutput(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    rule = serializers.CharField()
    count = serializers.IntegerField()
    sample = CustomerScoreOutput(many=True, help_text="Up to 10 members, highest revenue first.")


class SavedSegmentOutput(serializers.Serializer):
    key = serializers.CharField()
    segment_id = serializers.IntegerField()
    tag = serializers.CharField()
    contacts = serializers.IntegerField()


class SegmentPredictOutput(serializers.Serializer):
    days = serializers.IntegerField()
    customers = serializers.IntegerField()
    orders_without_contact = serializers.IntegerField()
    segments = PredictedSegmentOutput(many=True)
    saved = SavedSegmentOutput(many=True)


class PricingRuleInput(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["multiplier", "margin"])
    value = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0,
        help_text="multiplier: the factor (2.5 → cost × 2.5); margin: the amount added",
    )  # fmt: skip
    ending_cents = serializers.IntegerField(
        min_value=0, max_value=99, allow_null=True, default=99,
        help_text="Every price ends in these cents (99 → x.99); null keeps them",
    )  # fmt: skip

    def validate(self, attrs):
        if attrs["mode"] == "multiplier" and not 1 <= attrs["value"] <= 100:
            raise serializers.ValidationError({"value": [_("A multiplier from 1 to 100.")]})
        return attrs


class PricingRuleOutput(serializers.Serializer):
    mode = serializers.CharField()
    value = serializers.DecimalField(max_digits=10, decimal_places=2)
    ending_cents = serializers.IntegerField(allow_null=True)
    saved = serializers.BooleanField(help_text="False: no rule saved yet, the default applies.")
    example = serializers.DictField(help_text="`cost_cents` 1000 and the `price_cents` the rule gives it.")
