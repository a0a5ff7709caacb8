"""AI agents API (/api/v1/ai-agents/…). Thin: validate input → service → output.

Roles: reads need `viewer`; building agents, knowledge, conversations and
answers need `member`; deleting an agent needs `admin`. Objects come from
the scoped queryset (another workspace's id is a 404 like a missing one);
nested routes resolve the agent the same way.
"""

from __future__ import annotations

import json

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from agents import replies, selectors, services
from agents.api import serializers as s
from agents.evaluation import evaluate
from agents.exports import conversations_csv_response, conversations_rows
from agents.models import Agent, Conversation, Knowledge
from nexusone.api.stream import EventStreamRenderer
from nexusone.api.viewsets import ScopedViewSet
from nexusone.errors import ApplicationError, NotFound, ValidationFailed
from nexusone.idempotency import idempotent
from nexusone.tenancy import activate_workspace, deactivate_workspace

TAGS = ["ai-agents"]
IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)


def _values(validated: dict) -> dict:
    values = dict(validated)
    values.pop("knowledge", None)
    if "whatsapp_account_id" in values:
        from whatsapp.models import WhatsAppAccount

        account_id = values.pop("whatsapp_account_id")
        account = WhatsAppAccount.objects.filter(pk=account_id).first() if account_id else None
        if account_id and account is None:
            raise ValidationFailed(details={"whatsapp_account_id": [_("Unknown WhatsApp account.")]})
        values["whatsapp_account"] = account
    return values


