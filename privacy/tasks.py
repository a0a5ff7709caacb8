"""Privacy tasks: the export job and the purge of deleted workspaces (beat)."""

from __future__ import annotations

from celery import shared_task

from nexusone.tasks import workspace_task


@workspace_task(bind=False, max_retries=2, autoretry_for=(OSError,), retry_backoff=30)
def workspace_export_run(*, workspace_id: int, export_id: int) -> None:
    from privacy.services import export_run

    export_run(export_id=export_id)


@shared_task(acks_late=True)
def workspace_purge_due() -> int:
    from privacy.services import purge_due

    return purge_due()


@shared_task(acks_late=True)
def privacy_retention_run() -> dict:
    from privacy.retention import run

    return run()


@shared_task(acks_late=True)
def deletion_renewal_sync(*, deletion_id: int) -> str:
    """Hold (or resume) the Stripe renewal of a workspace being deleted (or
    restored). A failure is recorded on the deletion and retried by the
    hourly purge beat, never raised into the request that enqueued it."""
    from privacy.models import WorkspaceDeletion
    from privacy.services import renewal_sync

    deletion = WorkspaceDeletion.objects.filter(pk=deletion_id).select_related("workspace").first()
    if deletion is None:
        return "none"
    try:
        return renewal_sync(deletion=deletion)
    except Exception:
        return "failed"
