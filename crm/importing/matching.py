"""Matching lines to contacts: a chunk's view of identities and pass 1's shadow of what earlier lines did."""

from __future__ import annotations

import uuid

from django.db import connection

from crm.models import Contact
from crm.reasons import gettext_reason as _

# --- matching --------------------------------------------------------------------------------------


class _View:
    """The identities (e-mail, phone) of the contacts one chunk can touch,
    keyed by contact id (or a negative key for contacts the import creates)."""

    __slots__ = ("by_email", "by_phone", "changed", "created", "ident")

    def __init__(self):
        self.by_email: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self.ident: dict[int, list[str]] = {}
        self.changed: set[int] = set()
        self.created: list[int] = []

    def add(self, key: int, email: str, phone: str) -> None:
        self.ident[key] = [email, phone]
        if email:
            self.by_email[email] = key
        if phone:
            self.by_phone[phone] = key

    def resolve(self, email: str, phone: str, new_key) -> tuple[int | None, bool]:
        """(contact key, created?) for a line, or (None, False) when its e-mail
        and phone belong to two different contacts."""
        by_email = self.by_email.get(email) if email else None
        by_phone = self.by_phone.get(phone) if phone else None
        if by_email is not None and by_phone is not None and by_email != by_phone:
            return None, False
        target = by_email if by_email is not None else by_phone
        if target is None:
            key = new_key()
            self.add(key, email, phone)
            self.created.append(key)
            return key, True
        ident = self.ident[target]
        if email and email != ident[0]:
            if ident[0]:
                self.by_email.pop(ident[0], None)
            self.by_email[email] = target
            ident[0] = email
            self.changed.add(target)
        if phone and phone != ident[1]:
            if ident[1]:
                self.by_phone.pop(ident[1], None)
            self.by_phone[phone] = target
            ident[1] = phone
            self.changed.add(target)
        return target, False


def conflict_reason() -> str:
    return _("The e-mail address belongs to one contact and the phone number to another.")


