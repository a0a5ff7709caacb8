"""The ledger of a purged workspace, kept without personal data."""

from __future__ import annotations

from privacy.models import AccountingRecord


def archive_ledger(workspace, *, reference=None) -> int:
    """Copy the workspace's ledger into `AccountingRecord` (amounts, kinds,
    dates, invoice references; no user, no metadata). Idempotent per entry."""
    from billing.models import LedgerEntry

    if reference is None:
        raise ValueError("archive_ledger needs the deletion's reference")
    records = [
        AccountingRecord(
            deletion_reference=reference,
            entry_id=entry.pk,
            kind=entry.kind,
            module=entry.module,
            amount=entry.amount,
            plan_amount=entry.plan_amount,
            purchased_amount=entry.purchased_amount,
            balance_after=entry.balance_after,
            reference=entry.reference if entry.reference.startswith(("invoice:", "in_", "ch_", "cs_")) else "",
            occurred_at=entry.created_at,
        )
        for entry in LedgerEntry.unscoped.filter(workspace_id=workspace.pk).order_by("pk").iterator(chunk_size=2000)
    ]
    AccountingRecord.objects.bulk_create(records, ignore_conflicts=True, batch_size=2000)
    return len(records)
