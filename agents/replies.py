"""An agent's answer to one message — the same path for the members' API,
the playground, the web widget and WhatsApp.

    reply = reply_to(agent=agent, conversation=conversation, content="…", user=user)

1. The message is checked (not empty, at most `MAX_MESSAGE_CHARS`) and stored.
2. A paused conversation (a person took over) gets no answer. A handoff
   keyword hands it over at once (free, no provider call).
3. Cost: `agent_reply` (web, API, playground) through the charge door, or
   nothing here on WhatsApp (the send is charged `whatsapp_bot` there; its
   balance is checked first). Before any provider call: the agent's daily
   cap (`QuotaExceeded`, 403 `quota_exceeded`, quota `agent_daily_credits`)
   and the balance (`InsufficientCredits`, 402) — nothing reaches the
   provider when either refuses.
4. The best chunks (`agents.retrieval.search`), the prompt
   (`agents.prompting`), the AI gateway; a failure raises and the charge door
   refunds (once). The answer is guarded against leaking the instructions;
   cited chunks become `sources` ([{knowledge_id, title, excerpt}]).
5. A tool call is run and logged (`agents.tools`); its sentence is added to
   the answer.
`reply_stream()` is the same path for a member streaming the answer
(`Accept: text/event-stream`): deltas as the provider writes them.
For visitors (`visitor=True`) a refusal or a provider failure is not an
error: they get the polite notice in the conversation's language and the
conversation is flagged for a person.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from agents import prompting, retrieval, streaming, texts, tools
from agents.models import Agent, Conversation, Message
from billing.charging import charge
from billing.models import ModuleCost
from content.gateway import generate_text, stream_text
from nexusone.errors import ApplicationError, InsufficientCredits, ProviderError, QuotaExceeded, ValidationFailed

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_REPLY_TOKENS = 500
MODULE = "agent_reply"
WHATSAPP_MODULE = "whatsapp_bot"
EXCERPT_CHARS = 240


@dataclass
class Reply:
    status: str  # answered | handoff | paused | unavailable
    text: str
    conversation_id: int
    message_id: int | None = None
    sources: list[dict] = field(default_factory=list)
    tool_calls: list[dict] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    credits: int = 0

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "reply": self.text,
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
            "sources": self.sources,
            "tool_calls": self.tool_calls,
            "usage": {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens},
            "credits": self.credits,
        }


def module_cost(module: str) -> int:
    cost = ModuleCost.objects.filter(module=module, is_active=True).values_list("credits", flat=True).first()
    return int(cost or 0)


def spent_today(agent: Agent) -> int:
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    total = Message.objects.filter(
        conversation__agent=agent, role=Message.Role.ASSISTANT, created_at__gte=start
    ).aggregate(total=Sum("credits"))["total"]
    return int(total or 0)


def cap_check(agent: Agent, cost: int) -> None:
    if agent.daily_credit_cap is None:
        return
    spent = spent_today(agent)
    if spent + cost > agent.daily_credit_cap:
        raise QuotaExceeded(
            _("This agent reached its daily credit cap."),
            details={"quota": "agent_daily_credits", "limit": agent.daily_credit_cap, "used": spent},
        )


def clean_content(content: str) -> str:
    content = (content or "").strip()
    if not content:
        raise ValidationFailed(details={"content": [_("Write a message.")]})
    if len(content) > MAX_MESSAGE_CHARS:
        raise ValidationFailed(details={"content": [_("At most %(n)s characters.") % {"n": MAX_MESSAGE_CHARS}]})
    return content


def _language(agent: Agent, conversation: Conversation) -> str:
    return conversation.language or agent.language


def _sources(hits: list[retrieval.Hit], cited: list[int]) -> list[dict]:
    by_id = {hit.chunk_id: hit for hit in hits}
    chosen = [by_id[i] for i in cited if i in by_id]
    seen: set[int] = set()
    sources = []
    for hit in chosen:
        if hit.knowledge_id in seen:
            continue
        seen.add(hit.knowledge_id)
        excerpt = " ".join(hit.text.split())
        if len(excerpt) > EXCERPT_CHARS:
            excerpt = excerpt[: EXCERPT_CHARS - 1].rsplit(" ", 1)[0] + "…"
        sources.append({"knowledge_id": hit.knowledge_id, "title": hit.title, "excerpt": excerpt})
    return sources


def _assistant(conversation: Conversation, text: str, **values) -> Message:
    message = Message.objects.create(conversation=conversation, role=Message.Role.ASSISTANT, content=text, **values)
    tools.spent_increment(conversation, values.get("credits", 0))
    return message


def _notice(conversation: Conversation, key: str, *, status: str, reason: str = "") -> Reply:
    language = _language(conversation.agent, conversation)
    text = texts.text(language, key)
    if reason:
        tools.flag(conversation=conversation, reason=reason)
    message = _assistant(conversation, text)
    return Reply(status=status, text=text, conversation_id=conversation.pk, message_id=message.pk)


def _matches_keyword(agent: Agent, content: str) -> bool:
    folded = retrieval.fold(content)
    keywords = [retrieval.fold(str(keyword)).strip() for keyword in agent.handoff_keywords or []]
    return any(keyword and keyword in folded for keyword in keywords)


def _receive(agent: Agent, conversation: Conversation, content: str, *, user) -> tuple[str, str, Reply | None]:
    """Store the visitor's message; (content, language, the reply when no answer is generated)."""
    content = clean_content(content)
    Message.objects.create(conversation=conversation, role=Message.Role.USER, content=content, author=user)
    tools.spent_increment(conversation, 0)
    language = _language(agent, conversation)
    if conversation.paused:
        paused = Reply(status="paused", text=texts.text(language, "paused"), conversation_id=conversation.pk)
        return content, language, paused
    if _matches_keyword(agent, content):
        text, result = tools.handoff(conversation=conversation, arguments={"reason": content[:200]}, language=language)
        message = _assistant(conversation, text)
        return (
            content,
            language,
            Reply(
                status="handoff",
                text=text,
                conversation_id=conversation.pk,
                message_id=message.pk,
                tool_calls=[{"name": "handoff", "arguments": {"reason": content[:200]}, "result": result}],
            ),
        )
    return content, language, None


