"""The offline provider's answer for `agents.reply` (registered with the
gateway in `AgentsConfig.ready`).

Deterministic and grounded: it reads only the request's variables — the
visitor's question and the retrieved chunks — never the rendered prompt, so
no instruction can leak through it. It answers with the same JSON object a
language model is asked for (`{"answer", "sources", "tool"}`):
- a tool when the question calls for one: an e-mail address or phone number
  → `capture_lead`; an order number with an e-mail → `order_status`; a
  request for a person → `handoff`;
- otherwise the sentences of the best-matching chunk that share the most
  words with the question, citing that chunk;
- no chunk sharing enough of the question's words → "I don't know" plus the
  handoff offer, citing nothing.
"""

from __future__ import annotations

import json
import re

from agents import texts
from agents.retrieval import _SENTENCE, fold, score_text, terms
from content.gateway.base import TextRequest

MIN_SCORE = 0.3
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
ORDER = re.compile(
    r"(?:order|pedido|encomenda|طلب|הזמנה)\s*(?:n[ºo°.]*|number|número|numero)?\s*#?\s*([A-Za-z0-9-]{3,})", re.I
)


def _tool(question: str, language: str) -> dict | None:
    email = EMAIL.search(question)
    order = ORDER.search(question)
    if order and email and any(ch.isdigit() for ch in order.group(1)):
        return {"name": "order_status", "arguments": {"order_number": order.group(1), "email": email.group(0)}}
    phone = PHONE.search(EMAIL.sub(" ", question))
    if email or phone:
        arguments = {"note": question[:300]}
        if email:
            arguments["email"] = email.group(0)
        if phone:
            arguments["phone"] = phone.group(0).strip()
        return {"name": "capture_lead", "arguments": arguments}
    folded = fold(question)
    words = texts.HUMAN_WORDS.get(language, ()) + texts.HUMAN_WORDS["en"]
    if any(fold(word) in folded for word in words):
        return {"name": "handoff", "arguments": {"reason": question[:200]}}
    return None


def _best_sentences(words: list[str], chunk_text: str, limit: int = 3) -> str:
    lines = [line.strip() for line in chunk_text.split("\n") if line.strip()]
    sentences = [s.strip() for line in lines for s in _SENTENCE.split(line) if s.strip()]
    statements = [s for s in sentences if not s.endswith(("?", "؟"))] or sentences
    scored = sorted(range(len(statements)), key=lambda i: (-score_text(words, statements[i]), i))
    keep = sorted(scored[:limit])
    # Keep the answer's first sentence even when the words matched the next one.
    return " ".join(statements[i] for i in keep)


def reply(request: TextRequest) -> str:
    variables = request.variables
    language = request.language
    question = str(variables.get("question") or "")
    chunks = list(variables.get("chunks") or [])
    tool = _tool(question, language) if variables.get("tools_enabled", True) else None
    words = terms(question)
    best, best_score = None, 0.0
    for chunk in chunks:
        score = score_text(words, f"{chunk.get('title', '')}\n{chunk.get('text', '')}")
        if score > best_score:
            best, best_score = chunk, score
    if tool is not None and tool["name"] != "handoff" and (best is None or best_score < MIN_SCORE):
        return json.dumps({"answer": "", "sources": [], "tool": tool}, ensure_ascii=False)
    if tool is not None and tool["name"] == "handoff":
        return json.dumps({"answer": texts.text(language, "handoff_started"), "sources": [], "tool": tool})
    if best is None or best_score < MIN_SCORE:
        answer = f"{texts.text(language, 'dont_know')} {texts.text(language, 'handoff_offer')}"
        return json.dumps({"answer": answer, "sources": [], "tool": None}, ensure_ascii=False)
    answer = _best_sentences(words, str(best.get("text", "")))
    return json.dumps({"answer": answer, "sources": [best.get("id")], "tool": tool}, ensure_ascii=False)
