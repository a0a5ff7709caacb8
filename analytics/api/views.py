"""Usage API: events of a workspace with module and date filters, plus daily
credits by module. Readable by every member (viewer and up)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from analytics import selectors, tracking
from analytics.api import serializers as s
from analytics.dashboard import dashboard, dashboard_body, panels_csv
from nexusone.api.pagination import CursorPagination
from nexusone.api.throttles import consume_window
from nexusone.api.viewsets import ScopedAPIView


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` / `Accept: text/csv` negotiate; the view writes the body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover - never used
        return JSONRenderer().render(data)


class EventPagination(CursorPagination):
    page_size = 50
    ordering = ("-created_at", "-id")


class UsageView(ScopedAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("module", str, description="Only this module key."),
            OpenApiParameter("source", str, enum=["server", "client"], description="Only events of this origin."),
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
        source = query.validated_data.get("source")
        period = selectors.usage_range(
            date_from=query.validated_data.get("date_from"), date_to=query.validated_data.get("date_to")
        )
        daily = selectors.usage_daily(workspace=request.workspace, period=period, module=module)  # server events
        paginator = EventPagination()
        events = selectors.usage_events(workspace=request.workspace, period=period, module=module)
        if source:
            events = events.filter(source=source)
        page = paginator.paginate_queryset(events, request, view=self)
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


class ClientEventsThrottle(BaseThrottle):
    """Client batches per member per minute (on top of the plan's API limit)."""

    def allow_request(self, request, view) -> bool:
        key = f"analytics-events:{request.workspace.pk}:{request.user.pk}"
        allowed, self._wait = consume_window(key, settings.ANALYTICS_CLIENT_BATCHES_PER_MINUTE)
        return allowed

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class ClientEventsView(ScopedAPIView):
    """The usage tracker: a batch of what the client saw people do."""

    # Reporting what one did is not a workspace write: viewers report too.
    permissions = {"post": "analytics.events.report"}

    def get_throttles(self):
        return [*super().get_throttles(), ClientEventsThrottle()]

    @extend_schema(
        request=s.ClientEventsInput,
        responses={
            201: s.ClientEventsOutput,
            400: OpenApiResponse(description="Validation error (unknown module/action, metadata too large, >100)."),
            429: OpenApiResponse(description="Too many batches; see Retry-After."),
        },
        tags=["analytics"],
    )
    def post(self, request):
        body = s.ClientEventsInput(data=request.data)
        body.is_valid(raise_exception=True)
        stored = tracking.client_events_record(
            workspace=request.workspace, user=request.user, events=body.validated_data["events"]
        )
        return Response({"accepted": len(stored), "source": "client"}, status=201)


class DashboardView(ScopedAPIView):
    """Every dashboard panel for a period; `?format=csv` (with `panel=` for one)."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors keep the JSON envelope even when the client asked for CSV.
        if isinstance(response, Response) and isinstance(getattr(request, "accepted_renderer", None), CSVRenderer):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="First local day (YYYY-MM-DD); default 29 days before `to`."),
            OpenApiParameter("to", str, description="Last local day (YYYY-MM-DD); default today."),
            OpenApiParameter("tz", str, description="IANA time zone of the day boundaries; default the workspace's."),
            OpenApiParameter("panel", str, description="Only this panel (e.g. `credits`, `whatsapp`)."),
            OpenApiParameter("format", str, enum=["json", "csv"], description="`csv` for a spreadsheet."),
        ],
        responses={
            (200, "application/json"): s.DashboardOutput,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The panel's table, or every panel."),
            400: OpenApiResponse(description="Validation error."),
        },
        tags=["analytics"],
    )
    def get(self, request):
        query = s.DashboardQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        period, panels = dashboard(
            workspace=request.workspace, date_from=params.get("from"), date_to=params.get("to"), tz=params.get("tz"),
            only=params.get("panel"),
        )  # fmt: skip
        if isinstance(request.accepted_renderer, CSVRenderer):
            name = f"dashboard-{params.get('panel') or 'all'}-{period.date_from}-{period.date_to}.csv"
            return HttpResponse(
                panels_csv(panels), content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )  # fmt: skip
        body = dashboard_body(period, panels)
        return Response(s.DashboardOutput(body).data)
