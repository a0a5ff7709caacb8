"""Inbound messages from the webhook: into the conversation, the CRM, the
opt-out list and the keyword bot — all in one transaction per message.

Contract of `inbound_receive` (called by the webhook processing task, once
per stored event, possibly again after a crash):
- The message is stored once per wamid (unique per workspace); a repeat
  delivery returns None and has no further effect.
- The conversation (per our number and the customer's number) is found or
  created; its 24-hour window opens (`last_inbound_at`); earlier outbound
  messages to that number (broadcasts) are attached to it.
- The CRM contact is matched by phone or created (`crm_bridge`), and gets a
  `whatsapp_message` activity (deduplicated by wamid).
- An opt-out keyword records an opt-out (and clears the contact's WhatsApp
  consent) and nothing answers it; an opt-in keyword lifts it; any other text
  goes to the keyword bot.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from analytics.rollups import bump
from nexusone.live import publish_on_commit
from webhooks import hooks as webhook_hooks
from whatsapp import crm_bridge
from whatsapp.keywords import is_opt_in, is_opt_out
from whatsapp.models import Conversation, Message, OptOut, WhatsAppAccount
from whatsapp.phones import from_wire
from whatsapp.services.bots import bot_respond
from whatsapp.services.conversations import conversation_for
from whatsapp.services.optouts import optout_add, optout_remove


def message_text(message: dict) -> str:
    """The human text of an inbound message object, whatever its type."""
    kind = message.get("type")
    if kind == "text":
        return str((message.get("text") or {}).get("body", ""))
    if kind == "button":
        return str((message.get("button") or {}).get("text", ""))
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return str(reply.get("title", ""))
    if kind in ("image", "video", "document"):
        return str((message.get(kind) or {}).get("caption", ""))
    return ""


def _timestamp(value) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return timezone.now()


def inbound_receive(*, workspace, account: WhatsAppAccount, message: dict, contacts: list | None = None):
    """Store and act on one inbound message (see module docstring)."""
    wamid = str(message.get("id", ""))[:255]
    phone = from_wire(message.get("from", ""))
    if not wamid or not phone:
        return None
    profile = next((c for c in contacts or [] if str(c.get("wa_id")) == str(message.get("from"))), {}) or {}
    profile_name = str((profile.get("profile") or {}).get("name", ""))[:255]
    text = message_text(message)[:4096]
    received_at = _timestamp(message.get("timestamp"))

    with transaction.atomic():
        if Message.objects.filter(wamid=wamid).exists():
            return None
        conversation = conversation_for(account=account, phone=phone, profile_name=profile_name)
        try:
            with transaction.atomic():
                stored = Message.objects.create(
                    account=account,
                    conversation=conversation,
                    contact_id=conversation.contact_id,
                    direction=Message.Direction.INBOUND,
                    to=account.display_phone_number,
                    from_number=phone,
                    kind=str(message.get("type", "text"))[:16],
                    body=text,
                    payload=message,
                    wamid=wamid,
                    status=Message.Status.RECEIVED,
                    sent_at=received_at,
                )
        except IntegrityError:
            return None  # the same message, processed concurrently
        bump(workspace_id=workspace.pk, module="whatsapp", metric="received", at=received_at)
        webhook_hooks.message_received(stored)
        publish_on_commit(workspace.pk, "inbox.message", {"conversation": conversation.pk, "message": stored.pk})
        Conversation.objects.filter(pk=conversation.pk).update(
            last_inbound_at=received_at,
            last_message_at=received_at,
            unread_count=F("unread_count") + 1,
            **({"profile_name": profile_name} if profile_name else {}),
        )
        conversation.last_inbound_at = received_at
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND, account=account, to=phone, conversation__isnull=True
        ).update(conversation=conversation)

        contact = crm_bridge.contact_for_inbound(
            workspace=workspace, phone=phone, profile_name=profile_name, idempotency_key=f"whatsapp:{wamid}"
        )
        if contact is not None:
            if conversation.contact_id != contact.pk or (
                contact.language and conversation.language != contact.language
            ):
                Conversation.objects.filter(pk=conversation.pk).update(
                    contact_id=contact.pk, language=contact.language or conversation.language
                )
                conversation.contact_id, conversation.language = contact.pk, contact.language or conversation.language
            Message.objects.filter(pk=stored.pk).update(contact_id=contact.pk)
            crm_bridge.activity_whatsapp(
                contact=contact,
                payload={
                    "direction": "inbound",
                    "text": text[:500],
                    "type": stored.kind,
                    "wamid": wamid,
                    "number": account.display_phone_number,
                },
                occurred_at=received_at,
                dedupe_key=f"whatsapp:{wamid}"[:200],
            )

        if is_opt_out(text):
            optout_add(workspace=workspace, phone=phone, source=OptOut.Source.KEYWORD, keyword=text, account=account)
        elif is_opt_in(text):
            optout_remove(workspace=workspace, phone=phone, via_keyword=True)
        else:
            bot_respond(workspace=workspace, account=account, conversation=conversation, message=stored, text=text)
    return stored
