"""Rows for WhatsApp tests and the route walk (TENANT_FACTORIES)."""

from __future__ import annotations

import itertools

from nexusone.tenancy import workspace_scope
from whatsapp.models import (
    SANDBOX_PREFIX,
    BotRule,
    Broadcast,
    Conversation,
    Message,
    MessageTemplate,
    OptOut,
    WhatsAppAccount,
)

_ids = itertools.count(100000000000001)


def make_account(workspace, **kwargs) -> WhatsAppAccount:
    """A sandbox number (a `sandbox-…` id, as `account_connect` gives it)
    unless `access_token` is given (then a Graph id: digits)."""
    number = next(_ids)
    values = {
        "name": f"Number {workspace.slug}",
        "waba_id": str(number + 500000),
        "phone_number_id": str(number) if kwargs.get("access_token") else f"{SANDBOX_PREFIX}{number}",
        "display_phone_number": "+15550001111",
        **kwargs,
    }
    token = values.pop("access_token", "")
    with workspace_scope(workspace):
        account = WhatsAppAccount(**values, access_token=token, access_token_last4=token[-4:] if token else "")
        account.save()
    return account


def _account_of(workspace) -> WhatsAppAccount:
    return WhatsAppAccount.unscoped.filter(workspace=workspace).first() or make_account(workspace)


def make_template(workspace, **kwargs) -> MessageTemplate:
    account = kwargs.pop("account", None) or _account_of(workspace)
    values = {"name": "order_update", "language": "en_US", "category": "UTILITY", "status": "APPROVED", **kwargs}
    return MessageTemplate.unscoped.create(workspace=workspace, account=account, **values)


def make_broadcast(workspace, **kwargs) -> Broadcast:
    account = kwargs.pop("account", None) or _account_of(workspace)
    values = {
        "name": f"Spring sale {workspace.slug}",
        "message": {"type": "text", "text": {"body": f"Hello from {workspace.slug}"}},
        "status": Broadcast.Status.COMPLETED,
        "count_total": 1,
        "count_delivered": 1,
        **kwargs,
    }
    broadcast = Broadcast.unscoped.create(workspace=workspace, account=account, **values)
    Message.unscoped.create(
        workspace=workspace,
        account=account,
        broadcast=broadcast,
        to="+14155552671",
        status=Message.Status.DELIVERED,
        wamid=f"wamid.factory.{broadcast.pk}",
    )
    return broadcast


def make_conversation(workspace, **kwargs) -> Conversation:
    account = kwargs.pop("account", None) or _account_of(workspace)
    values = {"phone": "+14155550199", "profile_name": f"Customer of {workspace.slug}", **kwargs}
    return Conversation.unscoped.create(workspace=workspace, account=account, **values)


def make_bot_rule(workspace, **kwargs) -> BotRule:
    account = kwargs.pop("account", None) or _account_of(workspace)
    values = {"name": f"Prices {workspace.slug}", "pattern": "price", "reply_text": "Our prices start at 9€.", **kwargs}
    return BotRule.unscoped.create(workspace=workspace, account=account, **values)


def make_optout(workspace, **kwargs) -> OptOut:
    return OptOut.unscoped.create(workspace=workspace, **{"phone": "+14155550123", **kwargs})


# model → callable(workspace) → a row owned by that workspace (used by the route walk)
TENANT_FACTORIES = {
    WhatsAppAccount: make_account,
    MessageTemplate: make_template,
    Broadcast: make_broadcast,
    Conversation: make_conversation,
    BotRule: make_bot_rule,
    OptOut: make_optout,
}
