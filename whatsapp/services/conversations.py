"""Conversations and single sends (replies, bot answers).

`message_send` queues one outbound message in a conversation: free-form
content (text, media) only inside the 24-hour customer service window that
the customer's last message opened — a template any time; never to an
opted-out number; charged `whatsapp_bot` × 1 through its own batch (refunded
if it fails); sent by the same claim-guarded task as broadcasts. The same
`idempotency_key` returns the message queued first.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nexusone.errors import ApplicationError, InsufficientCredits
from whatsapp import credits
from whatsapp.models import Conversation, Message, SendBatch
from whatsapp.services.content import needs_open_window, summary
from whatsapp.services.optouts import is_opted_out

WINDOW = timedelta(hours=24)


class OutsideWindow(ApplicationError):
    status_code = 409
    code = "outside_window"
    default_message = _("More than 24 hours have passed since the customer's last message: send a template instead.")


class OptedOut(ApplicationError):
    status_code = 409
    code = "opted_out"
    default_message = _("This number opted out of messages from this workspace.")


def window_open(conversation: Conversation, *, now=None) -> bool:
    now = now or timezone.now()
    return conversation.last_inbound_at is not None and now - conversation.last_inbound_at < WINDOW


def conversation_for(*, account, phone: str, profile_name: str = "") -> Conversation:
    """The conversation of `account` with `phone`, created if needed."""
    conversation = Conversation.objects.filter(account=account, phone=phone).first()
    if conversation is not None:
        return conversation
    try:
        with transaction.atomic():
            return Conversation.objects.create(account=account, phone=phone, profile_name=profile_name[:255])
    except IntegrityError:
        return Conversation.objects.get(account=account, phone=phone)


def conversation_mark_read(*, conversation: Conversation) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(unread_count=0)


def message_send(*, workspace, conversation: Conversation, spec: dict, user=None, idempotency_key: str = "") -> Message:
    if conversation.account_id is None:
        raise ApplicationError(_("This conversation's number was removed."), code="account_removed", status_code=409)
    key_base = f"whatsapp:msg:{idempotency_key}" if idempotency_key else ""
    if key_base:
        existing = SendBatch.objects.filter(charge_key=f"{key_base}:b0").first()
        if existing is not None:
            return existing.messages.order_by("pk").first()
    if needs_open_window(spec) and not window_open(conversation):
        raise OutsideWindow()
    if is_opted_out(phone=conversation.phone):
        raise OptedOut()
    cost = credits.unit_cost()
    available = credits.balance(workspace=workspace)
    if available < cost:
        raise InsufficientCredits(needed=cost, available=available)
    now = timezone.now()
    with transaction.atomic():
        batch = SendBatch.objects.create(account_id=conversation.account_id, size=1)
        message = Message.objects.create(
            account_id=conversation.account_id,
            batch=batch,
            conversation=conversation,
            contact_id=conversation.contact_id,
            direction=Message.Direction.OUTBOUND,
            to=conversation.phone,
            from_number=conversation.account.display_phone_number if conversation.account else "",
            kind=spec.get("type", "text"),
            body=summary(spec),
            payload=spec,
            status=Message.Status.QUEUED,
        )
        credits.reserve_batches(
            workspace=workspace, user=user, batches=[batch], key_base=key_base or f"whatsapp:msg:{message.pk}"
        )
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
        from whatsapp.tasks import batch_send_task, enqueue

        enqueue(batch_send_task, workspace_id=workspace.pk, batch_id=batch.pk)
    return message
