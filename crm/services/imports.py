"""Contact imports (upload, pass 1 + charge, pass 2, failure and sweep) and the export audit."""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.charging import charge, charge_commit, charge_refund, charge_refund_units, charge_reserve
from billing.models import Charge
from crm import csvio, importing
from crm.models import (
    ContactImport,
    CustomFieldDefinition,
    ImportStatus,
)
from crm.services.common import CRM_MODULE, PayloadTooLarge, _require_scope
from crm.validation import (
    InvalidValue,
)
from nexusone.audit import audit_record
from nexusone.errors import Conflict, InsufficientCredits, ValidationFailed
from notifications import hooks as notification_hooks

logger = logging.getLogger(__name__)
# Upload cap for imports; ~110,000 contacts of typical width. Larger files → 413.
IMPORT_MAX_BYTES = getattr(settings, "CRM_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
# How long an import's credit reservation may stay open before billing's
# reaper refunds it (a dead worker); far longer than any import runs.
IMPORT_HOLD_SECONDS = 24 * 3600
IMPORT_STALE_AFTER = timedelta(hours=24)

# --- imports ----------------------------------------------------------------------------------------


def _safe_file_name(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip() or "contacts.csv"
    return re.sub(r"[\x00-\x1f\x7f]", "", base)[:255]


def import_upload(*, workspace, file, user=None) -> ContactImport:
    """Store an uploaded CSV (workspace-prefixed, UUID-named key in the
    default storage) and read its header. The import waits in `draft` for its
    column mapping (`suggested_mapping` is pre-filled from the header names).

    Raises PayloadTooLarge (413) over `IMPORT_MAX_BYTES`, ValidationFailed
    (400, code `invalid_file`) for an empty, non-UTF-8 or header-less file."""
    _require_scope(workspace)
    size = getattr(file, "size", None) or 0
    if size > IMPORT_MAX_BYTES:
        raise PayloadTooLarge(
            _("The file is larger than %(mb)d MB. Split it into smaller files.")
            % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
            details={"limit": IMPORT_MAX_BYTES},
        )
    try:
        file.seek(0)
        columns, delimiter = csvio.read_header(file)
    except csvio.FileInvalid as exc:
        raise ValidationFailed(str(exc), code="invalid_file", details={"file": [str(exc)]}) from None
    file.seek(0)
    key = default_storage.save(f"crm/imports/{workspace.pk}/{uuid.uuid4().hex}.csv", file)
    return ContactImport.objects.create(
        file_name=_safe_file_name(getattr(file, "name", "")),
        file_size=size,
        file_key=key,
        columns=columns,
        delimiter=delimiter,
        mapping=importing.suggest_mapping(columns, CustomFieldDefinition.objects.all()),
        created_by=user,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


def _delete_files(contact_import: ContactImport) -> None:
    for key in (contact_import.file_key, contact_import.staged_key):
        if key:
            try:
                default_storage.delete(key)
            except OSError:  # pragma: no cover - storage hiccup; the nightly sweep retries nothing, log only
                logger.warning("Could not delete %s of import %s.", key, contact_import.pk)


def _fail(contact_import: ContactImport, *, code: str, message: str) -> None:
    _delete_files(contact_import)
    contact_import.status = ImportStatus.FAILED
    contact_import.error_code, contact_import.error_message = code, str(message)[:500]
    contact_import.finished_at = timezone.now()
    contact_import.save(update_fields=["status", "error_code", "error_message", "finished_at", "updated_at"])


def _back_to_draft(contact_import: ContactImport, result, exc: InsufficientCredits) -> None:
    """A refused charge on a page: the upload stays, the import is a draft again
    with its count and the reason, so a retry after a top-up needs no new upload."""
    if result.staged_key:
        try:
            default_storage.delete(result.staged_key)
        except OSError:  # pragma: no cover - storage hiccup; the retry writes a new staged file
            logger.warning("Could not delete %s of import %s.", result.staged_key, contact_import.pk)
    contact_import.status, contact_import.started_at = ImportStatus.DRAFT, None
    contact_import.total, contact_import.new_contacts = result.total, result.new_contacts
    contact_import.staged_records, contact_import.staged_key = 0, ""
    contact_import.error_code, contact_import.error_message = exc.code, str(exc.message)[:500]
    contact_import.save(
        update_fields=["status", "started_at", "total", "new_contacts", "staged_records", "staged_key",
                       "error_code", "error_message", "updated_at"]
    )  # fmt: skip


def import_start(
    *,
    contact_import: ContactImport,
    mapping: Mapping[str, str] | None = None,
    user=None,
    request=None,
    keep_on_refusal: bool = False,
) -> ContactImport:
    """Validate the mapping, run the first pass, charge, and queue the second.

    The first pass streams the whole file once (flat memory; see
    `crm.importing`), rejects bad lines and counts the contacts the import
    will create. That count is charged once — `crm` cost × new contacts —
    through the charge door, reserved now and committed when the import has
    run. Not enough credits → `InsufficientCredits` (402, needed/available),
    the import is marked failed and nothing is imported — or, with
    `keep_on_refusal` (the pages), it stays a draft with its upload, its
    count and the reason, to be started again after a top-up. A file that is
    unusable as a whole → ValidationFailed (`invalid_file`). Starting an
    import that is not a draft → Conflict."""
    workspace = contact_import.workspace
    _require_scope(workspace)
    with transaction.atomic():
        locked = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
        if locked.status != ImportStatus.DRAFT:
            raise Conflict(_("This import was already started."), code="import_already_started")
        definitions = list(CustomFieldDefinition.objects.all())
        try:
            cleaned = importing.validate_mapping(
                mapping if mapping is not None else locked.mapping,
                locked.columns,
                definitions,
                workspace.default_region,
            )
        except InvalidValue as exc:
            raise ValidationFailed(str(exc), details={"mapping": [str(exc)]}) from None
        locked.mapping, locked.status, locked.started_at = cleaned, ImportStatus.QUEUED, timezone.now()
        locked.save(update_fields=["mapping", "status", "started_at", "updated_at"])
    contact_import = locked

    try:
        result = importing.count_pass(contact_import, region=workspace.default_region)
    except csvio.FileInvalid as exc:
        _fail(contact_import, code="invalid_file", message=str(exc))
        raise ValidationFailed(str(exc), code="invalid_file", details={"file": [str(exc)]}) from None
    except BaseException:
        _fail(contact_import, code="server_error", message=_("The file could not be read."))
        raise
    contact_import.total = result.total
    contact_import.new_contacts = result.new_contacts
    contact_import.staged_records = result.staged_records
    contact_import.staged_key = result.staged_key
    if result.new_contacts:
        try:
            contact_import.charge_id = charge_reserve(
                workspace=workspace,
                user=user,
                module=CRM_MODULE,
                quantity=result.new_contacts,
                action="contacts_imported",
                idempotency_key=f"crm:import:{contact_import.pk}",
                reference=f"crm.import:{contact_import.pk}",
                metadata={"import_id": contact_import.pk},
                hold_seconds=IMPORT_HOLD_SECONDS,
            )
        except InsufficientCredits as exc:
            if keep_on_refusal:
                _back_to_draft(contact_import, result, exc)
                raise
            _fail(contact_import, code=exc.code, message=exc.message)
            contact_import.save(update_fields=["total", "new_contacts", "staged_records", "staged_key"])
            raise
        except BaseException:
            _fail(contact_import, code="charge_failed", message=_("The credits could not be reserved."))
            raise
        contact_import.credits_charged = (
            Charge.unscoped.filter(pk=contact_import.charge_id).values_list("credits", flat=True).first() or 0
        )
    contact_import.save(
        update_fields=[
            "total",
            "new_contacts",
            "staged_records",
            "staged_key",
            "charge_id",
            "credits_charged",
            "updated_at",
        ]
    )
    audit_record(
        action="crm.contacts.import_started",
        request=request,
        user=user,
        workspace=workspace,
        target=contact_import,
        metadata={
            "lines": result.total,
            "new_contacts": result.new_contacts,
            "rejected": result.rejected,
            "credits": contact_import.credits_charged,
        },
    )
    from crm.tasks import contact_import_run

    contact_import_run.delay_on_commit(workspace_id=workspace.pk, import_id=contact_import.pk)
    return contact_import


def import_run(*, import_id: int) -> ContactImport | None:
    """The second pass (the Celery job): apply the staged records, then
    commit the charge and delete the files. Safe to run twice and to resume
    after a crash: a finished import is left alone, a half-done one continues
    after its last committed chunk."""
    contact_import = ContactImport.objects.filter(pk=import_id).first()
    if contact_import is None or contact_import.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return contact_import
    if contact_import.status == ImportStatus.QUEUED:
        ContactImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.RUNNING, updated_at=timezone.now()
        )

    def progress(done: int) -> None:  # the live progress bar
        notification_hooks.import_progress(workspace_id=contact_import.workspace_id, import_id=import_id, done=done,
                                           total=contact_import.staged_records)  # fmt: skip

    with translation.override(contact_import.language or settings.LANGUAGE_CODE):
        finished = importing.apply_pass(contact_import, on_progress=progress)
    if not finished:
        return contact_import  # another run of the same import carries on
    return _import_finish(import_id=import_id)


def _import_finish(*, import_id: int) -> ContactImport:
    with transaction.atomic():
        contact_import = ContactImport.objects.select_for_update().get(pk=import_id)
        if contact_import.status == ImportStatus.DONE:
            return contact_import
        contact_import.status, contact_import.finished_at = ImportStatus.DONE, timezone.now()
        contact_import.save(update_fields=["status", "finished_at", "updated_at"])
    notification_hooks.import_finished(contact_import=contact_import)
    if contact_import.charge_id:
        try:
            charge_commit(contact_import.charge_id, metadata={"created": contact_import.created})
        except Conflict:
            logger.error("Import %s finished after its charge was released.", import_id)
    extra = contact_import.created - contact_import.new_contacts
    if extra > 0:
        # Contacts counted as existing in pass 1 were deleted meanwhile: charge
        # the difference when possible, keep the contacts either way.
        try:
            with charge(
                workspace=contact_import.workspace,
                user=contact_import.created_by,
                module=CRM_MODULE,
                quantity=extra,
                action="contacts_imported",
                idempotency_key=f"crm:import:{import_id}:extra",
                reference=f"crm.import:{import_id}",
            ):
                pass
        except (InsufficientCredits, Conflict):
            logger.warning("Import %s created %s more contacts than counted; not charged.", import_id, extra)
    _delete_files(contact_import)
    audit_record(
        action="crm.contacts.imported",
        user=contact_import.created_by,
        workspace=contact_import.workspace,
        target=contact_import,
        metadata={
            "created": contact_import.created,
            "updated": contact_import.updated,
            "merged": contact_import.merged,
            "rejected": contact_import.rejected,
        },
    )
    return contact_import


def import_fail(*, import_id: int, code: str, message: str) -> None:
    """Give up on an import (the job failed for good). Chunks already applied
    stay, and so does their price: only the contacts it did not create are
    refunded (`charge_refund_units`), the rest of the charge is committed."""
    contact_import = ContactImport.objects.filter(pk=import_id).first()
    if contact_import is None or contact_import.is_finished:
        return
    _fail(contact_import, code=code, message=message)
    notification_hooks.import_finished(contact_import=contact_import)  # the page's bar stops (no notification)
    if contact_import.charge_id:
        try:
            _settle_failed_import(contact_import, reason=code)
        except Conflict:
            logger.error("Import %s failed after its charge was committed.", import_id)


def _settle_failed_import(contact_import: ContactImport, *, reason: str) -> None:
    charged = Charge.unscoped.filter(pk=contact_import.charge_id).values_list("quantity", flat=True).first() or 0
    applied = min(contact_import.created or 0, charged)
    if not applied:
        charge_refund(contact_import.charge_id, reason=reason)
        return
    if charged > applied:
        key = f"import-failed:{contact_import.pk}"
        charge_refund_units(contact_import.charge_id, quantity=charged - applied, key=key, reason=reason)
    charge_commit(contact_import.charge_id, metadata={"created": applied, "failed": reason})


def imports_sweep_stale(*, now: datetime | None = None) -> int:
    """Nightly, across workspaces: fail imports stuck queued/running for a
    day (their worker and its retries are gone) and delete drafts nobody
    started. Returns how many were swept."""
    from nexusone.tenancy import workspace_scope

    now = now or timezone.now()
    cutoff = now - IMPORT_STALE_AFTER
    stale = ContactImport.unscoped.filter(
        Q(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.DRAFT]), updated_at__lt=cutoff
    ).select_related("workspace")
    count = 0
    for contact_import in stale.iterator(chunk_size=200):
        with workspace_scope(contact_import.workspace):
            if contact_import.status == ImportStatus.DRAFT:
                _fail(contact_import, code="abandoned", message=_("The import was never started."))
            else:
                import_fail(import_id=contact_import.pk, code="stalled", message=_("The import stopped responding."))
        count += 1
    return count


# --- exports ---------------------------------------------------------------------------------------


def contacts_export_record(*, workspace, user=None, request=None, filters: Mapping | None = None, fmt: str) -> None:
    """Audit an export before it streams (exports are sensitive reads)."""
    audit_record(
        action="crm.contacts.exported",
        request=request,
        user=user,
        workspace=workspace,
        metadata={"filters": {k: str(v)[:100] for k, v in (filters or {}).items()}, "format": fmt},
    )
