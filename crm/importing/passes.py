"""The two passes: pass 1 (validate, match, stage, count) and pass 2 (apply the staged records in chunks)."""

from __future__ import annotations

import contextlib
import datetime
import gc
import json
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import csvio, reasons
from crm.importing.mapping import ParsedRow, RowParser
from crm.importing.matching import _Shadow, _View, conflict_reason
from crm.importing.readahead import read_ahead
from crm.importing.writes import (
    _FreshStatistics,
    _load_contacts,
    contacts_copy_payload,
    copy_contacts,
    insert_contacts,
    update_contacts,
)
from crm.models import Contact, ContactImport, ContactImportError, CustomFieldDefinition, Stage
from crm.validation import (
    InvalidValue,
    apply_custom_fields,
    merge_tags,
)
from privacy.erasure import blocked_addresses, has_blocked_addresses

CHUNK_SIZE = 5000
# More than this share of undecodable lines (and at least 5) means the file is
# in another encoding, not a UTF-8 file with a few damaged lines.
BAD_ENCODING_FILE_RATIO = 0.2

# One encoder for every staged record: json.dumps with arguments builds a new
# JSONEncoder per call (a third of its cost per line).
_staged_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

# --- pass 1 -----------------------------------------------------------------------------------------


@dataclass
class CountResult:
    total: int = 0
    rejected: int = 0
    new_contacts: int = 0
    staged_records: int = 0
    bad_encoding: int = 0
    staged_key: str = ""


def _chunks(iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _storage_key(workspace_id: int, suffix: str) -> str:
    return f"crm/imports/{workspace_id}/{uuid.uuid4().hex}{suffix}"


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the automatic cyclic garbage collector for a pass. The in-memory
    shadow holds ~10^5 live containers and every automatic full collection
    re-scans them: 15–20 % of pass 1's time at 100,000 lines. The passes
    collect the young generation after each chunk instead, which frees the
    chunk's few reference cycles without touching the long-lived state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def count_pass(contact_import: ContactImport, *, region: str) -> CountResult:
    """Pass 1 (see the module docstring). Raises csvio.FileInvalid when the
    file as a whole is unusable. Needs the workspace scope."""
    with _gc_paused():
        return _count_pass(contact_import, region=region)


def _count_pass(contact_import: ContactImport, *, region: str) -> CountResult:
    definitions = list(CustomFieldDefinition.objects.all())
    parser = RowParser(contact_import.columns, contact_import.mapping, region, definitions)
    result = CountResult()
    with tempfile.TemporaryFile("w+b") as staged, transaction.atomic():
        shadow = _Shadow(contact_import.workspace_id, workspace_empty=not Contact.objects.exists())
        erased = has_blocked_addresses(workspace_id=contact_import.workspace_id)
        try:
            with default_storage.open(contact_import.file_key, "rb") as source:
                records = csvio.iter_records(source, contact_import.delimiter)
                for chunk in _chunks(records, CHUNK_SIZE):
                    _count_chunk(chunk, parser, shadow, staged, result, erased=erased)
                    gc.collect(1)  # the chunk's few cycles (Django's ValidationError is one), not the shadow
        finally:
            shadow.close()
        if result.bad_encoding >= 5 and result.bad_encoding > BAD_ENCODING_FILE_RATIO * max(1, result.total):
            raise csvio.FileInvalid(
                _(
                    "%(n)d of %(total)d lines are not valid UTF-8: the file is in another encoding. Save it as "
                    "“CSV UTF-8” in your spreadsheet program and upload it again."
                )
                % {"n": result.bad_encoding, "total": result.total}
            )
        if result.total == 0:
            raise csvio.FileInvalid(_("The file has a header row but no contacts."))
        staged.seek(0)
        result.staged_key = default_storage.save(
            _storage_key(contact_import.workspace_id, ".staged.jsonl"), File(staged, name="staged.jsonl")
        )
    return result


def _count_chunk(
    chunk: list[csvio.Record], parser: RowParser, shadow: _Shadow, out, result: CountResult, *, erased: bool = False
) -> None:
    parsed: list[ParsedRow | None] = []
    rejected: dict[int, str] = {}  # position in the chunk → reason
    emails, phones = set(), set()
    for position, record in enumerate(chunk):
        try:
            row = parser.parse(record)
        except InvalidValue as exc:
            if record.bad_encoding:
                result.bad_encoding += 1
            rejected[position] = reasons.stored(exc.args[0] if exc.args else exc)  # a code, not text
            parsed.append(None)
            continue
        parsed.append(row)
        if row.email:
            emails.add(row.email)
        if row.phone:
            phones.add(row.phone)
    view = shadow.load(list(emails), list(phones))
    blocked_emails, blocked_phones = (
        blocked_addresses(workspace_id=shadow.workspace_id, emails=emails, phones=phones) if erased else ((), ())
    )
    dumps, new_key, lines = _staged_json, shadow.new_key, []
    for position, row in enumerate(parsed):
        if (
            row is not None
            and (blocked_emails or blocked_phones)
            and _brings_erased(row, view, blocked_emails, blocked_phones)
        ):
            rejected[position] = erased_reason()
        elif row is not None:
            key, created = view.resolve(row.email, row.phone, new_key)
            if key is not None:
                # a staged record: "N" = matches nothing (creates a contact), "R" = matches one; "E" = rejected
                record = ["N" if created else "R", row.line, row.email, row.phone, row.fields, row.tags, row.custom]
                lines.append(dumps(record))
                continue
            rejected[position] = reasons.stored(conflict_reason())
        lines.append(dumps(["E", chunk[position].line, rejected[position]]))
    result.total += len(chunk)
    result.rejected += len(rejected)
    result.new_contacts += len(view.created)
    result.staged_records += len(lines)
    shadow.save(view)
    out.write(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))


