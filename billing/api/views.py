"""Billing API. Thin: validate input → call a service or selector → render.

Reads (plans, credits) need `viewer`; checkout, top-up and the portal change
what the workspace pays for, so they need `owner`.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from billing import payments, selectors
from billing.api import serializers as s
from nexusone.api.pagination import CursorPagination
from nexusone.api.viewsets import ScopedAPIView
from nexusone.idempotency import idempotent

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="Unique per intended action; a retry with the same key replays the first response.",
)
ERRORS = {
    400: s.BillingErrorOutput,
    403: s.BillingErrorOutput,
    404: s.BillingErrorOutput,
    409: s.BillingErrorOutput,
    422: s.BillingErrorOutput,
    502: s.BillingErrorOutput,
}


class LedgerPagination(CursorPagination):
    page_size = 25
    ordering = ("-created_at", "-id")


class PlansView(ScopedAPIView):
    @extend_schema(responses={200: s.PlanOutput(many=True)}, tags=["billing"])
    def get(self, request):
        account = selectors.billing_account_get(workspace=request.workspace)
        plans = selectors.plan_list()
        return Response(s.PlanOutput(plans, many=True, context={"current_plan_id": account.plan_id}).data)


class CreditsView(ScopedAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, description="Pagination cursor from `next` / `previous`."),
            OpenApiParameter("page_size", int, description="Transactions per page (max 200)."),
        ],
        responses={200: s.CreditsOutput},
        tags=["billing"],
    )
    def get(self, request):
        paginator = LedgerPagination()
        page = paginator.paginate_queryset(selectors.ledger_entries(workspace=request.workspace), request, view=self)
        body = {
            **selectors.credits_summary(workspace=request.workspace),
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "transactions": page,
        }
        return Response(s.CreditsOutput(body).data)


class CheckoutView(ScopedAPIView):
    permissions = {"post": "billing.plan.change"}

    @extend_schema(
        request=s.CheckoutInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: s.UrlOutput, **ERRORS},
        tags=["billing"],
    )
    @idempotent()
    def post(self, request):
        data = s.CheckoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        url = payments.checkout_start_subscription(
            workspace=request.workspace,
            plan_key=data.validated_data["plan"],
            actor=request.user,
            actor_role=request.workspace_role,
            idempotency_key=request.idempotency_key,
            request=request,
        )
        return Response(s.UrlOutput({"url": url}).data)


class TopupView(ScopedAPIView):
    permissions = {"post": "billing.credits.buy"}

    @extend_schema(
        request=s.TopupInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: s.UrlOutput, **ERRORS},
        tags=["billing"],
    )
    @idempotent()
    def post(self, request):
        data = s.TopupInput(data=request.data)
        data.is_valid(raise_exception=True)
        url = payments.checkout_start_topup(
            workspace=request.workspace,
            pack_key=data.validated_data["pack"],
            actor=request.user,
            actor_role=request.workspace_role,
            idempotency_key=request.idempotency_key,
            request=request,
        )
        return Response(s.UrlOutput({"url": url}).data)


class PortalView(ScopedAPIView):
    permissions = {"get": "billing.portal.open"}

    @extend_schema(responses={200: s.UrlOutput, 409: s.BillingErrorOutput, 502: s.BillingErrorOutput}, tags=["billing"])
    def get(self, request):
        url = payments.portal_open(workspace=request.workspace, actor_role=request.workspace_role)
        return Response(s.UrlOutput({"url": url}).data)
