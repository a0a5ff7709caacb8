"""`evaluate()`: run test questions through the agent and score the answers.

Each case's question is asked in a fresh playground conversation (so cases
do not see each other), through the ordinary reply path — same costs, same
refusals (402/403 before the first provider call). A case passes when the
answer contains every `must_include` text and none of `must_not_include`
(case- and accent-insensitive). The agent keeps the last score.
"""

from __future__ import annotations

from django.utils import timezone

from agents.models import Agent, Conversation
from agents.replies import reply_to
from agents.retrieval import fold
from agents.services import conversation_start


def evaluate(*, agent: Agent, cases: list[dict], user=None) -> dict:
    results = []
    credits = 0
    for case in cases:
        conversation = conversation_start(agent=agent, channel=Conversation.Channel.PLAYGROUND)
        reply = reply_to(agent=agent, conversation=conversation, content=case["question"], user=user)
        credits += reply.credits
        answer = fold(reply.text)
        missing = [text for text in case.get("must_include") or [] if fold(text) not in answer]
        forbidden = [text for text in case.get("must_not_include") or [] if fold(text) in answer]
        results.append(
            {
                "question": case["question"],
                "answer": reply.text,
                "passed": not missing and not forbidden,
                "missing": missing,
                "forbidden": forbidden,
            }
        )
    passed = sum(1 for result in results if result["passed"])
    summary = {
        "pass_rate": round(passed / len(results), 4) if results else 0.0,
        "passed": passed,
        "total": len(results),
        "credits": credits,
        "cases": results,
        "evaluated_at": timezone.now(),
    }
    Agent.objects.filter(pk=agent.pk).update(
        last_evaluation={**summary, "evaluated_at": summary["evaluated_at"].isoformat()}
    )
    return summary
