"""WhatsApp reads (inside the caller's workspace scope)."""

from __future__ import annotations

from django.db.models import F, QuerySet

from whatsapp.models import BotRule, Broadcast, Conversation, Message, MessageTemplate, OptOut, WhatsAppAccount


def account_list() -> QuerySet[WhatsAppAccount]:
    return WhatsAppAccount.objects.order_by("created_at", "id")


def template_list(*, account: WhatsAppAccount | None = None) -> QuerySet[MessageTemplate]:
    templates = MessageTemplate.objects.select_related("account").order_by("name", "language")
    return templates.filter(account=account) if account is not None else templates


def approved_templates(*, account: WhatsAppAccount) -> QuerySet[MessageTemplate]:
    return template_list(account=account).filter(status=MessageTemplate.Status.APPROVED)


def broadcast_list() -> QuerySet[Broadcast]:
    return Broadcast.objects.select_related("account").order_by("-created_at", "-id")


def broadcast_messages(*, broadcast: Broadcast, status: str | None = None) -> QuerySet[Message]:
    messages = Message.objects.filter(broadcast=broadcast)
    if status in Message.Status.values:
        messages = messages.filter(status=status)
    return messages.order_by("id")


def conversation_order(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    return queryset.order_by(F("last_message_at").desc(nulls_last=True), "-id")


def conversation_list() -> QuerySet[Conversation]:
    return conversation_order(Conversation.objects.select_related("account"))


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation).order_by("id")


def bot_rule_list() -> QuerySet[BotRule]:
    return BotRule.objects.select_related("account").order_by("priority", "id")


def optout_list() -> QuerySet[OptOut]:
    return OptOut.objects.order_by("-created_at", "-id")
