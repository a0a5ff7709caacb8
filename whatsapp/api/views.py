"""WhatsApp API (/api/v1/whatsapp/…). Thin: validate input → service → output.

Roles: reads need `viewer`; sending, templates sync, bot rules and opt-outs
need `member`; connecting, changing and removing numbers (integrations) need
`admin`. Every object is fetched through the scoped queryset, so another
workspace's id is a 404 like a missing one; ids in bodies (account, segment)
are resolved the same way (400 when not found).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from nexusone.api.keyset import KeysetPagination
from nexusone.api.pagination import CursorPagination
from nexusone.api.viewsets import ScopedViewSet
from nexusone.errors import ValidationFailed
from nexusone.idempotency import idempotent
from whatsapp import selectors
from whatsapp.api import serializers as s
from whatsapp.models import BotRule, Broadcast, Conversation, Message, MessageTemplate, OptOut, WhatsAppAccount
from whatsapp.services import accounts as account_services
from whatsapp.services import broadcasts as broadcast_services
from whatsapp.services import conversations as conversation_services
from whatsapp.services import optouts as optout_services
from whatsapp.services.bots import bot_rule_save

TAGS = ["whatsapp"]


class MessageCursorPagination(CursorPagination):
    """Messages of a broadcast can number 100,000: keyset on id, no COUNT(*)."""

    ordering = "id"
    page_size = 100
    max_page_size = 500


class _ListFiltersOnly:
    """Filters, search and ordering apply to lists only: a detail action's
    own query parameters (e.g. `?status=` on messages) never hide its object."""

    def filter_queryset(self, queryset):
        if getattr(self, "action", None) != "list":
            return queryset
        return super().filter_queryset(queryset)


def _account_or_400(account_id: int, field: str = "whatsapp_account_id") -> WhatsAppAccount:
    account = WhatsAppAccount.objects.filter(pk=account_id).first()
    if account is None:
        raise ValidationFailed(details={field: [_("Unknown WhatsApp account.")]})
    return account


class AccountsViewSet(_ListFiltersOnly, ScopedViewSet):
    model = WhatsAppAccount
    serializer_class = s.AccountOutput
    permissions = {
        "create": "whatsapp.account.connect",
        "partial_update": "whatsapp.account.update",
        "update": "whatsapp.account.update",
        "destroy": "whatsapp.account.remove",
    }
    ordering_fields = ["created_at", "name"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("created_at", "id")

    @extend_schema(tags=TAGS, responses={200: s.AccountOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.AccountOutput(page, many=True).data)

    @extend_schema(tags=TAGS, responses={200: s.AccountOutput})
    def retrieve(self, request, pk=None):
        return Response(s.AccountOutput(self.get_object()).data)

    @extend_schema(tags=TAGS, request=s.AccountInput, responses={201: s.AccountOutput})
    def create(self, request):
        data = s.AccountInput(data=request.data)
        data.is_valid(raise_exception=True)
        account = account_services.account_connect(
            workspace=request.workspace, user=request.user, request=request, **data.validated_data
        )
        return Response(s.AccountOutput(account).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, request=s.AccountUpdateInput, responses={200: s.AccountOutput})
    def partial_update(self, request, pk=None):
        account = self.get_object()
        data = s.AccountUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        account = account_services.account_update(
            workspace=request.workspace, account=account, data=data.validated_data, user=request.user, request=request
        )
        return Response(s.AccountOutput(account).data)

    @extend_schema(tags=TAGS, request=s.AccountUpdateInput, responses={200: s.AccountOutput})
    def update(self, request, pk=None):
        return self.partial_update(request, pk)

    @extend_schema(tags=TAGS, responses={204: None})
    def destroy(self, request, pk=None):
        account_services.account_delete(
            workspace=request.workspace, account=self.get_object(), user=request.user, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(tags=TAGS, request=None, responses={200: s.TemplateOutput(many=True)})
    @action(detail=True, methods=["post"], url_path="sync-templates")
    def sync_templates(self, request, pk=None):
        account = self.get_object()
        account_services.templates_sync(account=account)
        templates = MessageTemplate.objects.filter(account=account).order_by("name", "language")
        return Response(s.TemplateOutput(templates, many=True).data)


class TemplatesViewSet(_ListFiltersOnly, ScopedViewSet):
    model = MessageTemplate
    serializer_class = s.TemplateOutput
    filterset_fields = ["account", "status", "language", "category"]
    search_fields = ["name"]
    ordering_fields = ["name", "language", "status"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("name", "language", "id")

    @extend_schema(tags=TAGS, responses={200: s.TemplateOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.TemplateOutput(page, many=True).data)

    @extend_schema(tags=TAGS, responses={200: s.TemplateOutput})
    def retrieve(self, request, pk=None):
        return Response(s.TemplateOutput(self.get_object()).data)


class BroadcastsViewSet(_ListFiltersOnly, ScopedViewSet):
    model = Broadcast
    pagination_class = KeysetPagination  # keyset over (workspace, -created_at), a bounded count
    serializer_class = s.BroadcastOutput
    filterset_fields = ["status", "account"]
    ordering_fields = ["created_at", "schedule_date"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("-created_at", "-id")

    @extend_schema(tags=TAGS, responses={200: s.BroadcastOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.BroadcastOutput(page, many=True).data)

    @extend_schema(tags=TAGS, responses={200: s.BroadcastOutput})
    def retrieve(self, request, pk=None):
        return Response(s.BroadcastOutput(self.get_object()).data)

    @extend_schema(
        tags=TAGS,
        request=s.BroadcastInput,
        responses={201: s.BroadcastCreatedOutput},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
    )
    @idempotent()
    def create(self, request):
        data = s.BroadcastInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        created = broadcast_services.broadcast_create(
            workspace=request.workspace,
            user=request.user,
            account=_account_or_400(values["whatsapp_account_id"]),
            message=values["message"],
            recipients=values.get("recipients"),
            segment_id=values.get("segment_id"),
            schedule_date=values.get("schedule_date"),
            name=values.get("name", ""),
            idempotency_key=f"api:{request.idempotency_key}",
            request=request,
        )
        body = s.BroadcastOutput(created.broadcast).data
        body["rejected_recipients"] = created.rejected_recipients
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, request=s.PreviewInput, responses={200: s.PreviewOutput})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        data = s.PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            broadcast_services.broadcast_preview(
                workspace=request.workspace,
                recipients=data.validated_data.get("recipients"),
                segment_id=data.validated_data.get("segment_id"),
            )
        )

    @extend_schema(tags=TAGS, request=None, responses={200: s.BroadcastOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        broadcast = broadcast_services.broadcast_cancel(broadcast=self.get_object(), user=request.user, request=request)
        return Response(s.BroadcastOutput(broadcast).data)

    @extend_schema(
        tags=TAGS,
        responses={200: s.MessageOutput(many=True)},
        parameters=[OpenApiParameter("status", str, enum=Message.Status.values)],
    )
    @action(detail=True, methods=["get"], pagination_class=MessageCursorPagination)
    def messages(self, request, pk=None):
        broadcast = self.get_object()
        messages = selectors.broadcast_messages(broadcast=broadcast, status=request.query_params.get("status"))
        page = self.paginate_queryset(messages)
        return self.get_paginated_response(s.MessageOutput(page, many=True).data)


class ConversationsViewSet(_ListFiltersOnly, ScopedViewSet):
    model = Conversation
    serializer_class = s.ConversationOutput
    filterset_fields = ["account"]
    search_fields = ["phone", "profile_name"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.conversation_order(queryset)

    @extend_schema(tags=TAGS, responses={200: s.ConversationOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.ConversationOutput(page, many=True).data)

    @extend_schema(tags=TAGS, responses={200: s.ConversationDetailOutput})
    def retrieve(self, request, pk=None):
        return Response(s.ConversationDetailOutput(self.get_object()).data)

    @extend_schema(tags=TAGS, methods=["GET"], responses={200: s.MessageOutput(many=True)})
    @extend_schema(
        tags=TAGS,
        methods=["POST"],
        request=s.ReplyInput,
        responses={201: s.MessageOutput},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=MessageCursorPagination)
    def messages(self, request, pk=None):
        conversation = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.conversation_messages(conversation=conversation))
            return self.get_paginated_response(s.MessageOutput(page, many=True).data)
        return self._reply(request, conversation)

    @idempotent(required=False)
    def _reply(self, request, conversation):
        data = s.ReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = conversation_services.message_send(
            workspace=request.workspace,
            conversation=conversation,
            spec=data.validated_data["message"],
            user=request.user,
            idempotency_key=getattr(request, "idempotency_key", "") or "",
        )
        return Response(s.MessageOutput(message).data, status=status.HTTP_201_CREATED)


class BotRulesViewSet(_ListFiltersOnly, ScopedViewSet):
    model = BotRule
    serializer_class = s.BotRuleOutput
    filterset_fields = ["account", "is_active"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("priority", "id")

    @extend_schema(tags=TAGS, responses={200: s.BotRuleOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.BotRuleOutput(page, many=True).data)

    @extend_schema(tags=TAGS, responses={200: s.BotRuleOutput})
    def retrieve(self, request, pk=None):
        return Response(s.BotRuleOutput(self.get_object()).data)

    def _save(self, request, rule: BotRule | None, partial: bool):
        data = s.BotRuleInput(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "whatsapp_account_id" in values:
            values["account"] = _account_or_400(values.pop("whatsapp_account_id"))
        return bot_rule_save(rule=rule, values=values)

    @extend_schema(tags=TAGS, request=s.BotRuleInput, responses={201: s.BotRuleOutput})
    def create(self, request):
        rule = self._save(request, None, partial=False)
        return Response(s.BotRuleOutput(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, request=s.BotRuleInput, responses={200: s.BotRuleOutput})
    def partial_update(self, request, pk=None):
        return Response(s.BotRuleOutput(self._save(request, self.get_object(), partial=True)).data)

    @extend_schema(tags=TAGS, request=s.BotRuleInput, responses={200: s.BotRuleOutput})
    def update(self, request, pk=None):
        return Response(s.BotRuleOutput(self._save(request, self.get_object(), partial=False)).data)

    @extend_schema(tags=TAGS, responses={204: None})
    def destroy(self, request, pk=None):
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class OptOutsViewSet(_ListFiltersOnly, ScopedViewSet):
    model = OptOut
    serializer_class = s.OptOutOutput
    search_fields = ["phone"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("-created_at", "-id")

    @extend_schema(tags=TAGS, responses={200: s.OptOutOutput(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.OptOutOutput(page, many=True).data)

    @extend_schema(tags=TAGS, responses={200: s.OptOutOutput})
    def retrieve(self, request, pk=None):
        return Response(s.OptOutOutput(self.get_object()).data)

    @extend_schema(tags=TAGS, request=s.OptOutInput, responses={201: s.OptOutOutput})
    def create(self, request):
        data = s.OptOutInput(data=request.data)
        data.is_valid(raise_exception=True)
        optout, created = optout_services.optout_add(
            workspace=request.workspace, phone=data.validated_data["phone"], user=request.user, request=request
        )
        return Response(s.OptOutOutput(optout).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(tags=TAGS, responses={204: None})
    def destroy(self, request, pk=None):
        optout = self.get_object()
        optout_services.optout_remove(
            workspace=request.workspace, phone=optout.phone, user=request.user, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
