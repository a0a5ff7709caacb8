"""Agents, their knowledge and conversations (writes).

- `agent_create` is charged `ai_agents` (20) through the charge door, once
  per idempotency key: the key is unique per workspace on the agent row, so a
  replay finds the agent already made. The knowledge given at creation is
  added in the same call. Updates and deletes are free.
- `knowledge_add` takes text, a file (txt, md, pdf, docx — sniffed, capped)
  or a public URL (fetched through the outbound door), splits it into chunks
  and indexes them for retrieval.
- Conversations: `conversation_start`, the human side (`human_reply`,
  `conversation_release`) and the evaluation of a set of test cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from agents import extract, retrieval, tools
from agents.models import Agent, Chunk, Conversation, Knowledge, Message
from billing.charging import charge
from nexusone.audit import audit_record
from nexusone.errors import Conflict, ValidationFailed

MODULE = "ai_agents"
MAX_KNOWLEDGE_ITEMS = 200
MAX_ORIGINS = 20
MAX_KEYWORDS = 30
EDITABLE = (
    "name",
    "instructions",
    "language",
    "tone",
    "greeting",
    "handoff_keywords",
    "daily_credit_cap",
    "allowed_origins",
    "whatsapp_account",
    "status",
)


def clean_origins(origins: Iterable[str]) -> list[str]:
    """`scheme://host[:port]` of each allowed site (paths dropped), lower case, unique."""
    cleaned: list[str] = []
    for raw in origins or []:
        value = str(raw).strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
            raise ValidationFailed(details={"allowed_origins": [_("Enter web addresses like https://example.com.")]})
        origin = f"{parts.scheme}://{parts.hostname.lower()}" + (f":{parts.port}" if parts.port else "")
        if origin not in cleaned:
            cleaned.append(origin)
    if len(cleaned) > MAX_ORIGINS:
        raise ValidationFailed(details={"allowed_origins": [_("At most %(n)s sites.") % {"n": MAX_ORIGINS}]})
    return cleaned


def clean_keywords(keywords: Iterable[str]) -> list[str]:
    cleaned = []
    for keyword in keywords or []:
        keyword = " ".join(str(keyword).split())[:60]
        if keyword and keyword not in cleaned:
            cleaned.append(keyword)
    return cleaned[:MAX_KEYWORDS]


def _apply(agent: Agent, values: dict) -> None:
    for name in EDITABLE:
        if name not in values:
            continue
        value = values[name]
        if name == "allowed_origins":
            value = clean_origins(value)
        elif name == "handoff_keywords":
            value = clean_keywords(value)
        elif name in ("greeting", "instructions", "name") and value is not None:
            value = str(value).strip()
        setattr(agent, name, value)
    if not agent.name:
        raise ValidationFailed(details={"name": [_("Enter a name.")]})


def agent_create(
    *, workspace, user, values: dict, knowledge: list[dict] | None = None, idempotency_key: str = "", request=None
) -> Agent:
    """Create an agent (charged `ai_agents` once per key) with its first knowledge."""
    if idempotency_key:
        existing = Agent.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    agent = Agent(created_by=user if getattr(user, "is_authenticated", False) else None)
    _apply(agent, values)
    items = list(knowledge or [])
    if len(items) > MAX_KNOWLEDGE_ITEMS:
        raise ValidationFailed(details={"knowledge": [_("Too many items.")]})
    for item in items:
        if not str(item.get("content") or "").strip():
            raise ValidationFailed(details={"knowledge": [_("Each item needs its text.")]})
    with charge(
        workspace=workspace,
        module=MODULE,
        user=user if getattr(user, "is_authenticated", False) else None,
        action="agent_create",
        idempotency_key=f"{MODULE}:{idempotency_key}" if idempotency_key else None,
        reference="agents.agent",
    ) as handle:
        try:
            with transaction.atomic():
                agent.idempotency_key = idempotency_key
                agent.credits_charged = handle.credits
                agent.save()
                for item in items:
                    knowledge_add_text(agent=agent, title=item.get("title") or agent.name, content=item["content"])
        except IntegrityError:
            # A concurrent request with the same key made it first: the charge door refunds this one.
            if not Agent.objects.filter(idempotency_key=idempotency_key).exists():
                raise
            raise Conflict(_("This request is already being processed."), code="agent_in_progress") from None
    audit_record(
        action="agents.agent.created",
        request=request,
        user=user if getattr(user, "is_authenticated", False) else None,
        workspace=workspace,
        target=agent,
    )
    return agent


def agent_update(*, agent: Agent, values: dict) -> Agent:
    old_language = agent.language
    _apply(agent, values)
    agent.save()
    if agent.language != old_language:
        retrieval.reindex_agent(agent=agent)
    return agent


def agent_delete(*, agent: Agent) -> None:
    agent.delete()


def _chunk_rows(agent: Agent, knowledge: Knowledge, content: str) -> list[Chunk]:
    return [
        Chunk(workspace_id=agent.workspace_id, agent=agent, knowledge=knowledge, position=i, text=text)
        for i, text in enumerate(retrieval.split_text(content))
    ]


def _knowledge_save(*, agent: Agent, kind: str, title: str, source: str, content: str) -> Knowledge:
    content = content.strip()
    if not content:
        raise ValidationFailed(details={"content": [_("Enter the text the agent should know.")]})
    if Knowledge.objects.filter(agent=agent).count() >= MAX_KNOWLEDGE_ITEMS:
        raise ValidationFailed(details={"knowledge": [_("This agent already has the most knowledge items allowed.")]})
    title = " ".join((title or "").split())[:200] or _("Untitled")
    with transaction.atomic():
        knowledge = Knowledge.objects.create(
            agent=agent, kind=kind, title=title, source=source[:1000], content=content[: extract.MAX_TEXT_CHARS]
        )
        rows = _chunk_rows(agent, knowledge, knowledge.content)
        Chunk.objects.bulk_create(rows, batch_size=500)
        knowledge.chunk_count = len(rows)
        knowledge.save(update_fields=["chunk_count", "updated_at"])
        retrieval.index_chunks(knowledge=knowledge)
    return knowledge


def knowledge_add_text(*, agent: Agent, title: str, content: str) -> Knowledge:
    return _knowledge_save(agent=agent, kind=Knowledge.Kind.TEXT, title=title, source="", content=content)


def knowledge_add_file(*, agent: Agent, name: str, data: bytes, title: str = "") -> Knowledge:
    text = extract.file_text(name=name, data=data)
    return _knowledge_save(agent=agent, kind=Knowledge.Kind.FILE, title=title or name, source=name, content=text)


def knowledge_add_url(*, agent: Agent, url: str, title: str = "") -> Knowledge:
    page_title, text = extract.url_text(url)
    return _knowledge_save(
        agent=agent, kind=Knowledge.Kind.URL, title=title or page_title or url, source=url, content=text
    )


def knowledge_delete(*, knowledge: Knowledge) -> None:
    knowledge.delete()


def conversation_start(*, agent: Agent, channel: str = Conversation.Channel.API, language: str = "", **values):
    return Conversation.objects.create(agent=agent, channel=channel, language=language or agent.language, **values)


def human_reply(*, conversation: Conversation, user, content: str) -> Message:
    """A team member answers: the agent pauses for this conversation until released.
    On WhatsApp the text is sent as an ordinary (charged) reply."""
    from agents.replies import clean_content

    content = clean_content(content)
    if conversation.channel == Conversation.Channel.WHATSAPP and conversation.whatsapp_conversation_id:
        from whatsapp.services.conversations import message_send

        message_send(
            workspace=conversation.workspace,
            conversation=conversation.whatsapp_conversation,
            spec={"type": "text", "text": {"body": content}},
            user=user,
        )
    message = Message.objects.create(conversation=conversation, role=Message.Role.HUMAN, content=content, author=user)
    if not conversation.paused:
        tools.flag(conversation=conversation, reason="human_reply", pause=True)
    tools.spent_increment(conversation, 0)
    return message


def conversation_release(*, conversation: Conversation) -> Conversation:
    return tools.release(conversation=conversation)
