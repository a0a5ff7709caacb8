"""What modules call to emit webhook events (one line each, never raising).

Each hook records the event in the caller's transaction (the outbox) through
`webhooks.services.emit_safely`; sending starts after commit."""

from __future__ import annotations


def _emit(workspace, type_: str, data: dict, dedup_key: str = "") -> None:
    from webhooks.services import emit_safely

    emit_safely(workspace=workspace, type=type_, data=data, dedup_key=dedup_key)


def contact_data(contact) -> dict:
    return {
        "id": contact.pk,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "company": contact.company,
        "stage": contact.stage,
        "tags": contact.tags,
        "language": contact.language,
        "source": contact.source,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def contact_created(contact) -> None:
    _emit(contact.workspace, "contact.created", contact_data(contact))


def contact_updated(contact) -> None:
    _emit(contact.workspace, "contact.updated", contact_data(contact))


def lead_captured(submission) -> None:
    _emit(
        submission.workspace,
        "lead.captured",
        {
            "id": submission.pk,
            "page_id": submission.page_id,
            "name": submission.name,
            "email": submission.email,
            "phone": submission.phone,
            "message": submission.message,
            "contact_id": submission.crm_contact_id,
            "created_at": submission.created_at,
        },
    )


def message_received(message) -> None:
    _emit(
        message.workspace,
        "message.received",
        {
            "id": message.pk,
            "conversation_id": message.conversation_id,
            "contact_id": message.contact_id,
            "from": message.from_number,
            "kind": message.kind,
            "body": message.body,
            "received_at": message.created_at,
        },
    )


def broadcast_completed(broadcast) -> None:
    _emit(
        broadcast.workspace,
        "broadcast.completed",
        {
            "id": broadcast.pk,
            "name": broadcast.name,
            "status": broadcast.status,
            "total": broadcast.count_total,
            "sent": broadcast.count_sent,
            "delivered": broadcast.count_delivered,
            "read": broadcast.count_read,
            "failed": broadcast.count_failed,
            "finished_at": broadcast.finished_at,
        },
        dedup_key=f"broadcast:{broadcast.pk}",
    )


def video_completed(project) -> None:
    _emit(
        project.workspace,
        "video.completed",
        {
            "id": project.pk,
            "title": project.title,
            "status": project.status,
            "duration_seconds": project.duration_seconds,
            "finished_at": project.finished_at,
        },
        dedup_key=f"video:{project.pk}",
    )


def credits_low(workspace, *, balance: int, period: str) -> None:
    _emit(
        workspace, "credits.low", {"workspace_id": workspace.pk, "balance": balance}, dedup_key=f"credits_low:{period}"
    )
