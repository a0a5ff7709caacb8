"""The tools an agent may call, each logged on the conversation as a `tool` message.

- `capture_lead {name?, email?, phone?, note}` → the CRM contact created or
  updated through `crm.services.contact_upsert_from_form` (found by e-mail,
  else phone; never refused for lack of credits). The submission key is the
  conversation and the e-mail/phone, so repeating it in one conversation is
  one contact and one activity.
- `order_status {order_number, email}` → asks the lookups registered with
  `register_order_lookup()` (the commerce module, when it holds orders);
  none knows it → "unknown".
- `handoff {reason}` → the conversation is flagged for a person and paused;
  the workspace's members are notified once per conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db.models import F
from django.utils import timezone

from agents import texts
from agents.models import Conversation, Message
from nexusone.errors import ValidationFailed

logger = logging.getLogger(__name__)

# callable(workspace=, order_number=, email=) -> {"status": str, "tracking"?: str} | None
ORDER_LOOKUPS: list[Callable] = []


def register_order_lookup(lookup: Callable) -> None:
    if lookup not in ORDER_LOOKUPS:
        ORDER_LOOKUPS.append(lookup)


def _log(conversation: Conversation, name: str, arguments: dict, result: dict) -> Message:
    return Message.objects.create(
        conversation=conversation, role=Message.Role.TOOL, tool=name, tool_arguments=arguments, tool_result=result
    )


def capture_lead(*, conversation: Conversation, arguments: dict, language: str) -> tuple[str, dict]:
    from crm.services import contact_upsert_from_form

    email = str(arguments.get("email") or "").strip()[:254]
    phone = str(arguments.get("phone") or "").strip()[:32]
    name = " ".join(str(arguments.get("name") or "").split())[:200]
    first_name, _sep, last_name = name.partition(" ")
    try:
        contact = contact_upsert_from_form(
            workspace=conversation.workspace,
            data={
                "first_name": first_name[:100],
                "last_name": last_name[:100],
                "email": email,
                "phone": phone,
                "language": language,
                "tags": ["ai-agent"],
                "message": str(arguments.get("note") or "")[:1000],
            },
            submission_key=f"agent:{conversation.pk}:{(email or phone).lower()}",
            source="ai_agent",
            page={"agent": conversation.agent_id, "conversation": conversation.pk, "channel": conversation.channel},
        )
    except ValidationFailed as exc:
        result = {"ok": False, "error": "invalid_contact", "details": exc.details}
        _log(conversation, "capture_lead", arguments, result)
        return "", result
    Conversation.objects.filter(pk=conversation.pk).update(contact_id=contact.pk)
    conversation.contact_id = contact.pk
    result = {"ok": True, "contact_id": contact.pk}
    _log(conversation, "capture_lead", arguments, result)
    return texts.text(language, "lead_saved"), result


def order_status(*, conversation: Conversation, arguments: dict, language: str) -> tuple[str, dict]:
    number = str(arguments.get("order_number") or "").strip()[:64]
    email = str(arguments.get("email") or "").strip()[:254]
    found = None
    for lookup in ORDER_LOOKUPS:
        found = lookup(workspace=conversation.workspace, order_number=number, email=email)
        if found:
            break
    if not found:
        result = {"status": "unknown"}
        _log(conversation, "order_status", arguments, result)
        return texts.text(language, "order_unknown"), result
    reply = texts.text(language, "order_status") % {"number": number, "status": found.get("status", "")}
    if found.get("tracking"):
        reply += " " + texts.text(language, "tracking") % {"tracking": found["tracking"]}
    _log(conversation, "order_status", arguments, dict(found))
    return reply, dict(found)


def handoff(*, conversation: Conversation, arguments: dict, language: str) -> tuple[str, dict]:
    reason = str(arguments.get("reason") or "")[:200]
    flag(conversation=conversation, reason=reason or "handoff", pause=True)
    result = {"ok": True}
    _log(conversation, "handoff", {"reason": reason}, result)
    return texts.text(language, "handoff_started"), result


def flag(*, conversation: Conversation, reason: str, pause: bool = False) -> None:
    """Put the conversation in the handoff queue (and pause the agent); tell the members once."""
    from notifications.services import notify, page_link

    was_flagged = conversation.flagged
    values = {"flagged": True, "flag_reason": reason[:200]}
    if pause:
        values.update(paused=True, paused_at=timezone.now())
    Conversation.objects.filter(pk=conversation.pk).update(**values)
    for name, value in values.items():
        setattr(conversation, name, value)
    if was_flagged:
        return
    workspace = conversation.workspace
    notify(
        workspace=workspace,
        kind="agent_handoff",
        params={"agent": conversation.agent.name, "reason": reason[:120]},
        link=page_link("agents_conversation", slug=workspace.slug, pk=conversation.pk),
        roles=("owner", "admin", "member"),
        dedup_key=f"agent_handoff:{conversation.pk}:{conversation.paused_at or ''}",
    )


def release(*, conversation: Conversation) -> Conversation:
    """A person hands the conversation back to the agent."""
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(paused=False, flagged=False, flag_reason="", released_at=now)
    conversation.paused = conversation.flagged = False
    conversation.flag_reason, conversation.released_at = "", now
    return conversation


TOOL_RUNNERS = {"capture_lead": capture_lead, "order_status": order_status, "handoff": handoff}


def run(*, conversation: Conversation, tool: dict, language: str) -> tuple[str, dict]:
    runner = TOOL_RUNNERS[tool["name"]]
    arguments = {k: v for k, v in (tool.get("arguments") or {}).items() if isinstance(k, str)}
    return runner(conversation=conversation, arguments=arguments, language=language)


def spent_increment(conversation: Conversation, credits: int) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(
        credits_spent=F("credits_spent") + credits, last_message_at=timezone.now()
    )