def reply_to(
    *,
    agent: Agent,
    conversation: Conversation,
    content: str,
    user=None,
    visitor: bool = False,
    charged_module: str = MODULE,
) -> Reply:
    """Store the message and answer it (see the module docstring)."""
    content, language, finished = _receive(agent, conversation, content, user=user)
    if finished is not None:
        return finished
    try:
        return _answer(agent, conversation, content, language=language, user=user, charged_module=charged_module)
    except (InsufficientCredits, QuotaExceeded) as exc:
        if not visitor:
            raise
        return _notice(conversation, "unavailable", status="unavailable", reason=exc.code)
    except ApplicationError as exc:
        if not visitor or exc.status_code < 500:
            raise
        logger.warning("agent %s could not answer (%s)", agent.pk, exc.code)
        return _notice(conversation, "unavailable", status="unavailable", reason=exc.code)


def reply_stream(*, agent: Agent, conversation: Conversation, content: str, user=None) -> Iterator[tuple[str, object]]:
    """`reply_to` for a member streaming the answer (`agent_reply` charged).

    A generator: the message is stored, the cap and the balance checked and the
    credits reserved before its first event (`("start", conversation id)`), so
    a refusal raises from the first `next()` like `reply_to` does. Then
    `("delta", text)` as the provider writes the answer (see `agents.streaming`),
    possibly one `("replace", text)`, and `("done", Reply)` — the same reply
    `reply_to` stores and returns. A provider failure, even after some deltas,
    raises out of the iteration once the charge door has refunded (once); a
    closed stream (the client went away) is refunded the same way."""
    content, language, finished = _receive(agent, conversation, content, user=user)
    if finished is not None:
        yield "start", conversation.pk
        yield "delta", finished.text
        yield "done", finished
        return
    cap_check(agent, module_cost(MODULE))
    shown = streaming.AnswerStream(agent=agent)
    with charge(
        workspace=agent.workspace,
        module=MODULE,
        user=user,
        action="agent_reply",
        reference=f"agents.conversation:{conversation.pk}",
    ) as handle:
        yield "start", conversation.pk
        hits, request = _prompt(agent, conversation, content, language)
        result = None
        for item in stream_text(**request):
            if isinstance(item, str):
                piece = shown.feed(item)
                if piece:
                    yield "delta", piece
            else:
                result = item
        if result is None:  # pragma: no cover - every provider ends with its result
            raise ProviderError(details={"reason": "malformed_response"})
        handle.metadata.update(result.metadata())
    reply = _finish(agent, conversation, hits, result, cost=handle.credits, language=language)
    yield shown.finish(reply.text)
    yield "done", reply


