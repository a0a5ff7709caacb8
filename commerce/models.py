"""Commerce data: stores, the product catalogue (products → variants →
per-location inventory), orders and their lines, and product imports.

Invariants:
- Money is kept in integer minor units (`*_cents`) with the currency beside it.
- A store is one per (workspace, platform, domain); its rows carry the
  platform's ids (`external_id`, Shopify `gid://…`), unique per store, so a
  second sync or a replayed webhook updates instead of duplicating.
- `external_updated_at` is the platform's `updatedAt` we hold: an update that
  is not newer is ignored (webhooks arrive out of order).
- A product has a `stable_key` (uuid) that never changes: the push to the
  store is keyed by it (`productSet` with a custom identifier), so a second
  push updates the same product.
- An import charges `product_scraper` once per product actually imported:
  reserved for every URL up front, each failed URL given back once
  (`charge_refund_units` keyed by the item), the rest committed at the end.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned, WorkspaceScopedManager


class Platform(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"


class Supplier(models.TextChoices):
    CJ = "cj_dropshipping", "CJ Dropshipping"
    DSERS = "dsers", "DSers"
    ALIEXPRESS = "aliexpress", "AliExpress"
    AMAZON = "amazon", "Amazon"
    MANUAL = "manual", _("Manual")
    STORE = "store", _("From the store")


class Store(WorkspaceOwned):
    class Status(models.TextChoices):
        CONNECTED = "connected", _("Connected")
        DISCONNECTED = "disconnected", _("Disconnected")

    class SyncStatus(models.TextChoices):
        IDLE = "idle", _("Not synced yet")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Syncing")
        DONE = "done", _("Synced")
        FAILED = "failed", _("Failed")

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices, default=Platform.SHOPIFY)
    domain = models.CharField(_("shop domain"), max_length=255)
    name = models.CharField(_("store name"), max_length=255, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CONNECTED)
    sync_status = models.CharField(_("sync status"), max_length=10, choices=SyncStatus.choices, default=SyncStatus.IDLE)
    # {"phase": "products", "products": n, "orders": n, "customers": n, "locations": n}
    sync_progress = models.JSONField(_("sync progress"), default=dict, blank=True)
    sync_error = models.CharField(_("sync error"), max_length=500, blank=True)
    last_synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)
    # The newest `updatedAt` seen per resource: the next incremental sync asks from there.
    sync_marks = models.JSONField(default=dict, blank=True, editable=False)
    webhooks_registered = models.JSONField(_("webhook topics"), default=list, blank=True)
    # {"logistic_names": ["CJPacket Ordinary"], "max_days": 12, "fallback": "cheapest" | "fastest" | "none"}
    delivery_preferences = models.JSONField(_("delivery preferences"), default=dict, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=("workspace", "platform", "domain"), name="commerce_store_unique_domain")
        ]

    def __str__(self) -> str:
        return self.name or self.domain


class PricingRule(WorkspaceOwned):
    """How a sell price follows from the supplier cost (one per workspace)."""

    class Mode(models.TextChoices):
        MULTIPLIER = "multiplier", _("Multiply the cost")
        MARGIN = "margin", _("Add a fixed margin")

    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.MULTIPLIER)
    # multiplier: "2.5" (× cost); margin: "10.00" (cost + 10 in the currency)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2, default=2)
    # the cents every price ends with (99 → x.99; None keeps the computed cents)
    ending_cents = models.PositiveSmallIntegerField(_("price ending"), null=True, blank=True, default=99)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("workspace",), name="commerce_pricing_one_per_workspace")]


class Product(WorkspaceOwned):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DRAFT = "draft", _("Draft")
        ARCHIVED = "archived", _("Archived")

    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="products")
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=120, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    supplier = models.CharField(_("supplier"), max_length=20, choices=Supplier.choices, default=Supplier.MANUAL)
    supplier_product_id = models.CharField(_("supplier product id"), max_length=100, blank=True)
    source_url = models.URLField(_("source page"), max_length=1000, blank=True)
    # [{"url": "...", "asset_id": n, "alt": "..."}] — files kept in the generated-content bucket
    images = models.JSONField(_("images"), default=list, blank=True)
    stable_key = models.UUIDField(default=uuid.uuid4, editable=False)
    external_id = models.CharField(max_length=100, blank=True)  # gid://shopify/Product/…
    handle = models.CharField(max_length=255, blank=True)
    external_updated_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(_("pushed"), null=True, blank=True)
    push_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("workspace", "created_at", "id"), name="commerce_product_keyset")]
        constraints = [
            models.UniqueConstraint(
                fields=("store", "external_id"),
                condition=~Q(external_id=""),
                name="commerce_product_unique_external",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Variant(WorkspaceOwned):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    title = models.CharField(_("title"), max_length=255, blank=True)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)  # {"Color": "Red", "Size": "M"}
    price_cents = models.PositiveIntegerField(_("price"), default=0)
    compare_at_cents = models.PositiveIntegerField(_("compare-at price"), null=True, blank=True)
    cost_cents = models.PositiveIntegerField(_("cost"), null=True, blank=True)
    stock = models.IntegerField(_("stock"), default=0)
    supplier_stock = models.IntegerField(_("supplier stock"), null=True, blank=True)
    # When CJ was last asked for `supplier_stock` (the beat asks the oldest first).
    supplier_stock_checked_at = models.DateTimeField(_("supplier stock checked"), null=True, blank=True)
    supplier_variant_id = models.CharField(_("supplier variant id"), max_length=100, blank=True)  # CJ vid
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), null=True, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(_("supplier lead time (days)"), default=10)
    position = models.PositiveSmallIntegerField(default=0)
    external_id = models.CharField(max_length=100, blank=True)  # gid://shopify/ProductVariant/…
    inventory_item_id = models.CharField(max_length=100, blank=True)  # gid://shopify/InventoryItem/…

    class Meta:
        ordering = ("position", "id")
        indexes = [models.Index(fields=("workspace", "external_id"), name="commerce_variant_external")]

    def __str__(self) -> str:
        return self.sku or self.title or f"#{self.pk}"


class InventoryLevel(WorkspaceOwned):
    """A variant's available quantity at one store location."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="levels")
    location_id = models.CharField(max_length=100)
    location_name = models.CharField(_("location"), max_length=255, blank=True)
    available = models.IntegerField(_("available"), default=0)
    external_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("variant", "location_id"), name="commerce_level_unique_location")
        ]