def _brings_erased(row: ParsedRow, view: _View, emails, phones) -> bool:
    """Does the line carry the address of an erased person who asked not to be
    imported again (`privacy.ErasureBlock`), one no contact holds now? Such a
    line would re-create them (or give their address to someone), so it is
    rejected. A person who came back by themselves (a form) holds the address
    again, and the line merely updates them."""
    return (row.email in emails and row.email not in view.by_email) or (
        row.phone in phones and row.phone not in view.by_phone
    )


def erased_reason() -> str:
    return _("This person's data was erased at their request and they asked not to be imported again.")


# --- pass 2 -----------------------------------------------------------------------------------------


def _staged_records(key: str, skip: int) -> Iterator[list]:
    """The staged records after the first `skip`, read in 1 MB blocks (any
    storage backend; much cheaper than Django's File line iterator)."""
    loads, position, rest = json.loads, 0, b""
    with default_storage.open(key, "rb") as handle:
        while True:
            block = handle.read(1 << 20)
            lines = (rest + block).split(b"\n")
            rest = lines.pop() if block else b""
            for line in lines:
                if not line:
                    continue
                position += 1
                if position > skip:
                    yield loads(line.decode("utf-8", "surrogatepass"))
            if not block:
                return


def _new_contact(import_id: int) -> dict:
    return {
        "id": None,
        "email": "",
        "phone": "",
        "first_name": "",
        "last_name": "",
        "company": "",
        "stage": Stage.LEAD,
        "language": "",
        "source": "import",
        "email_opt_in": False,
        "whatsapp_opt_in": False,
        "tags": [],
        "custom_fields": {},
        "source_import_id": import_id,
    }


def _fresh_contact(record: list, import_id: int) -> dict:
    _kind, _line, email, phone, fields, tags, custom = record
    contact = _new_contact(import_id)
    contact.update(fields)
    contact["email"], contact["phone"], contact["tags"], contact["custom_fields"] = email, phone, tags, custom
    return contact


