"""Billing data: plans, module costs, credit packs (global catalogue), and per
workspace the billing account, the append-only credit ledger and the charges
made through the charge door (`billing.charging`), plus the Stripe events
received by the webhook.

Invariants (enforced by the database, not by Python reads):
- `BillingAccount.plan_credits >= 0` and `purchased_credits >= 0` (CHECK).
- Every change of those two numbers writes exactly one `LedgerEntry` whose
  `plan_amount` / `purchased_amount` are the deltas, so the balance always
  equals the ledger's sum.
- `LedgerEntry.idempotency_key` is unique per workspace (one grant per
  invoice, one purchase per Checkout Session, one debit per charge key, one
  partial refund per charge and unit key) and a debit is reversed by at most
  one full refund (`reverses` unique); partial refunds never exceed their
  charge (`Charge` CHECK).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned


class Plan(models.Model):
    """A subscription plan. Quotas left empty mean "unlimited"."""

    key = models.SlugField(_("key"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price per month"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    monthly_credits = models.PositiveIntegerField(_("credits per month"))
    videos_per_month = models.PositiveIntegerField(_("videos per month"), null=True, blank=True)
    landing_pages = models.PositiveIntegerField(_("landing pages"), null=True, blank=True)
    whatsapp_numbers = models.PositiveIntegerField(_("WhatsApp numbers"), null=True, blank=True)
    api_requests_per_minute = models.PositiveIntegerField(_("API requests per minute"))
    daily_credit_cap = models.PositiveIntegerField(
        _("credits per day"),
        null=True,
        blank=True,
        help_text=_("Most credits a workspace on this plan may spend per UTC day (a spend guard); empty = no cap."),
    )
    features = models.JSONField(
        _("features"), default=list, blank=True, help_text=_("Feature keys this plan includes.")
    )
    is_default = models.BooleanField(
        _("default plan"), default=False, help_text=_("The free plan every workspace starts on and falls back to.")
    )
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveIntegerField(default=0)
    # The Stripe price's id (`price_…`; NULL = not linked): a plain column, not a foreign key to
    # dj-stripe's Price, so the web process runs without dj-stripe (docs/architecture.md "Cold start").
    stripe_price_id = models.CharField(
        max_length=255,
        null=True,
        blank=True,
        help_text=_("Recurring monthly Stripe price (manage.py billing_sync_stripe sets it)."),
    )

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="billing_one_default_plan"
            ),
        ]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name or self.key

    def quota(self, kind: str) -> int | None:
        return getattr(self, kind)


class ModuleCost(models.Model):
    """Credits one unit of a module's action costs; read at charge time."""

    module = models.SlugField(_("module key"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=80)
    description = models.CharField(_("what is charged"), max_length=255, blank=True)
    credits = models.PositiveIntegerField(_("credits"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["module"]
        verbose_name = _("module cost")
        verbose_name_plural = _("module costs")

    def __str__(self) -> str:
        return f"{self.module}: {self.credits}"


class CreditPack(models.Model):
    """A one-off top-up of purchased (non-expiring) credits."""

    key = models.SlugField(_("key"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    credits = models.PositiveIntegerField(_("credits"))
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveIntegerField(default=0)
    stripe_price_id = models.CharField(max_length=255, null=True, blank=True)  # as Plan's

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("credit pack")
        verbose_name_plural = _("credit packs")

    def __str__(self) -> str:
        return self.name or self.key


class BillingAccount(WorkspaceOwned):
    """A workspace's plan, subscription state and credit balances.

    `status`: `active` (in good standing), `past_due` (a payment failed; the
    paid plan keeps working until `grace_period_end`), `canceled` (the paid
    subscription ended; the workspace runs on the default plan).
    `current_period_*` is the period the plan credits belong to: they expire
    at its end (a renewal or the next invoice replaces them)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past due")
        CANCELED = "canceled", _("Canceled")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="accounts")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    current_period_start = models.DateTimeField(_("period start"))
    current_period_end = models.DateTimeField(_("period end"))
    grace_period_end = models.DateTimeField(_("grace period end"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    plan_credits = models.IntegerField(_("plan credits"), default=0)
    purchased_credits = models.IntegerField(_("purchased credits"), default=0)
    # Credits charged on `spent_day` (UTC), for the plan's daily cap; kept on
    # the hot row so the cap costs no extra query per charge.
    spent_day = models.DateField(null=True, blank=True)
    spent_today = models.PositiveIntegerField(default=0)
    stripe_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_status = models.CharField(max_length=32, blank=True)
    # When the Stripe subscription state applied last was fetched: an older
    # fetch finishing later must not overwrite a newer one.
    stripe_synced_at = models.DateTimeField(null=True, blank=True)
    # Whether the free plan's monthly credits reach this account: only the one
    # workspace holding its owner's allowance (one per verified person, see
    # `FreeAllowance`). Accounts older than the rule keep theirs.
    free_allowance = models.BooleanField(
        _("free plan credits"),
        default=True,
        help_text=_("The free plan's monthly credits are granted here (one workspace per verified person)."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="billing_account_one_per_workspace"),
            models.CheckConstraint(condition=Q(plan_credits__gte=0), name="billing_plan_credits_non_negative"),
            models.CheckConstraint(
                condition=Q(purchased_credits__gte=0), name="billing_purchased_credits_non_negative"
            ),
        ]
        verbose_name = _("billing account")
        verbose_name_plural = _("billing accounts")

    def __str__(self) -> str:
        return f"{self.workspace} · {self.plan.key}"

    @property
    def balance(self) -> int:
        return self.plan_credits + self.purchased_credits


def lean_workspace_fk():
    """The inherited `workspace` FK without its own index, for hot
    append-mostly tables whose composite indexes already lead with it (every
    index is paid on each insert of the charge path)."""
    return models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )


class FreeAllowance(models.Model):
    """One row per verified person who has received the free plan's credits.

    `person` is a keyed hash (HMAC-SHA256 with a server key) of the verified,
    normalised e-mail address, so the table cannot be read back into
    addresses, and it has no link to the user or the workspace: it survives
    account and workspace deletion, which is the point — signing up again
    with the same address does not earn a second allowance."""

    person = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("free allowance")
        verbose_name_plural = _("free allowances")

    def __str__(self) -> str:
        return self.person[:12]


class LedgerEntry(WorkspaceOwned):
    """One change of a workspace's credits. Append-only: never updated or
    deleted (except with the whole workspace)."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("Plan credits granted")
        PURCHASE = "purchase", _("Credits purchased")
        DEBIT = "debit", _("Credits used")
        REFUND = "refund", _("Refund")
        ADJUSTMENT = "adjustment", _("Adjustment")
        EXPIRY = "expiry", _("Plan credits expired")

    workspace = lean_workspace_fk()  # indexed by (workspace, idempotency_key) and (workspace, created_at)
    created_at = models.DateTimeField(auto_now_add=True)  # indexed with the workspace
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    module = models.CharField(_("module"), max_length=50, blank=True)
    amount = models.IntegerField(_("amount"))
    plan_amount = models.IntegerField(default=0)
    purchased_amount = models.IntegerField(default=0)
    balance_after = models.IntegerField(_("balance after"))
    plan_balance_after = models.IntegerField(default=0)
    purchased_balance_after = models.IntegerField(default=0)
    reference = models.CharField(_("reference"), max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=255)
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="reversals", db_index=False
    )
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "idempotency_key"], name="billing_ledger_key_per_workspace"),
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="billing_ledger_reversed_once"
            ),
            models.CheckConstraint(
                condition=Q(amount=F("plan_amount") + F("purchased_amount")), name="billing_ledger_amount_split"
            ),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="billing_ledger_balance_non_negative"),
        ]
        indexes = [models.Index(fields=["workspace", "created_at"], name="billing_ledger_ws_created")]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} → {self.balance_after}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Ledger entries are append-only.")


