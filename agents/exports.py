"""CSV export of conversations: one row per message, streamed. Cells that a
spreadsheet could run as a formula are prefixed with a quote."""

from __future__ import annotations

import csv

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from agents.models import Conversation, Message
from nexusone.tenancy import workspace_scope

MAX_CONVERSATIONS = 10_000

HEADER = ["conversation_id", "agent", "channel", "flagged", "message_id", "role", "content", "credits", "created_at"]


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _rows(workspace, ids: list[int]):
    # The body streams after the view returned: the generator enters the workspace scope itself.
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    with workspace_scope(workspace):
        yield from _message_rows(writer, ids)


def conversations_rows(*, conversations: QuerySet[Conversation]) -> list[dict]:
    """The same rows as the CSV, as dicts (the JSON form of the export)."""
    ids = list(conversations.values_list("id", flat=True)[:MAX_CONVERSATIONS])
    return [dict(zip(HEADER, row, strict=True)) for row in _values(ids)]


def _values(ids: list[int]):
    messages = (
        Message.objects.filter(conversation_id__in=ids)
        .exclude(role=Message.Role.TOOL)
        .select_related("conversation__agent")
        .order_by("conversation_id", "id")
    )
    for message in messages.iterator(chunk_size=1000):
        conversation = message.conversation
        yield (
            conversation.pk,
            conversation.agent.name,
            conversation.channel,
            conversation.flagged,
            message.pk,
            message.role,
            message.content,
            message.credits,
            message.created_at.isoformat(),
        )


def _message_rows(writer, ids: list[int]):
    for row in _values(ids):
        yield writer.writerow([_cell(value) for value in row])


def conversations_csv_response(*, workspace, conversations: QuerySet[Conversation]) -> StreamingHttpResponse:
    ids = list(conversations.values_list("id", flat=True)[:MAX_CONVERSATIONS])
    response = StreamingHttpResponse(_rows(workspace, ids), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="agent-conversations.csv"'
    return response
