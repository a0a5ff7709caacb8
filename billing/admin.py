"""The billing console: catalogue editable, ledger and charges read-only,
workspace accounts changed only through audited services."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin
from unfold.admin import ModelAdmin

from billing import services, stripe_mirror
from billing.forms import AdjustCreditsForm, ChangePlanForm
from billing.models import BillingAccount, Charge, CreditPack, LedgerEntry, ModuleCost, Plan, StripeEvent
from billing.money import format_price
from nexusone.admin import ReadOnlyAdmin, WorkspaceOwnedAdmin, staff_action
from nexusone.errors import ApplicationError


@admin.register(Plan)
class PlanAdmin(ModelAdmin, TabbedTranslationAdmin):
    list_display = (
        "key", "name", "price", "currency", "monthly_credits", "videos_per_month", "landing_pages",
        "whatsapp_numbers", "api_requests_per_minute", "is_default", "is_active", "stripe_price_id",
    )  # fmt: skip
    list_filter = ("is_active",)
    search_fields = ("key", "name", "stripe_price_id")
    ordering = ("sort_order", "id")


@admin.register(ModuleCost)
class ModuleCostAdmin(ModelAdmin, TabbedTranslationAdmin):
    list_display = ("module", "label", "credits", "description", "is_active")
    list_editable = ("credits", "is_active")
    search_fields = ("module", "label")


@admin.register(CreditPack)
class CreditPackAdmin(ModelAdmin, TabbedTranslationAdmin):
    list_display = ("key", "name", "credits", "price", "currency", "is_active", "stripe_price_id")
    list_filter = ("is_active",)


def _amount(cents, currency) -> str:
    if cents in (None, ""):
        return ""
    return format_price(Decimal(int(cents)) / 100, str(currency or "usd"))


def _period_end(subscription: dict):
    """`current_period_end`: on the subscription (pre-2025 API versions) or on its items (current)."""
    end = subscription.get("current_period_end")
    if not end:
        items = (subscription.get("items") or {}).get("data") or []
        end = max((item.get("current_period_end") or 0 for item in items), default=0)
    return stripe_mirror.when(end or None)


def stripe_panel(account: BillingAccount) -> dict:
    """The context of a billing account's Stripe panel (`stripe_records` below)."""
    records = stripe_mirror.customer_records(account.stripe_customer_id)
    link = stripe_mirror.dashboard_url
    customer = records.customer
    return {
        "customer_id": account.stripe_customer_id,
        "customer_url": link("customers", account.stripe_customer_id) if account.stripe_customer_id else "",
        "subscription_id": account.stripe_subscription_id,
        "subscription_url": (
            link("subscriptions", account.stripe_subscription_id) if account.stripe_subscription_id else ""
        ),
        "empty": records.empty,
        "customer": customer
        and {
            "email": customer.get("email") or "",
            "name": customer.get("name") or "",
            "balance": _amount(customer.get("balance"), customer.get("currency")),
            "delinquent": bool(customer.get("delinquent")),
        },
        "subscriptions": [
            {
                "id": data.get("id", ""),
                "url": link("subscriptions", data.get("id", "")),
                "status": data.get("status", ""),
                "period_end": _period_end(data),
                "cancel_at_period_end": bool(data.get("cancel_at_period_end")),
            }
            for data in records.subscriptions
        ],
        "invoices": [
            {
                "id": data.get("id", ""),
                "url": link("invoices", data.get("id", "")),
                "number": data.get("number") or data.get("id", ""),
                "status": data.get("status", ""),
                "total": _amount(data.get("total"), data.get("currency")),
                "paid": _amount(data.get("amount_paid"), data.get("currency")),
                "created": stripe_mirror.when(data.get("created")),
            }
            for data in records.invoices
        ],
        "charges": [
            {
                "id": data.get("id", ""),
                "url": link("payments", data.get("id", "")),
                "amount": _amount(data.get("amount"), data.get("currency")),
                "refunded": _amount(data.get("amount_refunded"), data.get("currency")),
                "status": data.get("status", ""),
                "created": stripe_mirror.when(data.get("created")),
            }
            for data in records.charges
        ],
    }


def _action_form(model_admin, request, queryset, *, form, action: str, title: str, note: str = ""):
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": queryset,
        "action": action,
        "note": note,
        "opts": model_admin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/billing/action_form.html", context)


