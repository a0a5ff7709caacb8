"""An agent answering a WhatsApp number, through the bot hook of `whatsapp`
(`register_fallback_responder`, asked when no keyword rule matched).

- The agent assigned to the account (`Agent.whatsapp_account`) answers in the
  contact's language (the conversation's, else the agent's), only inside the
  24-hour window the inbound message opened, never to an opted-out number.
- The answer is sent by the WhatsApp module as an ordinary reply, charged
  `whatsapp_bot` (5) there; no `agent_reply` charge. With too few credits the
  agent does not call the provider (the balance is checked first).
- A handoff keyword, the `handoff` tool or a person's reply from the inbox
  (an outbound message in the thread not sent by the bot since the agent was
  last released) pauses the agent for that conversation until released.
"""

from __future__ import annotations

import logging

from agents.models import Agent, Conversation
from agents.replies import WHATSAPP_MODULE, reply_to
from nexusone.errors import ApplicationError
from nexusone.tenancy import workspace_scope

logger = logging.getLogger(__name__)

BOT_KEY_PREFIX = "whatsapp:msg:bot:"
MAX_BODY = 4096


def agent_for(account) -> Agent | None:
    return Agent.unscoped.filter(workspace_id=account.workspace_id, whatsapp_account=account).order_by("id").first()


def conversation_for(*, agent: Agent, whatsapp_conversation) -> Conversation:
    conversation = Conversation.objects.filter(
        agent=agent, channel=Conversation.Channel.WHATSAPP, whatsapp_conversation=whatsapp_conversation
    ).first()
    if conversation is None:
        conversation = Conversation.objects.create(
            agent=agent,
            channel=Conversation.Channel.WHATSAPP,
            whatsapp_conversation=whatsapp_conversation,
            language=whatsapp_conversation.language or agent.language,
            contact_id=whatsapp_conversation.contact_id,
        )
    elif whatsapp_conversation.language and conversation.language != whatsapp_conversation.language:
        Conversation.objects.filter(pk=conversation.pk).update(language=whatsapp_conversation.language)
        conversation.language = whatsapp_conversation.language
    return conversation


def human_replied(conversation: Conversation) -> bool:
    """A person answered from the WhatsApp inbox since the agent was last released."""
    from whatsapp.models import Message as WhatsAppMessage

    since = conversation.released_at or conversation.created_at
    return (
        WhatsAppMessage.objects.filter(
            conversation_id=conversation.whatsapp_conversation_id,
            direction=WhatsAppMessage.Direction.OUTBOUND,
            created_at__gt=since,
        )
        .exclude(batch__charge_key__startswith=BOT_KEY_PREFIX)
        .exists()
    )


def respond(*, account, conversation, message, text: str) -> dict | None:
    """The WhatsApp message spec of the agent's answer, or None (stay silent)."""
    from agents import tools
    from whatsapp.services.conversations import window_open
    from whatsapp.services.optouts import is_opted_out

    agent = agent_for(account)
    if agent is None or not text:
        return None
    with workspace_scope(agent.workspace):
        if is_opted_out(phone=conversation.phone) or not window_open(conversation):
            return None
        thread = conversation_for(agent=agent, whatsapp_conversation=conversation)
        if not thread.paused and human_replied(thread):
            tools.flag(conversation=thread, reason="human_reply", pause=True)
        try:
            reply = reply_to(
                agent=agent, conversation=thread, content=text[:2000], visitor=True, charged_module=WHATSAPP_MODULE
            )
        except ApplicationError as exc:
            logger.info("agent %s did not answer on WhatsApp (%s)", agent.pk, exc.code)
            return None
    if reply.status == "paused" or not reply.text:
        return None
    return {"type": "text", "text": {"body": reply.text[:MAX_BODY]}}