def _prompt(agent: Agent, conversation: Conversation, content: str, language: str) -> tuple[list, dict]:
    hits = retrieval.search(agent=agent, question=content)
    past = list(Message.objects.filter(conversation=conversation).order_by("-id")[1 : prompting.HISTORY_MESSAGES + 1])
    past.reverse()
    request = {
        "task": "agents.reply",
        "language": language,
        "messages": prompting.build(agent=agent, language=language, question=content, hits=hits, past=past),
        "variables": prompting.variables(agent=agent, question=content, hits=hits),
        "max_tokens": MAX_REPLY_TOKENS,
        "temperature": 0.2,
        "json_output": True,
    }
    return hits, request


def _generate(agent: Agent, conversation: Conversation, content: str, language: str):
    hits, request = _prompt(agent, conversation, content, language)
    return hits, generate_text(**request)


def _answer(agent, conversation, content, *, language, user, charged_module) -> Reply:
    if charged_module == WHATSAPP_MODULE:
        cost = module_cost(WHATSAPP_MODULE)
        cap_check(agent, cost)
        from whatsapp import credits as whatsapp_credits

        available = whatsapp_credits.balance(workspace=agent.workspace)
        if available < cost:
            raise InsufficientCredits(needed=cost, available=available)
        hits, result = _generate(agent, conversation, content, language)
    else:
        cost = module_cost(charged_module)
        cap_check(agent, cost)
        with charge(
            workspace=agent.workspace,
            module=charged_module,
            user=user,
            action="agent_reply",
            reference=f"agents.conversation:{conversation.pk}",
        ) as handle:
            hits, result = _generate(agent, conversation, content, language)
            handle.metadata.update(result.metadata())
        cost = handle.credits
    return _finish(agent, conversation, hits, result, cost=cost, language=language)


def _finish(agent: Agent, conversation: Conversation, hits, result, *, cost: int, language: str) -> Reply:
    """Parse, guard, run the tool, store the answer."""
    parsed = prompting.parse(result.text, provider=result.provider)
    answer = prompting.guard_answer(parsed.answer, agent=agent, language=language)
    leaked = answer != parsed.answer
    sources = [] if leaked else _sources(hits, parsed.source_ids)
    tool_calls = []
    status = "answered"
    if parsed.tool and not leaked:
        tool_text, tool_result = tools.run(conversation=conversation, tool=parsed.tool, language=language)
        tool_calls.append({**parsed.tool, "result": tool_result})
        if parsed.tool["name"] == "handoff":
            status = "handoff"
        if tool_text and tool_text not in answer:
            answer = f"{answer} {tool_text}".strip()
    if not answer:
        answer = f"{texts.text(language, 'dont_know')} {texts.text(language, 'handoff_offer')}"
    message = _assistant(
        conversation,
        answer,
        sources=sources,
        prompt_tokens=result.usage.prompt_tokens,
        completion_tokens=result.usage.completion_tokens,
        credits=cost,
        provider=result.provider,
    )
    return Reply(
        status=status,
        text=answer,
        conversation_id=conversation.pk,
        message_id=message.pk,
        sources=sources,
        tool_calls=tool_calls,
        prompt_tokens=result.usage.prompt_tokens,
        completion_tokens=result.usage.completion_tokens,
        credits=cost,
    )
