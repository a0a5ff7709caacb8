"""What other modules call when something worth showing happens: job
progress for the live progress bars, and the notifications of their events.
Each hook is one call from the module, never raises into it, and does its
work after the module's transaction commits.

- `credits_debited(...)`      billing's charge door, after a reservation
- `payment_failed(...)`       billing, when an invoice payment fails
- `import_progress(...)` / `import_finished(...)`        crm imports
- `broadcast_progress(...)` / `broadcast_finished(...)`  WhatsApp broadcasts
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import transaction
from django.utils import formats

from nexusone import live

logger = logging.getLogger(__name__)

CREDITS_LOW_RATIO = 0.10  # at or below 10 % of the plan's monthly credits
PROGRESS_MIN_INTERVAL = 0.25  # seconds between two progress events of one job (per process)

_last_progress: dict[tuple[str, int], float] = {}
_progress_lock = threading.Lock()


def _due(job: str, object_id: int) -> bool:
    now = time.monotonic()
    with _progress_lock:
        if now - _last_progress.get((job, object_id), 0.0) < PROGRESS_MIN_INTERVAL:
            return False
        _last_progress[(job, object_id)] = now
        if len(_last_progress) > 10_000:
            _last_progress.clear()
    return True


def _safely(function, *args, **kwargs) -> None:
    try:
        function(*args, **kwargs)
    except Exception:
        logger.warning("notifications hook %s failed", getattr(function, "__name__", function), exc_info=True)


def _after_commit(function, *args, **kwargs) -> None:
    transaction.on_commit(lambda: _safely(function, *args, **kwargs))


# --- credits -----------------------------------------------------------------------------------


def credits_debited(*, workspace_id: int, balance_after: int | None) -> None:
    """After a charge reserved credits: notify the managers once per billing
    period when the balance is at or below 10 % of the plan's monthly credits.
    Costs no query while the balance is above the largest plan's threshold."""
    if balance_after is None or balance_after > _largest_threshold():
        return
    from billing.models import BillingAccount

    # One indexed read, only near the bottom: is it at or below *this* plan's threshold?
    monthly = (
        BillingAccount.unscoped.filter(workspace_id=workspace_id)
        .values_list("plan__monthly_credits", flat=True)
        .first()
    )
    if monthly and balance_after <= int(monthly * CREDITS_LOW_RATIO):
        _after_commit(_credits_low_check, workspace_id)


_threshold_cache: dict[str, tuple[float, int]] = {}


def _largest_threshold() -> int:
    cached = _threshold_cache.get("max")
    if cached and time.monotonic() - cached[0] < 300:
        return cached[1]
    from django.db.models import Max

    from billing.models import Plan

    largest = Plan.objects.aggregate(m=Max("monthly_credits"))["m"] or 0
    value = int(largest * CREDITS_LOW_RATIO)
    if value:  # no plans yet (a fresh database): ask again next time
        _threshold_cache["max"] = (time.monotonic(), value)
    return value


def _credits_low_check(workspace_id: int) -> None:
    from accounts.models import Workspace
    from billing.models import BillingAccount
    from notifications.services import notify, page_link

    account = BillingAccount.unscoped.select_related("plan", "workspace").filter(workspace_id=workspace_id).first()
    if account is None or not account.plan.monthly_credits:
        return
    threshold = int(account.plan.monthly_credits * CREDITS_LOW_RATIO)
    if account.balance > threshold:
        return
    workspace: Workspace = account.workspace
    from webhooks.hooks import credits_low

    credits_low(workspace, balance=account.balance, period=f"{account.current_period_start:%Y-%m-%dT%H:%M}")
    notify(
        workspace=workspace,
        kind="credits_low",
        params={"workspace": workspace.name, "balance": account.balance, "monthly": account.plan.monthly_credits},
        link=page_link("billing", slug=workspace.slug),
        # once per billing period: a new period (new credits) may warn again
        dedup_key=f"credits_low:{account.current_period_start:%Y-%m-%dT%H:%M}",
    )


