"""The offline provider: the default when no `OPENAI_API_KEY` is set.

Deterministic (the same request always gives the same text: variants are
picked by a hash of the request), useful (structured like the real thing:
headlines, bullets, hashtags, subject lines, Markdown headings, five ideas,
six landing-page sections) and written in the request's language — Arabic
and Hebrew in their own scripts — from `offline_texts/<lang>.py`.
Results say `provider: "offline"`; token counts are estimates (chars / 4).

It builds from `TextRequest.task` + `variables`, not from the rendered
prompt, so it never echoes instructions. Unknown tasks (modules added
later) get a short draft around the last user message.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterator
from itertools import cycle, islice
from typing import Any

from content.gateway import offline_topic, offline_video
from content.gateway.base import TextRequest, TextResult, Usage
from content.gateway.offline_texts import texts as language_texts

PROVIDER = "offline"
MODEL = "offline-templates-v1"

EMOJI = {"professional": "📌", "casual": "👋", "friendly": "😊", "persuasive": "🚀", "informative": "💡"}
SENTENCES = {"short": 1, "medium": 3, "long": 6}
PARAGRAPHS = {"short": 1, "medium": 2, "long": 4}


def _rng(request: TextRequest) -> random.Random:
    payload = json.dumps(
        {"task": request.task, "language": request.language, "variables": dict(request.variables)},
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return random.Random(int(hashlib.sha256(payload.encode()).hexdigest()[:16], 16))


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-–— ")
    return (cut or text[: limit - 1]) + "…"


def _topic(prompt: str, quotes: tuple[str, str], language: str = "en") -> str:
    """The prompt's subject (offline_topic): inline when the prompt was an instruction
    ("Write a post about our new mugs" → our new mugs), else between the language's quotes."""
    text = offline_topic.subject(prompt, language)
    if not text:
        return quotes[0] + "…" + quotes[1]
    return text if offline_topic.is_instruction(prompt, language) else f"{quotes[0]}{text}{quotes[1]}"


def _cap(text: str) -> str:
    """A sentence that starts with an inline subject ("our new mugs …") starts with a capital."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _paragraphs(sentences: list[str], count: int) -> list[str]:
    size = max(1, -(-len(sentences) // count))
    return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]


def _content(texts: dict, v: dict, rng: random.Random, language: str = "en") -> str:
    c = texts["content"]
    tone = v.get("tone") if v.get("tone") in c["cta"] else "informative"
    length = v.get("length") if v.get("length") in SENTENCES else "medium"
    kind = v.get("type") or "text"
    topic = _topic(v.get("prompt", ""), texts["quotes"], language)
    # The headline, opening and closing name the subject; the body says it again only when it runs long.
    general = [p for p in c["points"] if "{topic}" not in p]
    specific = [_cap(p.format(topic=topic)) for p in c["points"] if "{topic}" in p]
    rng.shuffle(general)
    rng.shuffle(specific)
    points = general[:3] + specific[:1] + general[3:] + specific[1:]
    points_iter = cycle(points)
    opening = _cap(rng.choice(c["open"][tone]).format(topic=topic))
    closing = _cap(rng.choice(c["close"][tone]).format(topic=topic))
    headline = _cap(c["headline"][tone].format(topic=topic))
    cta = c["cta"][tone]
    n_sentences, n_paragraphs = SENTENCES[length], PARAGRAPHS[length]

    if kind == "marketing_copy":
        benefits = list(c["benefits"])
        rng.shuffle(benefits)
        bullets = benefits[: {"short": 2, "medium": 3, "long": 5}[length]]
        blocks = [headline, f"{opening} {next(points_iter)}", "\n".join(f"• {b}" for b in bullets)]
        if length == "long":
            blocks.append(" ".join(islice(points_iter, 3)))
        blocks.append(cta)
        return "\n\n".join(blocks)

    if kind == "social_media":
        lines = list(islice(points_iter, {"short": 1, "medium": 2, "long": 3}[length]))
        own = offline_topic.hashtags(offline_topic.subject(v.get("prompt", ""), language), language)
        tags = list(dict.fromkeys([*own, *c["hashtags"]]))[: {"short": 3, "medium": 4, "long": 5}[length]]
        return "\n\n".join([f"{EMOJI[tone]} {headline}", "\n".join(lines), f"👉 {cta}", " ".join(tags)])

    if kind == "email":
        e = c["email"]
        body_count = {"short": 1, "medium": 2, "long": 3}[length]
        body = [f"{opening} {next(points_iter)}"]
        body += [" ".join(islice(points_iter, 2)) for _ in range(body_count - 1)]
        return "\n\n".join(
            [
                f"{e['subject_label']}: {_cap(e['subject'][tone].format(topic=topic))}",
                e["greeting"][tone],
                *body,
                f"{closing} {cta}",
                f"{e['signoff'][tone]}\n{e['signature']}",
            ]
        )

    if kind == "blog_post":
        b = c["blog"]
        sections = {"short": 2, "medium": 3, "long": 5}[length]
        per_section = 2 if length == "long" else 1
        blocks = [f"# {headline}", f"{opening} {next(points_iter)}"]
        for heading in b["headings"][:sections]:
            blocks.append(f"## {_cap(heading.format(topic=topic))}")
            blocks.append(" ".join(islice(points_iter, per_section)))
        blocks += [f"## {b['conclusion']}", f"{closing} {cta}"]
        return "\n\n".join(blocks)

    # "text" (and any other type): plain paragraphs
    sentences = [opening, *islice(points_iter, n_sentences), closing]
    return "\n\n".join(_paragraphs(sentences, n_paragraphs))


def _ideas(texts: dict, v: dict, rng: random.Random) -> str:
    niche = _clip(v.get("niche", ""), 80)
    budget = v.get("budget")
    try:
        budget = int(budget) if budget not in (None, "") else None
    except (TypeError, ValueError):
        budget = None
    archetypes = list(texts["ideas"])
    rng.shuffle(archetypes)
    if budget is not None:
        affordable = [a for a in archetypes if a["cost"][0] <= budget]
        rest = sorted((a for a in archetypes if a["cost"][0] > budget), key=lambda a: a["cost"][0])
        archetypes = affordable + rest
    ideas = []
    for archetype in archetypes[:5]:
        low, high = archetype["cost"]
        ideas.append(
            {
                "title": archetype["title"].format(niche=niche),
                "summary": archetype["summary"].format(niche=niche),
                "audience": archetype["audience"].format(niche=niche),
                "first_steps": [step.format(niche=niche) for step in archetype["steps"]],
                "estimated_startup_cost": {"min": low, "max": high, "currency": "USD"},
            }
        )
    return json.dumps({"ideas": ideas}, ensure_ascii=False)


def landing_sections(language: str, v: dict) -> dict:
    """The six sections of a page, from the language's templates."""
    p = language_texts(language)["page"]
    goal = v.get("goal") if v.get("goal") in p["cta_label"] else "lead_generation"
    values = {
        "title": _clip(v.get("title", ""), 90),
        "description": _clip(v.get("description", ""), 600),
        "audience": _clip(v.get("target_audience", ""), 80),
        "industry": _clip(v.get("industry", ""), 60),
    }

    def fmt(template: str) -> str:
        return template.format(**values)

    cta_label = p["cta_label"][goal]
    summary = _clip(values["description"], 250)
    if summary and summary[-1] not in ".!?؟…":
        summary += "."
    return {
        "hero": {
            "headline": values["title"],
            "subheadline": f"{summary} {fmt(p['audience_line'])}".strip(),
            "cta_label": cta_label,
        },
        "benefits": {
            "title": fmt(p["benefits_title"]),
            "items": [{"title": fmt(i["title"]), "description": fmt(i["description"])} for i in p["benefits"]],
        },
        "social_proof": {"title": p["social_title"], "testimonials": [dict(t) for t in p["testimonials"]], "stats": []},
        "faq": {
            "title": p["faq_title"],
            "items": [{"question": fmt(i["question"]), "answer": fmt(i["answer"])} for i in p["faq"]],
        },
        "cta": {"title": p["cta_title"][goal], "text": p["cta_text"], "button_label": cta_label, "button_url": "#form"},
        "form": {
            "title": p["form_title"][goal],
            "text": p["form_text"],
            "name_label": p["name_label"],
            "email_label": p["email_label"],
            "phone_label": p["phone_label"],
            "message_label": p["message_label"],
            "submit_label": cta_label,
            "success_message": p["success_message"],
            "show_phone": True,
            "show_message": True,
        },
    }