@admin.register(BillingAccount)
class BillingAccountAdmin(WorkspaceOwnedAdmin):
    list_display = (
        "workspace", "plan", "status", "plan_credits", "purchased_credits", "current_period_end",
        "grace_period_end", "stripe_customer_id",
    )  # fmt: skip
    list_filter = ("plan", "status")
    search_fields = ("workspace__name", "workspace__slug", "stripe_customer_id", "stripe_subscription_id")
    list_select_related = ("workspace", "plan")
    actions = ("adjust_credits", "change_plan")
    readonly_fields = (
        "workspace", "plan", "status", "plan_credits", "purchased_credits", "current_period_start",
        "current_period_end", "grace_period_end", "cancel_at_period_end", "stripe_customer_id",
        "stripe_subscription_id", "stripe_subscription_status", "stripe_synced_at", "ledger_link",
        "stripe_records",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False  # accounts open with their workspace

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # balances and plans change only through the audited actions

    def has_billing_permission(self, request):
        return request.user.has_perm("billing.change_billingaccount")

    @admin.display(description=_("Ledger"))
    def ledger_link(self, account):
        url = reverse("admin:billing_ledgerentry_changelist") + f"?workspace__id__exact={account.workspace_id}"
        return format_html('<a href="{}">{}</a>', url, _("Open this workspace's ledger"))

    @admin.display(description=_("Stripe"))
    def stripe_records(self, account):
        """The customer's Stripe state: links to Stripe's dashboard and dj-stripe's stored copy of the
        customer, its subscriptions, latest invoices and charges (read with SQL: the web process runs
        without dj-stripe's models, so its own admin pages are not served there)."""
        return render_to_string("admin/billing/stripe_records.html", stripe_panel(account))

    @staff_action("billing.credits.adjust", description=_("Adjust credits…"), permissions=["billing"])
    def adjust_credits(self, request, queryset):
        form = AdjustCreditsForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for account in queryset.select_related("workspace"):
                try:
                    services.credits_adjust(
                        workspace=account.workspace, actor=request.user, request=request, **form.cleaned_data
                    )
                    done += 1
                except ApplicationError as exc:
                    self.message_user(request, f"{account.workspace}: {exc.message}", messages.ERROR)
            if done:
                self.message_user(
                    request, _("Credits adjusted for %(n)d workspace(s).") % {"n": done}, messages.SUCCESS
                )
            return None
        return _action_form(self, request, queryset, form=form, action="adjust_credits", title=_("Adjust credits"))

    @staff_action("billing.plan.assign", description=_("Change plan…"), permissions=["billing"])
    def change_plan(self, request, queryset):
        form = ChangePlanForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for account in queryset.select_related("workspace"):
                services.plan_change(
                    workspace=account.workspace, actor=request.user, request=request, **form.cleaned_data
                )
            self.message_user(
                request, _("Plan changed for %(n)d workspace(s).") % {"n": queryset.count()}, messages.SUCCESS
            )
            return None
        note = _(
            "A workspace with a Stripe subscription gets its plan from Stripe again at the next subscription event."
        )
        return _action_form(self, request, queryset, form=form, action="change_plan", title=_("Change plan"), note=note)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin, WorkspaceOwnedAdmin):
    list_display = (
        "created_at", "workspace", "kind", "amount", "plan_amount", "purchased_amount", "balance_after",
        "module", "reference", "user",
    )  # fmt: skip
    list_filter = ("kind", "module", "created_at")
    search_fields = ("workspace__name", "workspace__slug", "reference", "idempotency_key")
    list_select_related = ("workspace", "user")
    ordering = ("-id",)  # the primary key's index: the ledger has no index on created_at alone
    show_full_result_count = False  # the ledger grows without bound: skip COUNT(*)


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin, WorkspaceOwnedAdmin):
    list_display = ("created_at", "workspace", "module", "credits", "status", "reserved_until", "refund_reason")
    list_filter = ("status", "module")
    search_fields = ("id", "workspace__name", "idempotency_key", "reference")
    show_full_result_count = False


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "type", "stripe_id", "status", "attempts", "outcome")
    list_filter = ("status", "type")
    search_fields = ("stripe_id", "type", "outcome")
    actions = ("process_again",)

    @staff_action("billing.stripe_event.reprocess", description=_("Process again (failed or stuck events)"))
    def process_again(self, request, queryset):
        from billing.tasks import stripe_event_process

        count = 0
        for event in queryset.exclude(status__in=(StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED)):
            StripeEvent.objects.filter(pk=event.pk).update(status=StripeEvent.Status.FAILED, locked_until=None)
            stripe_event_process.delay(event.pk)
            count += 1
        self.message_user(request, _("%(n)d event(s) queued.") % {"n": count})