def payment_failed(*, workspace, grace_period_end=None) -> None:
    """The subscription fell past due: tell the owner once per delinquency
    (its grace period end identifies it)."""
    _after_commit(_payment_failed, workspace, grace_period_end)


def _payment_failed(workspace, grace_period_end) -> None:
    from notifications.services import notify, page_link

    notify(
        workspace=workspace,
        kind="payment_failed",
        params={"workspace": workspace.name,
                "grace_end": formats.date_format(grace_period_end, "DATE_FORMAT") if grace_period_end else "—"},
        link=page_link("billing", slug=workspace.slug),
        dedup_key=f"payment_failed:{grace_period_end:%Y-%m-%dT%H:%M}" if grace_period_end else "",
    )  # fmt: skip


# --- CRM imports ------------------------------------------------------------------------------


def import_progress(*, workspace_id: int, import_id: int, done: int, total: int) -> None:
    if _due("crm.import", import_id):
        live.publish_progress(workspace_id, job="crm.import", object_id=import_id, done=done, total=total,
                              status="running")  # fmt: skip


def import_finished(*, contact_import) -> None:
    _after_commit(_import_finished, contact_import.pk)


def _import_finished(import_id: int) -> None:
    from analytics.rollups import touch
    from crm.models import ContactImport
    from notifications.services import notify, page_link

    job = ContactImport.unscoped.select_related("workspace", "created_by").filter(pk=import_id).first()
    if job is None:
        return
    live.publish_progress(job.workspace_id, job="crm.import", object_id=job.pk, done=job.processed,
                          total=job.staged_records, status=job.status)  # fmt: skip
    touch(job.workspace_id)
    if job.status != "done":
        return  # a failed import: its page says why; nothing to announce
    notify(
        workspace=job.workspace,
        kind="import_finished",
        params={"name": job.file_name, "created": job.created, "updated": job.updated, "rejected": job.rejected},
        link=page_link("crm_import", slug=job.workspace.slug, pk=job.pk),
        users=[job.created_by] if job.created_by_id else None,
        dedup_key=f"import:{job.pk}",
    )


# --- WhatsApp broadcasts --------------------------------------------------------------------------


def broadcast_progress(*, broadcast_id: int | None) -> None:
    """Counters of a broadcast moved (inside the transaction that moved them)."""
    if broadcast_id and _due("whatsapp.broadcast", broadcast_id):
        _after_commit(_broadcast_publish, broadcast_id)


def _broadcast_publish(broadcast_id: int):
    from whatsapp.models import Broadcast

    broadcast = Broadcast.unscoped.filter(pk=broadcast_id).first()
    if broadcast is not None:
        live.publish_progress(
            broadcast.workspace_id, job="whatsapp.broadcast", object_id=broadcast.pk,
            done=broadcast.count_total - broadcast.count_queued, total=broadcast.count_total,
            status=broadcast.status, sent=broadcast.count_sent, failed=broadcast.count_failed,
        )  # fmt: skip
    return broadcast


def broadcast_finished(*, broadcast_id: int) -> None:
    _after_commit(_broadcast_finished, broadcast_id)


def _broadcast_finished(broadcast_id: int) -> None:
    from analytics.rollups import touch
    from notifications.services import notify, page_link

    broadcast = _broadcast_publish(broadcast_id)
    if broadcast is None:
        return
    touch(broadcast.workspace_id)
    from webhooks.hooks import broadcast_completed

    broadcast_completed(broadcast)
    if broadcast.automated:
        return  # a journey's step: its statistics are on the journey, not in anyone's inbox
    notify(
        workspace=broadcast.workspace,
        kind="broadcast_finished",
        params={"name": broadcast.name or f"#{broadcast.pk}", "sent": broadcast.count_sent,
                "total": broadcast.count_total, "failed": broadcast.count_failed},
        link=page_link("whatsapp_broadcast", slug=broadcast.workspace.slug, pk=broadcast.pk),
        users=[broadcast.created_by] if broadcast.created_by_id else None,
        dedup_key=f"broadcast:{broadcast.pk}",
    )  # fmt: skip
