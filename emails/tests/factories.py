"""E-mail test rows, created with an explicit workspace (no scope needed), and
the route walk's `TENANT_FACTORIES`."""

from __future__ import annotations

import itertools

from django.utils import timezone

from emails.models import Campaign, EmailEvent, EmailMessage, Sender, Suppression

_sequence = itertools.count(1)

BLOCKS = [
    {"type": "heading", "text": "Hola {{first_name|amigo}}", "level": 1},
    {"type": "text", "text": "Nuestra colección de otoño ya está aquí.\n\nVisita la tienda."},
    {"type": "button", "text": "Ver la colección", "url": "https://shop.example/otono"},
    {"type": "text", "text": "Más en https://shop.example/blog"},
]


def make_sender(workspace, **fields) -> Sender:
    n = next(_sequence)
    values = {"email": f"news{n}@{workspace.slug}.example.test", "name": f"News {workspace.slug}", **fields}
    values.setdefault("domain", values["email"].rsplit("@", 1)[1])
    return Sender.unscoped.create(workspace=workspace, **values)


def make_campaign(workspace, **fields) -> Campaign:
    n = next(_sequence)
    values = {
        "name": f"Campaign {n} of {workspace.slug}",
        "subject": f"Subject {n} for {workspace.slug}",
        "body": BLOCKS,
        "language": "es",
        **fields,
    }
    return Campaign.unscoped.create(workspace=workspace, **values)


def make_message(workspace, campaign: Campaign | None = None, **fields) -> EmailMessage:
    campaign = campaign or make_campaign(workspace)
    n = next(_sequence)
    values = {"to_email": f"rcpt{n}@{workspace.slug}.example.test", "status": EmailMessage.Status.SENT, **fields}
    return EmailMessage.unscoped.create(workspace=workspace, campaign=campaign, **values)


def make_event(workspace, **fields) -> EmailEvent:
    message = make_message(workspace)
    n = next(_sequence)
    values = {"type": EmailEvent.Type.OPENED, "key": f"test:{n}", "occurred_at": timezone.now(), **fields}
    return EmailEvent.unscoped.create(workspace=workspace, message=message, **values)


def make_suppression(workspace, **fields) -> Suppression:
    n = next(_sequence)
    values = {"email": f"gone{n}@{workspace.slug}.example.test", "reason": Suppression.Reason.MANUAL, **fields}
    return Suppression.unscoped.create(workspace=workspace, **values)


TENANT_FACTORIES = {
    Sender: make_sender,
    Campaign: make_campaign,
    EmailMessage: make_message,
    EmailEvent: make_event,
    Suppression: make_suppression,
}