class AgentViewSet(ScopedViewSet):
    model = Agent
    serializer_class = s.AgentOutput
    lookup_value_regex = r"[0-9]+"
    permissions = {"destroy": "agents.agent.delete"}
    filterset_fields = ["status", "language"]
    search_fields = ["name"]
    ordering_fields = ["created_at", "name"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("-created_at", "-id")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if getattr(self, "action", None) == "list" else queryset

    @extend_schema(tags=TAGS, responses={200: s.AgentOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.AgentOutput(page, many=True).data)

    @extend_schema(tags=TAGS, responses={200: s.AgentOutput})
    def retrieve(self, request, pk=None):
        return Response(s.AgentOutput(self.get_object()).data)

    @extend_schema(tags=TAGS, request=s.AgentInput, responses={201: s.AgentOutput}, parameters=[IDEMPOTENCY])
    @idempotent()
    def create(self, request):
        data = s.AgentInput(data=request.data)
        data.is_valid(raise_exception=True)
        agent = services.agent_create(
            workspace=request.workspace,
            user=request.user,
            values=_values(data.validated_data),
            knowledge=data.validated_data.get("knowledge"),
            idempotency_key=request.idempotency_key,
            request=request,
        )
        return Response(s.AgentOutput(agent).data, status=status.HTTP_201_CREATED)

    def _update(self, request, partial: bool):
        agent = self.get_object()
        data = s.AgentUpdateInput(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        agent = services.agent_update(agent=agent, values=_values(data.validated_data))
        return Response(s.AgentOutput(agent).data)

    @extend_schema(tags=TAGS, request=s.AgentUpdateInput, responses={200: s.AgentOutput})
    def partial_update(self, request, pk=None):
        return self._update(request, partial=True)

    @extend_schema(tags=TAGS, request=s.AgentUpdateInput, responses={200: s.AgentOutput})
    def update(self, request, pk=None):
        return self._update(request, partial=True)

    @extend_schema(tags=TAGS, responses={204: None})
    def destroy(self, request, pk=None):
        services.agent_delete(agent=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(tags=TAGS, request=s.EvaluateInput, responses={200: s.EvaluateOutput})
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        agent = self.get_object()
        data = s.EvaluateInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = evaluate(agent=agent, cases=data.validated_data["cases"], user=request.user)
        return Response(s.EvaluateOutput(result).data)


class _AgentChild:
    """Routes under /ai-agents/{agent_pk}/: the agent comes from the scoped queryset."""

    url_models = {"agent_pk": Agent}

    def agent(self) -> Agent:
        agent = Agent.objects.filter(pk=self.kwargs["agent_pk"]).first()
        if agent is None:
            raise NotFound()
        return agent


class KnowledgeViewSet(_AgentChild, ScopedViewSet):
    model = Knowledge
    serializer_class = s.KnowledgeOutput
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list = []

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(agent_id=self.kwargs.get("agent_pk")).order_by("created_at", "id")

    @extend_schema(tags=TAGS, responses={200: s.KnowledgeOutput(many=True)})
    def list(self, request, agent_pk=None):
        agent = self.agent()
        page = self.paginate_queryset(self.get_queryset().filter(agent=agent))
        return self.get_paginated_response(s.KnowledgeOutput(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        request={"application/json": s.KnowledgeInput, "multipart/form-data": s.KnowledgeInput},
        responses={201: s.KnowledgeOutput},
    )
    def create(self, request, agent_pk=None):
        agent = self.agent()
        data = s.KnowledgeInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        title = values.get("title", "")
        if values.get("file"):
            upload = values["file"]
            if upload.size > services.extract.MAX_FILE_BYTES:
                raise ValidationFailed(details={"file": [_("The file is too large.")]})
            knowledge = services.knowledge_add_file(agent=agent, name=upload.name, data=upload.read(), title=title)
        elif values.get("url"):
            knowledge = services.knowledge_add_url(agent=agent, url=values["url"], title=title)
        else:
            knowledge = services.knowledge_add_text(agent=agent, title=title, content=values["content"])
        return Response(s.KnowledgeOutput(knowledge).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, responses={204: None})
    def destroy(self, request, agent_pk=None, pk=None):
        self.agent()
        services.knowledge_delete(knowledge=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _frame(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _sse(workspace, events):
    """The answer as server-sent events while it is generated: `delta` frames
    (their texts joined are the reply), at most one `replace` (the text so far
    is replaced), then `done` with the whole reply as the JSON answer has it —
    or `error` with the API's error envelope when the provider failed after the
    stream began (the credits were refunded). The body is produced after the
    view returned, so each step re-enters the workspace scope."""
    while True:
        token = activate_workspace(workspace)
        try:
            event, value = next(events)
        except StopIteration:
            return
        except ApplicationError as exc:
            yield _frame("error", {"error": {"code": exc.code, "message": str(exc.message), "details": exc.details}})
            return
        finally:
            deactivate_workspace(token)
        try:
            if event == "done":
                yield _frame("done", value.as_dict())
            elif event in ("delta", "replace"):
                yield _frame(event, {"text": value})
        except GeneratorExit:  # the client went away: the answer's charge is refunded
            token = activate_workspace(workspace)
            try:
                events.close()
            finally:
                deactivate_workspace(token)
            raise


class ConversationViewSet(_AgentChild, ScopedViewSet):
    model = Conversation
    serializer_class = s.AgentConversationOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["channel", "flagged"]
    renderer_classes = [JSONRenderer, EventStreamRenderer]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.conversations(queryset.filter(agent_id=self.kwargs.get("agent_pk")))

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if getattr(self, "action", None) == "list" else queryset

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors (402, 403, 404…) answer in the JSON envelope even to an event-stream client.
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and isinstance(renderer, EventStreamRenderer):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(tags=TAGS, responses={200: s.AgentConversationOutput(many=True)})
    def list(self, request, agent_pk=None):
        self.agent()
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.AgentConversationOutput(page, many=True).data)

    @extend_schema(tags=TAGS, responses={200: s.AgentConversationDetailOutput})
    def retrieve(self, request, agent_pk=None, pk=None):
        self.agent()
        return Response(s.AgentConversationDetailOutput(self.get_object()).data)

    @extend_schema(tags=TAGS, request=s.AgentConversationStartInput, responses={201: s.AgentConversationOutput})
    def create(self, request, agent_pk=None):
        agent = self.agent()
        data = s.AgentConversationStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = services.conversation_start(agent=agent, **data.validated_data)
        return Response(s.AgentConversationOutput(conversation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        request=s.AgentMessageInput,
        responses={
            (200, "application/json"): s.AgentReplyOutput,
            (200, "text/event-stream"): OpenApiResponse(
                OpenApiTypes.STR,
                description="`delta` events as the answer is generated (joined: the reply), at most one `replace`, "
                "then `done` with the whole reply — or `error` (refunded) if the provider failed mid-stream.",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def messages(self, request, agent_pk=None, pk=None):
        agent = self.agent()
        conversation = self.get_object()
        data = s.AgentMessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        content = data.validated_data["content"]
        if isinstance(request.accepted_renderer, EventStreamRenderer):
            events = replies.reply_stream(agent=agent, conversation=conversation, content=content, user=request.user)
            next(events)  # checks and the reservation: a refusal answers 402/403 in JSON
            response = StreamingHttpResponse(
                _sse(agent.workspace, events), content_type="text/event-stream; charset=utf-8"
            )
            response["Cache-Control"] = "no-cache, no-transform"
            response["X-Accel-Buffering"] = "no"
            return response
        reply = replies.reply_to(agent=agent, conversation=conversation, content=content, user=request.user)
        return Response(reply.as_dict())

    @extend_schema(tags=TAGS, request=s.AgentHumanReplyInput, responses={201: s.AgentMessageOutput})
    @action(detail=True, methods=["post"])
    def reply(self, request, agent_pk=None, pk=None):
        self.agent()
        conversation = self.get_object()
        data = s.AgentHumanReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        content = data.validated_data["content"]
        message = services.human_reply(conversation=conversation, user=request.user, content=content)
        return Response(s.AgentMessageOutput(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, request=None, responses={200: s.AgentConversationOutput})
    @action(detail=True, methods=["post"])
    def release(self, request, agent_pk=None, pk=None):
        self.agent()
        conversation = services.conversation_release(conversation=self.get_object())
        return Response(s.AgentConversationOutput(conversation).data)


class CSVRenderer(JSONRenderer):
    media_type = "text/csv"
    format = "csv"


class AllConversationsViewSet(ScopedViewSet):
    """Every agent's conversations, with filters, and their CSV export."""

    model = Conversation
    serializer_class = s.AgentConversationOutput
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["channel", "flagged", "agent"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.conversations(queryset)

    @extend_schema(
        tags=TAGS,
        responses={200: s.AgentConversationOutput(many=True)},
        operation_id="ai_agents_all_conversations_list",
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.AgentConversationOutput(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"], description="Or send `Accept: text/csv`.")],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=False, methods=["get"], renderer_classes=[JSONRenderer, CSVRenderer], pagination_class=None)
    def export(self, request):
        """The filtered conversations' messages, one row per message: CSV with
        `Accept: text/csv` or `?format=csv` (formula-like cells escaped), else JSON."""
        if request.accepted_renderer.format != "csv":
            return Response(conversations_rows(conversations=self.filter_queryset(self.get_queryset())))
        return conversations_csv_response(
            workspace=request.workspace, conversations=self.filter_queryset(self.get_queryset())
        )
