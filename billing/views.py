"""Billing page: plans, balance, credit packs and the ledger history.

Thin: owners' buttons post here, the view calls a payments service and
redirects to Stripe; errors come back as messages. Returning from Checkout
with `?checkout=success&session_id=…` fulfils a credit purchase at once (the
webhook does the same; whichever comes first applies it, once). With
`DEBUG=1` and no Stripe key the buttons complete at once through the local
payments sandbox (`billing.sandbox`), clearly marked on the page.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from billing import payments, sandbox, selectors
from billing.money import format_price
from nexusone.errors import ApplicationError
from nexusone.pages import WorkspacePageMixin

logger = logging.getLogger(__name__)


class BillingView(WorkspacePageMixin, TemplateView):
    template_name = "billing/billing.html"
    form_permissions = {
        "upgrade": "billing.plan.change",
        "topup": "billing.credits.buy",
        "portal": "billing.portal.open",
    }

    def get(self, request, *args, **kwargs):
        session_id = request.GET.get("session_id", "")
        if request.GET.get("checkout") == "success" and session_id.startswith("cs_"):
            try:
                payments.checkout_fulfill_from_redirect(workspace=self.workspace, session_id=session_id[:255])
                messages.success(request, _("Thank you! Your payment was received."))
            except ApplicationError:
                logger.warning("Success-page fulfilment failed for %s; the webhook will apply it.", session_id)
                messages.info(request, _("Thank you! Your payment is being confirmed."))
            return redirect("billing", slug=self.workspace.slug)
        if request.GET.get("checkout") == "canceled":
            messages.info(request, _("Checkout was canceled. Nothing was charged."))
            return redirect("billing", slug=self.workspace.slug)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = selectors.billing_account_get(workspace=self.workspace)
        plans = list(selectors.plan_list())
        for plan in plans:
            plan.price_display = format_price(plan.price, plan.currency)
        packs = list(selectors.credit_pack_list())
        for pack in packs:
            pack.price_display = format_price(pack.price, pack.currency)
        page_obj = Paginator(selectors.ledger_entries(workspace=self.workspace), 25).get_page(
            self.request.GET.get("page")
        )
        labels = selectors.module_labels()
        for entry in page_obj:
            entry.module_label = labels.get(entry.module, entry.module)
        context.update(
            account=account,
            plans=plans,
            packs=packs,
            page_obj=page_obj,
            payments_configured=selectors.payments_configured(),
            payments_sandbox=sandbox.sandbox_enabled(),
            can_manage_billing=self.may("billing.plan.change"),
        )
        return context

    def post(self, request, slug):
        action = request.POST.get("action")
        if action in ("upgrade", "topup") and sandbox.sandbox_enabled():
            return self._sandbox(request, action)
        try:
            if action == "upgrade":
                url = payments.checkout_start_subscription(
                    workspace=self.workspace,
                    plan_key=request.POST.get("plan", ""),
                    actor=request.user,
                    actor_role=self.membership.role,
                    request=request,
                )
            elif action == "topup":
                url = payments.checkout_start_topup(
                    workspace=self.workspace,
                    pack_key=request.POST.get("pack", ""),
                    actor=request.user,
                    actor_role=self.membership.role,
                    request=request,
                )
            elif action == "portal":
                url = payments.portal_open(workspace=self.workspace, actor_role=self.membership.role)
            else:
                messages.error(request, _("Unknown action."))
                return redirect("billing", slug=slug)
        except ApplicationError as exc:
            details = exc.details or {}
            first = next(iter(details.values()), None) if exc.code == "validation_error" else None
            messages.error(request, first[0] if isinstance(first, list) and first else exc.message)
            return redirect("billing", slug=slug)
        return redirect(url)

    def _sandbox(self, request, action: str):
        """The local payments sandbox (DEBUG=1, no Stripe key): the same services
        as Stripe's webhooks, completed at once, nothing charged."""
        try:
            if action == "upgrade":
                sandbox.sandbox_subscribe(
                    workspace=self.workspace, plan_key=request.POST.get("plan", ""), actor=request.user,
                    actor_role=self.membership.role, request=request,
                )  # fmt: skip
            else:
                sandbox.sandbox_topup(
                    workspace=self.workspace, pack_key=request.POST.get("pack", ""), actor=request.user,
                    actor_role=self.membership.role, request=request,
                )  # fmt: skip
        except ApplicationError as exc:
            details = exc.details or {}
            first = next(iter(details.values()), None) if exc.code == "validation_error" else None
            messages.error(request, first[0] if isinstance(first, list) and first else exc.message)
        else:
            messages.success(request, _("Thank you! Your payment was received."))
        return redirect("billing", slug=self.workspace.slug)