def pg_text_array(values: list[str]) -> str:
    """A PostgreSQL text[] literal. psycopg's list adapter costs ~10 µs per
    element here; these arrays carry thousands of e-mails per query."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _in(column: str, values: list[str]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::text[])", [pg_text_array(values)]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


# Pass 1 keeps the state of up to this many contacts in memory (~300 bytes
# each, so ≤ 45 MB), then moves it to a temporary table: memory stays bounded
# whatever the file size, and typical files never touch the table.
SHADOW_MEMORY_CONTACTS = 150_000
# Past the spill, a Bloom filter over the e-mails and phones in the table
# answers "never seen" for most of a chunk's keys without a query (16 bits and
# two probes per key: ~1.4 % false "maybe" when full, 4 MB for 2,000,000 keys).
SEEN_FILTER_BITS_PER_KEY = 16
SEEN_FILTER_FIRST_CAPACITY = 2_000_000


class _SeenFilter:
    """A Bloom filter: `may_contain` is never False for an added key, and
    rarely True for another (then the spill table is asked and finds nothing).
    When a filter holds its capacity, a new one twice as large takes the next
    keys, so false positives stay rare however long the file. Keys are hashed
    with Python's `hash`, stable for the life of the process — the filter lives
    for one pass."""

    __slots__ = ("capacity", "filters")

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.filters: list[list] = []  # [bytearray, mask, count, capacity]
        self._grow(capacity)

    def _grow(self, capacity: int) -> None:
        bits = 1 << max(6, (capacity * SEEN_FILTER_BITS_PER_KEY - 1).bit_length())
        self.filters.append([bytearray(bits >> 3), bits - 1, 0, capacity])

    def add(self, key: str) -> None:
        current = self.filters[-1]
        if current[2] >= current[3]:
            self._grow(current[3] * 2)
            current = self.filters[-1]
        array, mask = current[0], current[1]
        code = hash(key)
        first, second = code & mask, (code >> 32) & mask
        array[first >> 3] |= 1 << (first & 7)
        array[second >> 3] |= 1 << (second & 7)
        current[2] += 1

    def may_contain(self, key: str) -> bool:
        code = hash(key)
        for array, mask, _count, _capacity in self.filters:
            first, second = code & mask, (code >> 32) & mask
            if array[first >> 3] >> (first & 7) & 1 and array[second >> 3] >> (second & 7) & 1:
                return True
        return False


class _Shadow:
    """Pass 1's memory of what earlier lines did: `(cid, email, phone)` for
    every contact the import would create (negative cid) or whose e-mail or
    phone it would change (the contact's own id). Held in dicts up to
    `SHADOW_MEMORY_CONTACTS`, then in a temporary table.

    The SQL below is built with f-strings only for table and column names we
    generate here; every value is a query parameter (hence the S608 noqa)."""

    def __init__(self, workspace_id: int, *, memory_limit: int | None = None, workspace_empty: bool = False):
        self.workspace_id = workspace_id
        # A first import into an empty CRM (the common case) has no contacts to look up.
        self.workspace_empty = workspace_empty
        self.memory_limit = SHADOW_MEMORY_CONTACTS if memory_limit is None else memory_limit
        self.table: str | None = None
        self.ident: dict[int, tuple[str, str]] = {}
        self.by_email: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self._next = 0
        # Temporary tables are never auto-analyzed: without statistics each chunk's
        # lookup planned a scan of the whole table (quadratic over the file).
        self.table_rows = 0
        self.analyzed_rows = 0
        self.seen: _SeenFilter | None = None  # what the table holds, once spilled

    def new_key(self) -> int:
        self._next -= 1
        return self._next

    def close(self) -> None:
        if self.table is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def load(self, emails: list[str], phones: list[str]) -> _View:
        """The chunk's view: shadow rows first, then real contacts that the
        shadow does not supersede."""
        view = _View()
        contact_email_sql, email_params = _in("c.email", emails)
        contact_phone_sql, phone_params = _in("c.phone", phones)
        real_sql = (
            f"SELECT c.id, c.email, c.phone FROM {Contact._meta.db_table} c WHERE c.workspace_id = %s"  # noqa: S608
            # `<> ''` lets PostgreSQL use the partial unique indexes
            f" AND (({contact_email_sql} AND c.email <> '') OR ({contact_phone_sql} AND c.phone <> ''))"
        )
        with connection.cursor() as cursor:
            if self.table is None:
                for keys, index in ((emails, self.by_email), (phones, self.by_phone)):
                    for key in keys:
                        cid = index.get(key)
                        if cid is not None and cid not in view.ident:
                            view.add(cid, *self.ident[cid])
                rows = []
                if not self.workspace_empty:
                    cursor.execute(real_sql, [self.workspace_id, *email_params, *phone_params])
                    rows = [row for row in cursor.fetchall() if row[0] not in self.ident]
            else:
                # Only the keys the table may hold are looked up: in a typical
                # file, a few per cent of a chunk's (duplicates and false positives).
                may_contain = self.seen.may_contain
                maybe_emails = [email for email in emails if may_contain(email)]
                maybe_phones = [phone for phone in phones if may_contain(phone)]
                if maybe_emails or maybe_phones:
                    email_sql, maybe_email_params = _in("email", maybe_emails)
                    phone_sql, maybe_phone_params = _in("phone", maybe_phones)
                    cursor.execute(
                        f"SELECT cid, email, phone FROM {self.table} WHERE {email_sql} OR {phone_sql}",  # noqa: S608
                        [*maybe_email_params, *maybe_phone_params],
                    )
                    for cid, email, phone in cursor.fetchall():
                        view.add(cid, email, phone)
                rows = []
                if not self.workspace_empty:
                    superseded = f" AND NOT EXISTS (SELECT 1 FROM {self.table} s WHERE s.cid = c.id)"  # noqa: S608
                    cursor.execute(real_sql + superseded, [self.workspace_id, *email_params, *phone_params])
                    rows = cursor.fetchall()
        for cid, email, phone in rows:
            view.add(cid, email, phone)
        return view

    def save(self, view: _View) -> None:
        created = set(view.created)
        changed = [key for key in view.changed if key not in created]
        if self.table is None:
            for key in (*view.created, *changed):
                previous = self.ident.get(key)
                if previous is not None:
                    if previous[0] and self.by_email.get(previous[0]) == key:
                        del self.by_email[previous[0]]
                    if previous[1] and self.by_phone.get(previous[1]) == key:
                        del self.by_phone[previous[1]]
                email, phone = view.ident[key]
                self.ident[key] = (email, phone)
                if email:
                    self.by_email[email] = key
                if phone:
                    self.by_phone[phone] = key
            if len(self.ident) > self.memory_limit:
                self._spill()
            return
        self._write([(key, *view.ident[key]) for key in view.created], [(key, *view.ident[key]) for key in changed])

    def _spill(self) -> None:
        self.table = f"crm_import_shadow_{uuid.uuid4().hex[:12]}"
        self.seen = _SeenFilter(max(SEEN_FILTER_FIRST_CAPACITY, 4 * len(self.ident)))
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {self.table} (cid bigint PRIMARY KEY, email text, phone text)")
            cursor.execute(f"CREATE INDEX {self.table}_e ON {self.table} (email)")
            cursor.execute(f"CREATE INDEX {self.table}_p ON {self.table} (phone)")
        self._write([(key, email, phone) for key, (email, phone) in self.ident.items()], [])
        self.ident, self.by_email, self.by_phone = {}, {}, {}

    def _analyze_if_grown(self) -> None:
        """ANALYZE the table after the spill and after each doubling: a
        logarithmic number of times, so its lookups stay index lookups."""
        if self.table_rows >= 2 * self.analyzed_rows and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {self.table}")
            self.analyzed_rows = max(self.table_rows, 1)

    def _write(self, inserts: list[tuple], upserts: list[tuple]) -> None:
        add = self.seen.add
        for rows in (inserts, upserts):
            for _cid, email, phone in rows:
                if email:
                    add(email)
                if phone:
                    add(phone)
        with connection.cursor() as cursor:
            if inserts:
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {self.table} (cid, email, phone) FROM STDIN") as copy:
                        for row in inserts:
                            copy.write_row(row)
                else:
                    sql = f"INSERT INTO {self.table} (cid, email, phone) VALUES (%s, %s, %s)"  # noqa: S608
                    cursor.executemany(sql, inserts)
                self.table_rows += len(inserts)
            if upserts:
                sql = (
                    f"INSERT INTO {self.table} (cid, email, phone) VALUES (%s, %s, %s) "  # noqa: S608
                    "ON CONFLICT (cid) DO UPDATE SET email = excluded.email, phone = excluded.phone"
                )
                cursor.executemany(sql, upserts)
                self.table_rows += len(upserts)  # an upper bound: enough to decide when to re-analyze
        self._analyze_if_grown()