class Charge(WorkspaceOwned):
    """One reservation made through the charge door: reserved → committed, or
    reserved → refunded. The debit ledger entry is written at reservation.
    While reserved, some of its units may be refunded (`refunded_quantity`,
    `refunded_credits`); a commit then keeps the rest, a refund returns the rest."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        COMMITTED = "committed", _("Committed")
        REFUNDED = "refunded", _("Refunded")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = lean_workspace_fk()  # indexed by (workspace, idempotency_key)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RESERVED)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    module = models.CharField(max_length=50)
    action = models.CharField(max_length=50, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    credits = models.PositiveIntegerField()
    plan_part = models.PositiveIntegerField(default=0)
    purchased_part = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=255)
    reference = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    debit = models.OneToOneField(LedgerEntry, on_delete=models.RESTRICT, related_name="charge")
    reserved_until = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    refund_reason = models.CharField(max_length=255, blank=True)
    # Who may continue this reservation when its key is replayed while it is
    # still reserved (e.g. a Celery task id); anyone else is told "in progress".
    owner = models.CharField(max_length=100, blank=True, default="")
    refunded_quantity = models.PositiveIntegerField(default=0)
    refunded_credits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-reserved_until"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "idempotency_key"], name="billing_charge_key_per_workspace"),
            models.CheckConstraint(
                condition=Q(refunded_quantity__lte=F("quantity")) & Q(refunded_credits__lte=F("credits")),
                name="billing_charge_refunds_within_charge",
            ),
        ]
        # Not partial on status: committing then changes no indexed column, so
        # PostgreSQL can update the row in place (HOT). The reaper scans a
        # recent window of deadlines instead.
        indexes = [
            models.Index(fields=["reserved_until"], name="billing_charge_deadline"),
        ]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")

    def __str__(self) -> str:
        return f"{self.module} −{self.credits} ({self.status})"


class StripeEvent(models.Model):
    """A verified Stripe webhook delivery, stored once per event id."""

    class Status(models.TextChoices):
        RECEIVED = "received", "received"
        PROCESSING = "processing", "processing"
        PROCESSED = "processed", "processed"
        IGNORED = "ignored", "ignored"
        FAILED = "failed", "failed"

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    api_version = models.CharField(max_length=64, blank=True)
    stripe_created = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "Stripe event"
        verbose_name_plural = "Stripe events"

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id} ({self.status})"
