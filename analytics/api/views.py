"""Usage API: events of a workspace with module and date filters, plus daily
credits by module. Readable by every member (viewer and up)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from analytics import selectors
from analytics.api import serializers as s
from nexusone.api.pagination import CursorPagination
from nexusone.api.viewsets import ScopedAPIView


class EventPagination(CursorPagination):
    page_size = 50
    ordering = ("-created_at", "-id")


class UsageView(ScopedAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("module", str, description="Only this module key."),
            OpenApiParameter("date_from", str, description="First day (YYYY-MM-DD), default 29 days before date_to."),
            OpenApiParameter("date_to", str, description="Last day (YYYY-MM-DD), default today."),
            OpenApiParameter("cursor", str, description="Pagination cursor from `next` / `previous`."),
            OpenApiParameter("page_size", int, description="Events per page (max 200)."),
        ],
        responses={200: s.UsageOutput},
        tags=["analytics"],
    )
    def get(self, request):
        query = s.UsageQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        module = query.validated_data.get("module")
        period = selectors.usage_range(
            date_from=query.validated_data.get("date_from"), date_to=query.validated_data.get("date_to")
        )
        daily = selectors.usage_daily(workspace=request.workspace, period=period, module=module)
        paginator = EventPagination()
        page = paginator.paginate_queryset(
            selectors.usage_events(workspace=request.workspace, period=period, module=module), request, view=self
        )
        body = {
            "date_from": period.date_from,
            "date_to": period.date_to,
            "module": module,
            "by_module": selectors.usage_by_module(daily),
            "daily": daily,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "events": page,
        }
        return Response(s.UsageOutput(body).data)
