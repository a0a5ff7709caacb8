"""The CSV import engine: column mapping, line validation, and the two passes.

Pipeline (the public entry points are `import_upload`, `import_start` and
`import_run` in `crm.services`)::

    upload ─ store the file (crm/imports/<workspace>/<uuid>.csv), read the header,
             suggest a column mapping
    pass 1 ─ (synchronous, in the request) stream every line: decode, check the
             column count, validate and normalise the mapped cells, then decide
             what the line will do — create a contact ("N"), update a contact
             that exists or that an earlier line creates ("R"), or be rejected
             ("E"). Writes these staged records (JSON lines) to storage and
             counts the new contacts; nothing touches the CRM tables. The count
             is then charged once through the charge door.
    pass 2 ─ (Celery) read the staged records in chunks of `CHUNK_SIZE`; per
             chunk, in one transaction: COPY the "N" lines in (bulk_create off
             PostgreSQL), look up the contacts the "R" lines match (one query),
             merge those lines in and write the changed contacts (one UPDATE …
             FROM VALUES), store the rejected lines, and advance the import's
             counters and resume point. A crash resumes after the last committed
             chunk; running a finished import again does nothing. A thread reads
             the next chunk and builds its COPY payload meanwhile (`readahead`):
             the pass is PostgreSQL-bound, the thread uses the idle core.

Matching rules (`_View.resolve`, the same in both passes): a line matches the
contact with its e-mail address, else the one with its phone number; if its
e-mail belongs to one contact and its phone to another, the line is
rejected. On a match, non-empty cells overwrite the contact's values (its
e-mail or phone too, when the line brings one that is free), tags are added,
custom fields merged. So duplicates inside the file merge into one contact,
and uploading the same file again creates nothing. A line carrying an e-mail
or phone of an erased person who asked to be blocked (`privacy.ErasureBlock`)
that no contact holds now is rejected (`passes._brings_erased`).

Between the passes the table may change (a form lead arrives): pass 2 trusts
pass 1's "N" verdict, and if a contact appeared meanwhile the unique
constraints refuse the insert and the chunk is redone in file order with
every key looked up. The charge stays what pass 1 counted (a contact created
meanwhile was charged by whoever created it; see `services._import_finish`
for the opposite case).

Memory is bounded whatever the file size: each pass holds one chunk, plus
pass 1's record of which e-mails/phones earlier lines claimed — in dicts up
to `SHADOW_MEMORY_CONTACTS` contacts, beyond that in a temporary table with a
Bloom filter in front (`matching._SeenFilter`: only the keys it may hold are
looked up, so the per-chunk cost stays flat to a million lines).
Measured figures: docs/PERFORMANCE.md ("CRM import").

Layout: `mapping` (column mapping, the line parser), `matching` (a chunk's
view, pass 1's shadow and its Bloom filter), `passes` (both passes),
`readahead` (pass 2's producer thread), `writes` (pass 2's SQL). Phones and
e-mails are validated by `crm.validation` (exact fast paths: `crm.phones`).
Tunables live (and are not re-exported) where they are read: `passes.CHUNK_SIZE`,
`matching.SHADOW_MEMORY_CONTACTS` (patch them there in tests).
"""

from crm.importing.mapping import (
    ALIASES,
    CUSTOM_PREFIX,
    MAX_LENGTHS,
    TARGETS,
    ParsedRow,
    RowParser,
    mapping_targets,
    normalize_header,
    suggest_mapping,
    validate_mapping,
)
from crm.importing.matching import conflict_reason, pg_text_array
from crm.importing.passes import (
    BAD_ENCODING_FILE_RATIO,
    ChunkOutcome,
    CountResult,
    apply_chunk,
    apply_pass,
    count_pass,
)
from crm.importing.writes import insert_contacts, update_contacts

__all__ = [
    "ALIASES",
    "BAD_ENCODING_FILE_RATIO",
    "CUSTOM_PREFIX",
    "MAX_LENGTHS",
    "TARGETS",
    "ChunkOutcome",
    "CountResult",
    "ParsedRow",
    "RowParser",
    "apply_chunk",
    "apply_pass",
    "conflict_reason",
    "count_pass",
    "insert_contacts",
    "mapping_targets",
    "normalize_header",
    "pg_text_array",
    "suggest_mapping",
    "update_contacts",
    "validate_mapping",
]