def _apply_row(contact: dict, fields: dict, tags: list, custom: dict) -> bool:
    """Merge one line into a contact: non-empty values win, tags are added,
    custom fields merged. Returns whether anything changed."""
    changed = False
    for name, value in fields.items():
        if contact[name] != value:
            contact[name] = value
            changed = True
    if tags:
        merged = merge_tags(contact["tags"] or [], tags)
        if merged != contact["tags"]:
            contact["tags"] = merged
            changed = True
    if custom:
        merged_custom = apply_custom_fields(contact["custom_fields"], custom)
        if merged_custom != contact["custom_fields"]:
            contact["custom_fields"] = merged_custom
            changed = True
    return changed


@dataclass
class PreparedChunk:
    """A chunk of staged records and what can be computed for it without the
    database: the COPY payload of its new ("N") contacts, stamped `now`."""

    records: list[list]
    now: datetime.datetime
    fresh_payload: bytes | None = None


def _prepare(records: list[list], workspace_id: int, import_id: int) -> PreparedChunk:
    now = timezone.now()
    if connection.vendor != "postgresql":
        return PreparedChunk(records, now)
    fresh = [_fresh_contact(record, import_id) for record in records if record[0] == "N"]
    return PreparedChunk(records, now, contacts_copy_payload(workspace_id, fresh, now=now))


@dataclass
class ChunkOutcome:
    created: int = 0
    updated: int = 0
    merged: int = 0
    errors: list = field(default_factory=list)


def apply_chunk(
    contact_import: ContactImport, records: list[list], offset: int, *, prepared: PreparedChunk | None = None
) -> ChunkOutcome | None:
    """Apply one chunk of staged records in one transaction. Returns None if
    another run already applied it (the resume point moved). `prepared` (the
    same records, from pass 2's read-ahead) saves building the COPY payload."""
    for attempt in range(3):
        try:
            first = attempt == 0
            return _apply_chunk_once(
                contact_import, records, offset, trust_pass_one=first, prepared=prepared if first else None
            )
        except IntegrityError:
            # A contact with one of the chunk's e-mails/phones appeared since
            # pass 1 (API, form): look every key up and decide again.
            if attempt == 2:
                raise
    return None  # pragma: no cover