class Order(WorkspaceOwned):
    class Fulfillment(models.TextChoices):
        UNFULFILLED = "unfulfilled", _("Unfulfilled")
        PLACED = "placed", _("Ordered from the supplier")
        SHIPPED = "shipped", _("Shipped")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders")
    external_id = models.CharField(max_length=100, blank=True)  # gid://shopify/Order/…
    number = models.CharField(_("order"), max_length=50, blank=True)  # "#1001"
    financial_status = models.CharField(_("payment"), max_length=30, blank=True)
    status = models.CharField(
        _("fulfilment"), max_length=12, choices=Fulfillment.choices, default=Fulfillment.UNFULFILLED
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    total_cents = models.IntegerField(_("total"), default=0)
    shipping_cents = models.IntegerField(_("shipping"), default=0)
    fees_cents = models.IntegerField(_("fees"), default=0)
    cost_cents = models.IntegerField(_("product cost"), default=0)
    supplier_shipping_cents = models.IntegerField(_("supplier shipping"), default=0)
    customer_external_id = models.CharField(max_length=100, blank=True)
    customer_email = models.EmailField(_("customer e-mail"), blank=True)
    customer_name = models.CharField(_("customer"), max_length=255, blank=True)
    # {"name","address1","address2","city","province","province_code","zip","country","country_code","phone"}
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    contact = models.ForeignKey("crm.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    placed_at = models.DateTimeField(_("placed"), null=True, blank=True)
    external_updated_at = models.DateTimeField(null=True, blank=True)
    supplier_order_id = models.CharField(_("supplier order"), max_length=100, blank=True)
    supplier_status = models.CharField(_("supplier status"), max_length=30, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    tracking_company = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_written_at = models.DateTimeField(null=True, blank=True)
    fulfil_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-placed_at", "-id")
        indexes = [models.Index(fields=("workspace", "placed_at", "id"), name="commerce_order_keyset")]
        constraints = [
            models.UniqueConstraint(
                fields=("store", "external_id"), condition=~Q(external_id=""), name="commerce_order_unique_external"
            )
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class OrderLine(WorkspaceOwned):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    external_id = models.CharField(max_length=100, blank=True)
    title = models.CharField(_("product"), max_length=255, blank=True)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    price_cents = models.IntegerField(_("unit price"), default=0)
    cost_cents = models.IntegerField(_("unit cost"), default=0)

    class Meta:
        ordering = ("id",)


class ProductImport(WorkspaceOwned):
    """One import request: one or many supplier URLs, run in a task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    supplier = models.CharField(_("supplier"), max_length=20, choices=Supplier.choices)
    category = models.CharField(_("category"), max_length=120, blank=True)
    import_to_store = models.BooleanField(_("push to the store"), default=False)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    charge_id = models.UUIDField(null=True, blank=True, editable=False)
    credits_charged = models.PositiveIntegerField(default=0)
    credits_refunded = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    request_key = models.CharField(max_length=255, blank=True, editable=False)  # the client's Idempotency-Key
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("workspace", "request_key"), condition=~Q(request_key=""), name="commerce_import_request_key"
            )
        ]


class ImportItem(WorkspaceOwned):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    job = models.ForeignKey(ProductImport, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    url = models.URLField(max_length=1000, blank=True)
    supplier_product_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=50, blank=True)  # no_product_found, url_not_allowed, …
    detail = models.CharField(max_length=300, blank=True)
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ("position", "id")
        constraints = [models.UniqueConstraint(fields=("job", "position"), name="commerce_import_item_position")]


class InventoryAlert(WorkspaceOwned):
    """A variant's stock fell to its low-stock threshold: one open alert per
    crossing (resolved when the stock is back above it)."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="alerts")
    stock = models.IntegerField(_("stock"))
    threshold = models.PositiveIntegerField(_("low-stock threshold"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("variant",), condition=Q(resolved_at__isnull=True), name="commerce_alert_one_open"
            )
        ]


class ShopifyEvent(models.Model):
    """One Shopify webhook delivery, stored once per event (and store) before it
    is processed — the inbound outbox. Not workspace-owned: it is stored before
    (and even without) a matching store; `workspace` comes from the shop domain."""

    event_id = models.CharField(max_length=100)
    webhook_id = models.CharField(max_length=100, blank=True, db_index=True)
    topic = models.CharField(max_length=64)
    shop = models.CharField(max_length=255)
    workspace = models.ForeignKey(
        "accounts.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField()
    triggered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=64, blank=True)

    # The webhook edge works across workspaces through `unscoped`; processing reads inside a scope.
    objects = WorkspaceScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=("event_id", "store"), name="commerce_shopify_event_once"),
            models.UniqueConstraint(
                fields=("event_id",), condition=Q(store__isnull=True), name="commerce_shopify_event_once_unrouted"
            ),
        ]
        indexes = [
            models.Index(fields=("received_at",), condition=Q(processed_at__isnull=True), name="commerce_event_pending")
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.event_id}"


class CommissionRule(WorkspaceOwned):
    """A partner's commission: a percentage of revenue or of gross margin, on one
    product or on the whole store (seed 003 `commission-calculator`)."""

    class Basis(models.TextChoices):
        REVENUE = "revenue", _("Revenue")
        MARGIN = "margin", _("Gross margin")

    partner = models.CharField(_("partner"), max_length=120)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices, default=Basis.REVENUE)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ("partner", "id")


class DemandForecast(WorkspaceOwned):
    """A cached forecast of one variant (`variant:<id>`) or one product's variants
    together (`product:<id>`): written nightly and on demand, read by the API and
    the product page while it is fresh (see commerce.services.forecasts)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    key = models.CharField(max_length=40)
    method = models.CharField(_("method"), max_length=20)
    history_days = models.PositiveIntegerField(default=0)
    smape = models.FloatField(null=True, blank=True)
    days = models.JSONField(default=list)  # [{"date", "units", "low", "high"}], FORECAST_DAYS long
    computed_on = models.DateField(_("computed on"))

    class Meta:
        ordering = ("key",)
        constraints = [models.UniqueConstraint(fields=("workspace", "key"), name="commerce_forecast_one_per_key")]
