"""Workspace export and deletion (rules; the registry says what to touch)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Role, Workspace
from nexusone import storage
from nexusone.audit import audit_record
from nexusone.errors import Conflict, NotFound, ValidationFailed
from nexusone.permissions import require
from nexusone.personal_data import workspace_holdings
from privacy.models import WorkspaceDeletion, WorkspaceExport

logger = logging.getLogger(__name__)

EXPORT_LINK_SECONDS = 3600
GRACE = timedelta(days=7)


# --- export --------------------------------------------------------------------------


def export_start(*, workspace: Workspace, user, role: str, via_api_key: bool = False) -> WorkspaceExport:
    require("privacy.export.create", role=role, api_key=via_api_key)
    from privacy import tasks

    try:
        with transaction.atomic():
            export = WorkspaceExport.unscoped.create(
                workspace=workspace,
                requested_by=user,
                language=getattr(user, "preferred_language", "") or translation.get_language() or "en",
            )
    except IntegrityError:
        raise Conflict(_("An export of this workspace is already running."), code="export_in_progress") from None
    audit_record(action="privacy.export.started", user=user, workspace=workspace, target=export)
    transaction.on_commit(lambda: tasks.workspace_export_run.delay(workspace_id=workspace.pk, export_id=export.pk))
    return export


def export_latest(*, workspace: Workspace) -> WorkspaceExport | None:
    return WorkspaceExport.unscoped.filter(workspace=workspace).select_related("asset").first()


def export_link(*, export: WorkspaceExport, user, role: str, via_api_key: bool = False) -> storage.Link | None:
    """A fresh signed download link (1 hour), for owners and admins only."""
    require("privacy.export.view", role=role, api_key=via_api_key)
    if export.status != WorkspaceExport.Status.READY or export.asset is None:
        return None
    return storage.link(export.asset, user=user, absolute=True, seconds=EXPORT_LINK_SECONDS)


def export_run(*, export_id: int) -> WorkspaceExport | None:
    """Build the archive (task body; safe to run twice: a finished export is left alone)."""
    from privacy.exporting import build_archive, store_archive

    claimed = WorkspaceExport.unscoped.filter(
        pk=export_id, status__in=[WorkspaceExport.Status.QUEUED, WorkspaceExport.Status.RUNNING]
    ).update(status=WorkspaceExport.Status.RUNNING, started_at=timezone.now(), progress=1)
    export = WorkspaceExport.unscoped.select_related("workspace", "requested_by").get(pk=export_id)
    if not claimed:
        return export

    def progress(value: int) -> None:
        WorkspaceExport.unscoped.filter(pk=export.pk).update(progress=max(1, min(value, 99)))
        from nexusone.live import publish_progress

        publish_progress(
            export.workspace_id, job="privacy.export", object_id=export.pk, done=value, total=100, status="running"
        )

    try:
        handle, counts = build_archive(workspace=export.workspace, language=export.language, progress=progress)
        with handle:
            asset = store_archive(workspace=export.workspace, handle=handle, user=export.requested_by)
    except Exception as exc:
        logger.exception("privacy: export %s failed", export.pk)
        WorkspaceExport.unscoped.filter(pk=export.pk).update(
            status=WorkspaceExport.Status.FAILED, error=type(exc).__name__[:300], finished_at=timezone.now()
        )
        raise
    WorkspaceExport.unscoped.filter(pk=export.pk).update(
        status=WorkspaceExport.Status.READY,
        progress=100,
        counts=counts,
        asset=asset,
        size=asset.size,
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    _notify_export_ready(export)
    return export


def _notify_export_ready(export: WorkspaceExport) -> None:
    try:
        from notifications.services import notify

        notify(
            workspace=export.workspace,
            kind="privacy_export_ready",
            params={"workspace": export.workspace.name},
            link=f"/w/{export.workspace.slug}/privacy/",
            roles=(Role.OWNER, Role.ADMIN),
            dedup_key=f"export:{export.pk}",
        )
    except Exception:  # a notice must never fail the export
        logger.exception("privacy: could not notify about export %s", export.pk)


# --- workspace deletion -----------------------------------------------------------------


def deletion_request(
    *, workspace: Workspace, user, role: str, confirm: str, via_api_key: bool = False, request=None
) -> WorkspaceDeletion:
    require("privacy.workspace.delete", role=role, api_key=via_api_key)
    if (confirm or "").strip() != workspace.slug:
        raise ValidationFailed(
            _("Type the workspace's address (%(slug)s) to confirm.") % {"slug": workspace.slug},
            code="confirmation_mismatch",
            details={"confirm": [_("Does not match the workspace's address.")]},
        )
    if workspace.is_personal:
        raise Conflict(
            _("A personal workspace cannot be deleted; delete the account instead."), code="personal_workspace"
        )
    with transaction.atomic():
        locked = Workspace.objects.select_for_update(of=("self",)).get(pk=workspace.pk)
        try:
            deletion = WorkspaceDeletion.objects.create(
                workspace=locked,
                requested_by=user,
                was_suspended=locked.is_suspended,
                purge_after=timezone.now() + GRACE,
            )
        except IntegrityError:
            raise Conflict(_("This workspace is already being deleted."), code="deletion_pending") from None
        # Members lose access at once: every edge refuses suspended workspaces.
        locked.is_suspended = True
        locked.save(update_fields=["is_suspended", "updated_at"])
        audit_record(
            action="privacy.workspace.deletion_requested",
            request=request,
            user=user,
            workspace=locked,
            metadata={"reference": str(deletion.reference), "purge_after": deletion.purge_after.isoformat()},
        )
        transaction.on_commit(lambda: _renewal_sync_later(deletion.pk))
    return deletion


def deletions_for(*, user) -> list[WorkspaceDeletion]:
    """Pending deletions of workspaces the user owns (what they may restore)."""
    owned = Membership.objects.filter(user=user, role=Role.OWNER).values("workspace_id")
    return list(
        WorkspaceDeletion.objects.filter(status=WorkspaceDeletion.Status.PENDING, workspace_id__in=owned)
        .select_related("workspace")
        .order_by("purge_after")
    )


def deletion_restore(*, reference: str, user, request=None) -> Workspace:
    with transaction.atomic():
        deletion = (
            WorkspaceDeletion.objects.select_for_update(of=("self",))
            .filter(reference=reference, status=WorkspaceDeletion.Status.PENDING)
            .select_related("workspace")
            .first()
        )
        if (
            deletion is None
            or deletion.workspace is None
            or not Membership.objects.filter(user=user, workspace=deletion.workspace, role=Role.OWNER).exists()
        ):
            raise NotFound()
        workspace = deletion.workspace
        workspace.is_suspended = deletion.was_suspended
        workspace.save(update_fields=["is_suspended", "updated_at"])
        deletion.status = WorkspaceDeletion.Status.RESTORED
        deletion.restored_at = timezone.now()
        deletion.save(update_fields=["status", "restored_at"])
        audit_record(action="privacy.workspace.restored", request=request, user=user, workspace=workspace)
        transaction.on_commit(lambda: _renewal_sync_later(deletion.pk))
    return workspace


# --- the subscription during the grace period ---------------------------------------------


def _renewal_sync_later(deletion_id: int) -> None:
    from privacy import tasks

    tasks.deletion_renewal_sync.delay(deletion_id=deletion_id)


def renewal_sync(*, deletion: WorkspaceDeletion) -> str:
    """Hold the Stripe renewal while a deletion is pending; resume it after a
    restore, only when the hold was ours (a customer who had chosen to stop
    renewing keeps that choice). Recorded in `steps` (`renewal`: held or
    resumed), so it runs once per state; a Stripe failure is recorded and
    raised, and the hourly purge beat (`renewal_sweep`) tries again."""
    steps = dict(deletion.steps)
    pending = deletion.status == WorkspaceDeletion.Status.PENDING
    wanted = "held" if pending else "resumed"
    if deletion.workspace is None or steps.get("renewal") == wanted:
        return steps.get("renewal", "none")
    if not pending and steps.get("renewal") != "held":
        # restored before the hold was placed: nothing of ours to undo, nothing left for the sweep
        if steps.pop("renewal_error", None) is not None:
            WorkspaceDeletion.objects.filter(pk=deletion.pk).update(steps=steps)
        return "none"
    subscription_id, ended = _stripe_subscription(deletion.workspace)
    if not subscription_id or ended:
        return "none"
    from billing import stripe_gateway

    try:
        stripe_gateway.subscription_renewal_set(subscription_id, renew=not pending)
    except Exception as exc:
        steps["renewal_error"] = getattr(exc, "code", "") or type(exc).__name__
        WorkspaceDeletion.objects.filter(pk=deletion.pk).update(steps=steps)
        raise
    steps.pop("renewal_error", None)
    steps["renewal"] = wanted
    WorkspaceDeletion.objects.filter(pk=deletion.pk).update(steps=steps)
    return wanted


def renewal_sweep(*, limit: int = 50) -> int:
    """Retry the holds and resumes that failed (`renewal_error` in steps)."""
    synced = 0
    retry = WorkspaceDeletion.objects.filter(
        status__in=(WorkspaceDeletion.Status.PENDING, WorkspaceDeletion.Status.RESTORED),
        steps__has_key="renewal_error",
    ).select_related("workspace")[:limit]
    for deletion in retry:
        try:
            renewal_sync(deletion=deletion)
            synced += 1
        except Exception:
            logger.warning("privacy: renewal of deletion %s still failing; retried next run", deletion.pk)
    return synced


# Stripe statuses after which nothing is billed again: no call needed.
ENDED_SUBSCRIPTION_STATES = frozenset({"canceled", "incomplete_expired"})


def _cancel_subscription(workspace: Workspace) -> str:
    """Cancel the workspace's Stripe subscription (billing's gateway). Any
    failure but "already gone" raises, so the purge stops before a row is
    deleted and the next run tries again: the subscription id is never lost
    while the customer could still be billed. Without a Stripe key the
    gateway raises too (a subscription id only exists where Stripe was set up)."""
    subscription_id, ended = _stripe_subscription(workspace)
    if not subscription_id:
        return "none"
    if ended:
        return "already_canceled"
    from billing import stripe_gateway

    return stripe_gateway.subscription_cancel(subscription_id)


def _stripe_subscription(workspace: Workspace) -> tuple[str, bool]:
    """The workspace's Stripe subscription id ("" when none) and whether it has ended."""
    from billing.models import BillingAccount

    account = BillingAccount.unscoped.filter(workspace=workspace).first()
    if account is None or not account.stripe_subscription_id:
        return "", False
    return account.stripe_subscription_id, account.stripe_subscription_status in ENDED_SUBSCRIPTION_STATES


