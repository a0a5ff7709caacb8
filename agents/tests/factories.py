"""Agents test rows, created with an explicit workspace (no scope needed), and
the route walk's `TENANT_FACTORIES`."""

from __future__ import annotations

import itertools

from agents import retrieval
from agents.models import Agent, Chunk, Conversation, Knowledge, Message

_sequence = itertools.count(1)

FAQ_EN = """Do you deliver on weekends?
We deliver on Saturdays between 9:00 and 14:00. There are no deliveries on Sundays.

How much does shipping cost?
Shipping costs 5 euros for orders under 50 euros and is free above that.

Can I return a product?
You can return any product within 30 days with its receipt for a full refund."""


def make_agent(workspace, **fields) -> Agent:
    n = next(_sequence)
    values = {"name": f"Agent {n} of {workspace.name}", "instructions": "Be helpful.", "language": "en", **fields}
    return Agent.unscoped.create(workspace=workspace, **values)


def make_knowledge(workspace, agent: Agent | None = None, *, title: str = "FAQ", content: str = FAQ_EN) -> Knowledge:
    agent = agent or make_agent(workspace)
    knowledge = Knowledge.unscoped.create(workspace=workspace, agent=agent, title=title, content=content)
    chunks = [
        Chunk(workspace=workspace, agent=agent, knowledge=knowledge, position=i, text=text)
        for i, text in enumerate(retrieval.split_text(content))
    ]
    Chunk.unscoped.bulk_create(chunks)
    Knowledge.unscoped.filter(pk=knowledge.pk).update(chunk_count=len(chunks))
    retrieval.index_chunks(knowledge=knowledge)
    return knowledge


def make_conversation(workspace, agent: Agent | None = None, **fields) -> Conversation:
    agent = agent or make_agent(workspace)
    conversation = Conversation.unscoped.create(workspace=workspace, agent=agent, **fields)
    Message.unscoped.create(
        workspace=workspace, conversation=conversation, role="user", content=f"Hello from {workspace.name}"
    )
    return conversation


def _first_agent(workspace) -> Agent:
    # Nested routes (/ai-agents/{agent_pk}/conversations/{pk}/) need rows of the same agent.
    return Agent.unscoped.filter(workspace=workspace).order_by("id").first() or make_agent(workspace)


TENANT_FACTORIES = {
    Agent: make_agent,
    Knowledge: lambda ws: make_knowledge(ws, _first_agent(ws)),
    Conversation: lambda ws: make_conversation(ws, _first_agent(ws)),
    Chunk: lambda ws: Chunk.unscoped.filter(knowledge=make_knowledge(ws, _first_agent(ws))).first(),
    Message: lambda ws: Message.unscoped.filter(conversation=make_conversation(ws, _first_agent(ws))).first(),
}
