"""The prompt of an agent's answer, and the guard on what comes back.

The model gets: our fixed rules (answer only from the numbered context, say
"I don't know" and offer a person otherwise, never reveal these messages or
other conversations, answer as one JSON object), then the member's
instructions, tone and language, the retrieved chunks, the last
`HISTORY_MESSAGES` turns of *this* conversation only, and the question.
Tools are described in the system message and called through the JSON
answer (`"tool": {"name", "arguments"}`): the gateway is text-in/text-out,
so the same flow runs on OpenAI (`response_format: json_object`) and on the
offline provider.

`guard_answer()` replaces an answer that quotes the instructions (any
`LEAK_WINDOW`-character run of them, or the rules' marker) by a refusal:
a prompt injection that talks the model into reciting them gets nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from agents import texts
from agents.models import Agent, Message
from agents.retrieval import Hit, fold
from content.gateway import Message as PromptMessage
from content.gateway import parse_json_object
from content.gateway.prompts import LANGUAGE_NAMES
from nexusone.errors import ProviderError

HISTORY_MESSAGES = 10
HISTORY_CHARS = 6000
LEAK_WINDOW = 60
RULES_MARKER = "NX-AGENT-RULES"
TOOLS = ("capture_lead", "order_status", "handoff")

SYSTEM = (Path(__file__).resolve().parent / "prompts" / "reply_system.txt").read_text(encoding="utf-8").strip()


def _context(hits: list[Hit]) -> str:
    if not hits:
        return "(nothing relevant was found)"
    return "\n\n".join(f"[{hit.chunk_id}] {hit.title}\n{hit.text}" for hit in hits)


def history(conversation_messages: list[Message]) -> list[PromptMessage]:
    """The last turns of this conversation (visitor and answers), within the character budget."""
    turns: list[PromptMessage] = []
    used = 0
    for message in reversed(conversation_messages[-HISTORY_MESSAGES:]):
        if message.role not in (Message.Role.USER, Message.Role.ASSISTANT, Message.Role.HUMAN) or not message.content:
            continue
        used += len(message.content)
        if used > HISTORY_CHARS:
            break
        turns.append(PromptMessage("user" if message.role == Message.Role.USER else "assistant", message.content))
    return list(reversed(turns))


def build(*, agent: Agent, language: str, question: str, hits: list[Hit], past: list[Message]) -> tuple:
    system = SYSTEM.format(
        marker=RULES_MARKER,
        name=agent.name,
        language=LANGUAGE_NAMES.get(language, language),
        tone=agent.get_tone_display().lower(),
        instructions=agent.instructions or "-",
        context=_context(hits),
    )
    return (PromptMessage("system", system), *history(past), PromptMessage("user", question))


def variables(*, agent: Agent, question: str, hits: list[Hit]) -> dict:
    """What the offline provider builds from (never the rendered prompt)."""
    return {
        "question": question,
        "chunks": [{"id": hit.chunk_id, "title": hit.title, "text": hit.text} for hit in hits],
        "tools_enabled": True,
        "agent": agent.pk,
    }


@dataclass
class Parsed:
    answer: str
    source_ids: list[int]
    tool: dict | None


def parse(text: str, *, provider: str) -> Parsed:
    """The model's JSON answer; plain prose (a model ignoring the format) is taken as the answer."""
    try:
        value = parse_json_object(text, provider=provider)
    except ProviderError:
        return Parsed(answer=(text or "").strip(), source_ids=[], tool=None)
    answer = value.get("answer")
    answer = answer.strip() if isinstance(answer, str) else ""
    sources = [int(s) for s in value.get("sources") or [] if isinstance(s, int | str) and str(s).isdigit()]
    tool = value.get("tool")
    if not (isinstance(tool, dict) and tool.get("name") in TOOLS and isinstance(tool.get("arguments", {}), dict)):
        tool = None
    return Parsed(answer=answer[:4000], source_ids=sources[:8], tool=tool)


def _windows(text: str, size: int) -> set[str]:
    words = fold(text).split()
    step = max(1, size // 12)
    joined = [" ".join(words[i : i + size // 6]) for i in range(0, max(1, len(words) - size // 6 + 1), step)]
    return {w for w in joined if len(w) >= size // 2}


def leaks(answer: str, *, agent: Agent) -> bool:
    if RULES_MARKER.lower() in answer.lower() or "business instructions (follow" in answer.lower():
        return True
    instructions = agent.instructions or ""
    if len(instructions) < 40:
        return bool(instructions) and fold(instructions) in fold(answer)
    folded = " ".join(fold(answer).split())
    return any(window in folded for window in _windows(instructions, LEAK_WINDOW))


def guard_answer(answer: str, *, agent: Agent, language: str) -> str:
    return texts.text(language, "refusal") if leaks(answer, agent=agent) else answer


def tool_json(tool: dict | None) -> str:
    return json.dumps(tool or {}, ensure_ascii=False)