def _revoke_connections(workspace: Workspace) -> int:
    from integrations.models import Connection
    from integrations.services import connection_disconnect

    count = 0
    for connection in Connection.unscoped.filter(workspace=workspace):
        connection_disconnect(connection=connection)
        count += 1
    return count


def _delete_tree(target, prefix: str) -> int:
    """Delete every object under `prefix/` (sub-folders too: on S3 a key such
    as `7/frames/0001.png` is a "folder" only in the listing)."""
    try:
        dirs, files = target.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    deleted = 0
    for name in files:
        target.delete(f"{prefix}/{name}")
        deleted += 1
    for name in dirs:
        deleted += _delete_tree(target, f"{prefix}/{name}")
    return deleted


def _delete_files(workspace: Workspace) -> int:
    """Every object under the workspace's prefix, in every bucket and the
    CRM's upload folder (rows or not: orphans too)."""
    from django.core.files.storage import default_storage

    deleted = sum(_delete_tree(storage.bucket_storage(bucket), str(workspace.pk)) for bucket in storage.Bucket)
    return deleted + _delete_tree(default_storage, f"crm/imports/{workspace.pk}")


def workspace_purge(*, deletion: WorkspaceDeletion) -> WorkspaceDeletion:
    """Remove everything the workspace held. Each step is idempotent, so a
    purge interrupted half-way is finished by the next run."""
    workspace = deletion.workspace
    if deletion.status != WorkspaceDeletion.Status.PENDING or workspace is None:
        return deletion
    steps = dict(deletion.steps)
    if "subscription" not in steps:
        try:
            steps["subscription"] = _cancel_subscription(workspace)
        except Exception as exc:
            # Kept for the admin (purge state); the beat retries the whole purge.
            steps["subscription_attempts"] = steps.get("subscription_attempts", 0) + 1
            steps["subscription_error"] = getattr(exc, "code", "") or type(exc).__name__
            WorkspaceDeletion.objects.filter(pk=deletion.pk).update(steps=steps)
            raise
        steps.pop("subscription_error", None)
    steps["connections"] = steps.get("connections", 0) + _revoke_connections(workspace)
    # Files first: an object never outlives its rows (a failed run retries).
    steps["files"] = steps.get("files", 0) + _delete_files(workspace)
    WorkspaceDeletion.objects.filter(pk=deletion.pk).update(steps=steps)
    counts: dict[str, int] = {}
    with transaction.atomic():
        for holding in workspace_holdings():
            if holding.archive is not None:
                counts[f"archived:{holding.label}"] = holding.archive(workspace, reference=deletion.reference)
        for holding in workspace_holdings():
            rows = holding.workspace_rows(workspace).count()
            if rows:
                counts[holding.label] = rows
        workspace_id = workspace.pk
        workspace.delete()  # every declared row cascades with it
        leftovers = {h.label: h.manager.filter(workspace_id=workspace_id).count() for h in workspace_holdings()}
        leftovers = {label: n for label, n in leftovers.items() if n}
        if leftovers:
            raise RuntimeError(f"rows left after purging workspace {workspace_id}: {leftovers}")
        deletion.status = WorkspaceDeletion.Status.PURGED
        deletion.purged_at = timezone.now()
        deletion.counts = counts
        deletion.steps = steps
        deletion.workspace = None
        deletion.save()
        audit_record(
            action="privacy.workspace.purged",
            workspace=None,
            metadata={"reference": str(deletion.reference), "counts": counts},
        )
    return deletion


def purge_due(*, now=None, limit: int = 20) -> int:
    """The beat task's body: retry failed renewal holds, then purge deletions
    past their grace period."""
    now = now or timezone.now()
    renewal_sweep()
    due = WorkspaceDeletion.objects.filter(status=WorkspaceDeletion.Status.PENDING, purge_after__lte=now).order_by(
        "purge_after"
    )[:limit]
    done = 0
    for deletion in due:
        try:
            workspace_purge(deletion=deletion)
            done += 1
        except Exception:
            logger.exception("privacy: purge of deletion %s failed; retried next run", deletion.pk)
    return done