def _apply_chunk_once(
    contact_import: ContactImport,
    records: list[list],
    offset: int,
    *,
    trust_pass_one: bool = False,
    prepared: PreparedChunk | None = None,
) -> ChunkOutcome | None:
    outcome = ChunkOutcome(errors=[(record[1], record[2]) for record in records if record[0] == "E"])
    # Lines pass 1 found to be new ("N") are inserted as they are, before the
    # others, with no lookup: nothing had their e-mail or phone then. If
    # something got one since, the insert hits the unique constraints and the
    # chunk is redone in file order with every key looked up.
    if trust_pass_one:
        fresh = [record for record in records if record[0] == "N"]
        rows = [record for record in records if record[0] == "R"]
    else:
        fresh, rows = [], [record for record in records if record[0] != "E"]
    emails = list({row[2] for row in rows if row[2]})
    phones = list({row[3] for row in rows if row[3]})
    now, import_id = (prepared.now if prepared else timezone.now()), contact_import.pk
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The chunk's rows and the import's resume point commit together, so
            # losing the last commits in a server crash only means redoing those
            # chunks on resume: the commit need not wait for the WAL flush.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        locked = (
            ContactImport.objects.select_for_update()
            .filter(pk=contact_import.pk)
            .values_list("processed", flat=True)
            .first()
        )
        if locked != offset:
            return None
        if fresh and prepared is not None and prepared.fresh_payload is not None:
            copy_contacts(prepared.fresh_payload)
            outcome.created += len(fresh)
        elif fresh:
            insert_contacts(contact_import.workspace_id, [_fresh_contact(row, import_id) for row in fresh], now=now)
            outcome.created += len(fresh)
        existing = _load_contacts(contact_import.workspace_id, emails, phones)
        view = _View()
        original = {}
        for contact in existing.values():
            view.add(contact["id"], contact["email"], contact["phone"])
            original[contact["id"]] = (contact["email"], contact["phone"])
        new: dict[int, dict] = {}
        counter = iter(range(-1, -(len(rows) + 2), -1))
        dirty: set[int] = set()
        for _kind, line, email, phone, fields, tags, custom in rows:
            key, created = view.resolve(email, phone, lambda: next(counter))
            if key is None:
                outcome.errors.append((line, reasons.stored(conflict_reason())))
                continue
            if created:  # the common case: nothing to compare against
                contact = new[key] = _new_contact(import_id)
                contact.update(fields)
                contact["tags"], contact["custom_fields"] = tags, custom
                outcome.created += 1
                continue
            contact = new.get(key) or existing[key]
            if key < 0 or contact["source_import_id"] == import_id:
                outcome.merged += 1
            else:
                outcome.updated += 1
            if _apply_row(contact, fields, tags, custom) and key > 0:
                dirty.add(key)
        for key, (email, phone) in view.ident.items():
            contact = new.get(key) or existing[key]
            contact["email"], contact["phone"] = email, phone
        dirty |= {key for key in view.changed if key > 0}

        # E-mails/phones that move between contacts: clear them first, so the
        # unique constraints never see two owners mid-statement.
        moved_email = [key for key in dirty if existing[key]["email"] != original[key][0]]
        moved_phone = [key for key in dirty if existing[key]["phone"] != original[key][1]]
        if moved_email:
            Contact.objects.filter(pk__in=moved_email).update(email="")
        if moved_phone:
            Contact.objects.filter(pk__in=moved_phone).update(phone="")
        if dirty:
            update_contacts(contact_import.workspace_id, [existing[key] for key in sorted(dirty)], now=now)
        if new:
            insert_contacts(contact_import.workspace_id, list(new.values()), now=now)
        if outcome.errors:
            ContactImportError.objects.bulk_create(
                [
                    ContactImportError(
                        workspace_id=contact_import.workspace_id,
                        contact_import_id=contact_import.pk,
                        line=line,
                        reason=reason[:500],
                    )
                    for line, reason in sorted(outcome.errors)
                ]
            )
        ContactImport.objects.filter(pk=contact_import.pk).update(
            processed=offset + len(records),
            created=F("created") + outcome.created,
            updated=F("updated") + outcome.updated,
            merged=F("merged") + outcome.merged,
            rejected=F("rejected") + len(outcome.errors),
            updated_at=now,
        )
    return outcome


def apply_pass(contact_import: ContactImport, *, on_progress=None) -> bool:
    """Pass 2 from the import's resume point to the end. Returns False if
    another run took over (the resume point moved under us)."""
    with _gc_paused():
        return _apply_pass(contact_import, on_progress=on_progress)


def _prepared_chunks(contact_import: ContactImport, offset: int) -> Iterator[PreparedChunk]:
    workspace_id, import_id = contact_import.workspace_id, contact_import.pk
    for records in _chunks(_staged_records(contact_import.staged_key, offset), CHUNK_SIZE):
        yield _prepare(records, workspace_id, import_id)


def _apply_pass(contact_import: ContactImport, *, on_progress=None) -> bool:
    offset = contact_import.processed
    statistics = _FreshStatistics()
    # The next chunk is read and prepared in a thread while this one is written (`readahead`).
    with read_ahead(_prepared_chunks(contact_import, offset)) as chunks:
        for chunk in chunks:
            outcome = apply_chunk(contact_import, chunk.records, offset, prepared=chunk)
            if outcome is None:
                return False
            offset += len(chunk.records)
            statistics.inserted(outcome.created)
            gc.collect(1)
            if on_progress is not None:
                on_progress(offset)
    return True
