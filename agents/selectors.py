"""Reads of the agents app."""

from __future__ import annotations

from django.db.models import QuerySet

from agents.models import Agent, Conversation, Knowledge


def conversations(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    return queryset.select_related("agent").order_by("-last_message_at", "-id")


def handoff_queue(*, agent: Agent | None = None) -> QuerySet[Conversation]:
    queryset = Conversation.objects.filter(flagged=True)
    if agent is not None:
        queryset = queryset.filter(agent=agent)
    return conversations(queryset)


def knowledge_of(agent: Agent) -> QuerySet[Knowledge]:
    return Knowledge.objects.filter(agent=agent).order_by("created_at", "id")


def agent_for_widget(public_key: str) -> Agent | None:
    """A published agent by its public key, whatever the scope (public routes)."""
    return (
        Agent.unscoped.select_related("workspace").filter(public_key=public_key, status=Agent.Status.PUBLISHED).first()
    )
