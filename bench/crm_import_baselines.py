"""The CRM import benchmark's baselines (`bench/crm_import.py`), each run in a
fresh process on the same file as the import:

- `copy`: raw `COPY` of the fault-free rows straight from the file bytes;
- `floor`: parse the CSV, validate e-mail (Django's EmailValidator) and phone
  (phonenumbers) exactly like the import, `COPY` the valid rows — streamed, so
  PostgreSQL writes while Python parses — into a table with a primary key only;
- `floor_indexed`: the same script into a table with the contact table's
  columns and every one of its indexes (the trigram search index, the e-mail
  and phone indexes — not unique here, the floor does not merge duplicates —
  and the list indexes): what any import into the product's table must pay
  at least. Reported beside the floor, not instead of it.
"""

from __future__ import annotations

import contextlib
import csv
import json
import time
from pathlib import Path

FLOOR_COLUMNS = ("email", "phone", "first_name", "last_name", "company", "tags")


def _copy_table(name: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(
            f"CREATE TABLE {name} (id bigserial PRIMARY KEY, email text, phone text, first_name text, "
            "last_name text, company text, tags text)"
        )


def _contact_shaped_table(name: str) -> None:
    """A table like crm_contact with its indexes re-created from the catalogue
    (unique ones as plain indexes), so the figure follows the real table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TABLE {name} (LIKE crm_contact INCLUDING DEFAULTS INCLUDING IDENTITY)")
        cursor.execute(f"ALTER TABLE {name} ADD PRIMARY KEY (id)")
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'crm_contact'")
        for index, definition in cursor.fetchall():
            if index.endswith("_pkey"):
                continue
            definition = definition.replace("CREATE UNIQUE INDEX", "CREATE INDEX", 1)
            definition = definition.replace(f"INDEX {index} ON", f"INDEX {name}_{index} ON", 1)
            cursor.execute(definition.replace(" ON public.crm_contact ", f" ON {name} ", 1))


def run_raw_copy(clean_path: Path) -> float:
    from django.db import connection

    _copy_table("bench_crm_raw")
    with connection.cursor() as cursor, clean_path.open("rb") as handle:
        started = time.perf_counter()
        with cursor.cursor.copy(
            "COPY bench_crm_raw (email, phone, first_name, last_name, company, tags) FROM STDIN (FORMAT csv, HEADER)"
        ) as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        return time.perf_counter() - started


def run_floor(path: Path, region: str = "US", *, indexed: bool = False) -> tuple[float, int]:
    """Parse, validate e-mail and phone with the same libraries, COPY the valid rows."""
    import phonenumbers
    from django.core.exceptions import ValidationError
    from django.core.validators import EmailValidator
    from django.db import connection

    validate_email = EmailValidator()
    if indexed:
        table = "bench_crm_floor_indexed"
        _contact_shaped_table(table)
        columns = (
            "workspace_id, created_at, updated_at, email, phone, first_name, last_name, company, tags, stage, "
            "language, source, email_opt_in, whatsapp_opt_in, custom_fields, engagement_score"
        )
        now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
        constants = ("lead", "", "import", False, False, "{}", 0)
    else:
        table, columns = "bench_crm_floor", ", ".join(FLOOR_COLUMNS)
        _copy_table(table)
    csv.field_size_limit(64 * 1024 * 1024)
    valid = 0
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        # warm like the import (`_warm_worker`): phonenumbers' metadata for the first lines' regions
        for row in (row for _, row in zip(range(30), csv.reader(handle), strict=False)):
            for cell in row[1:2]:
                with contextlib.suppress(phonenumbers.NumberParseException):
                    phonenumbers.is_valid_number(phonenumbers.parse(cell.strip(), region))
    with connection.cursor() as cursor:
        started = time.perf_counter()
        with (
            path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            reader = csv.reader(handle)
            next(reader)
            for row in reader:
                if len(row) != 6:
                    continue
                email = row[0].strip().lower()
                try:
                    "".join(row).encode("utf-8")  # undecodable bytes → reject the line
                    if any(len(cell) > 10_000 for cell in row):
                        continue
                    if email:
                        validate_email(email)
                    phone = row[1].strip()
                    if phone:
                        number = phonenumbers.parse(phone, region)
                        if not phonenumbers.is_valid_number(number):
                            continue
                        phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                except (ValidationError, phonenumbers.NumberParseException, UnicodeEncodeError):
                    continue
                if not email and not phone:
                    continue
                if indexed:
                    tags = json.dumps([row[5]]) if row[5] else "[]"
                    copy.write_row((1, now, now, email, phone, row[2], row[3], row[4], tags, *constants))
                else:
                    copy.write_row((email, phone, row[2], row[3], row[4], row[5]))
                valid += 1
        return time.perf_counter() - started, valid


BASELINES = {
    "copy": run_raw_copy,
    "floor": run_floor,
    "floor_indexed": lambda path: run_floor(path, indexed=True),
}
