"""CRM jobs: ids in, one service call, retries here. Every task is safe to
run twice (the import resumes after its last committed chunk; rescoring is a
pure recomputation)."""

from __future__ import annotations

from datetime import timedelta

from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import scoring, services
from crm.models import Activity, Contact
from nexusone.jobs import shared_task
from nexusone.tasks import workspace_task

IMPORT_MAX_RETRIES = 5


@workspace_task(
    bind=True, name="crm.tasks.contact_import_run", max_retries=IMPORT_MAX_RETRIES, runs_when_suspended=True
)
def contact_import_run(self, *, workspace_id: int, import_id: int) -> None:
    """The import's second pass. Database hiccups are retried with backoff;
    anything else, or the last retry, fails the import and refunds its charge.
    A suspended workspace's import stops there: failed and refunded."""
    from nexusone.tenancy import require_active_workspace

    if require_active_workspace().is_suspended:
        services.import_fail(import_id=import_id, code="workspace_suspended", message=_("The import failed."))
        return
    try:
        services.import_run(import_id=import_id)
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc
        services.import_fail(import_id=import_id, code="database_unavailable", message=_("The import failed."))
        raise
    except Exception:
        services.import_fail(import_id=import_id, code="server_error", message=_("The import failed."))
        raise


@workspace_task(name="crm.tasks.contacts_rescore")
def contacts_rescore(*, workspace_id: int) -> int:
    return scoring.workspace_rescore()


@shared_task(name="crm.tasks.crm_nightly")
def crm_nightly() -> int:
    """Beat entry (nightly): sweep stalled imports, then rescore every
    workspace that has recent activities or non-zero scores, one task each."""
    services.imports_sweep_stale()
    cutoff = timezone.now() - timedelta(days=scoring.WINDOW_DAYS)
    active = set(
        Activity.unscoped.filter(occurred_at__gte=cutoff).order_by().values_list("workspace_id", flat=True).distinct()
    )
    active |= set(
        Contact.unscoped.filter(engagement_score__gt=0).order_by().values_list("workspace_id", flat=True).distinct()
    )
    for workspace_id in sorted(active):
        contacts_rescore.delay(workspace_id=workspace_id)
    return len(active)