def _landing_page(texts: dict, v: dict, rng: random.Random, language: str) -> str:
    return json.dumps(landing_sections(language, v), ensure_ascii=False)


def _generic(texts: dict, request: TextRequest, rng: random.Random) -> str:
    last_user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    topic = _topic(str(request.variables.get("prompt") or last_user), texts["quotes"], request.language)
    points = [_cap(p.format(topic=topic)) for p in texts["content"]["points"]]
    rng.shuffle(points)
    return "\n\n".join([_cap(texts["generic"].format(topic=topic)), " ".join(points[:2])])


# Tasks of modules built on the gateway (e.g. "agents.reply"): task → builder(request) → text.
OFFLINE_TASKS: dict[str, Callable[[TextRequest], str]] = {}


def register_offline_task(task: str, builder: Callable[[TextRequest], str]) -> None:
    """Let a module answer its own task offline, deterministically, from the request's variables."""
    OFFLINE_TASKS[task] = builder


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


STREAM_CHUNK_CHARS = 12  # the offline stream's deltas: fixed-size slices of the finished answer


class OfflineProvider:
    name = PROVIDER
    model = MODEL

    def stream(self, request: TextRequest) -> Iterator[str | TextResult]:
        """The finished answer in deterministic 12-character deltas, then the result."""
        result = self.complete(request)
        for start in range(0, len(result.text), STREAM_CHUNK_CHARS):
            yield result.text[start : start + STREAM_CHUNK_CHARS]
        yield result

    def complete(self, request: TextRequest) -> TextResult:
        texts = language_texts(request.language)
        rng = _rng(request)
        variables: dict[str, Any] = dict(request.variables)
        if request.task == "content.generate":
            text = _content(texts, variables, rng, request.language)
        elif request.task == "content.ideas":
            text = _ideas(texts, variables, rng)
        elif request.task == "content.landing_page":
            text = _landing_page(texts, variables, rng, request.language)
        elif request.task == "content.video_prompt":
            text = offline_video.video_prompt(request.language, variables, rng)
        elif request.task in OFFLINE_TASKS:
            text = OFFLINE_TASKS[request.task](request)
        else:
            text = _generic(texts, request, rng)
        prompt_tokens = sum(_estimate_tokens(m.content) for m in request.messages)
        completion_tokens = _estimate_tokens(text)
        return TextResult(
            text=text,
            provider=PROVIDER,
            model=MODEL,
            usage=Usage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens,
                estimated=True,
            ),
            finish_reason="stop",
            prompt_version=request.prompt_version,
        )
