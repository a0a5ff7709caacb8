"""CSV plumbing for imports and exports: encoding and delimiter detection,
records with their physical line numbers, and a formula-safe writer.

Reading contract:
- Bytes are decoded as UTF-8; a UTF-8 byte-order mark is dropped. Invalid
  bytes do not abort the file: they are decoded with `surrogateescape`, and
  the record that contains them is flagged (`Record.bad_encoding`) so the
  importer can reject that one line. UTF-16/32 files and binary files are
  refused as a whole (`FileInvalid`).
- The delimiter is the one of `,` `;` TAB that occurs most often in the first
  line (spreadsheets in many locales write `;`).
- Line numbers are physical and 1-based: the header is line 1, and a record
  whose quoted field spans several lines is reported at the line it starts
  on. Blank lines (and lines of empty cells) are skipped.

Writing contract: `escape_cell` prefixes every text cell that starts with
`=`, `+`, `-`, `@`, TAB or CR with a `'`, so spreadsheet programs never
evaluate an exported cell as a formula (OWASP "CSV injection"). The importer
drops that prefix again, so an export re-imports unchanged.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_SURROGATE = re.compile("[\udc80-\udcff]")
_ESCAPED_FORMULA = re.compile(r"'[=+\-@\t\r]")

# csv refuses fields over 128 KiB and then loses track of quoted multi-line
# records. Raise the process-wide limit (only ever upwards) so an oversized
# cell is read whole and rejected with its line number by our own check;
# the upload size cap bounds what can arrive.
if csv.field_size_limit() < 64 * 1024 * 1024:
    csv.field_size_limit(64 * 1024 * 1024)


class FileInvalid(ValueError):
    """The file as a whole cannot be imported; `str(exc)` is the reason."""


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs ~3 µs a line here
class Record:
    line: int
    cells: list[str]
    bad_encoding: bool
    error: str = ""
    size: int = 0  # characters in all cells together
    has_nul: bool = False


class _Raw(io.RawIOBase):
    """Any storage file (local, S3 …) as a raw stream for io.BufferedReader."""

    def __init__(self, file):
        self._file = file

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._file.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def text_stream(binary) -> io.TextIOWrapper:
    """Decode a binary file object for `csv`: UTF-8, BOM dropped, invalid
    bytes kept as surrogates, line endings untranslated (as csv requires)."""
    return io.TextIOWrapper(
        io.BufferedReader(_Raw(binary), 64 * 1024), encoding="utf-8-sig", errors="surrogateescape", newline=""
    )


def check_sample(sample: bytes) -> None:
    """Refuse what is certainly not a UTF-8 text file, from its first bytes."""
    if not sample.strip(b"\xef\xbb\xbf \t\r\n"):
        raise FileInvalid(_("The file is empty."))
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileInvalid(_("The file is encoded as UTF-16 or UTF-32. Save it as “CSV UTF-8” and upload it again."))
    if b"\x00" in sample:
        raise FileInvalid(_("This is not a CSV text file (it contains binary data). Save it as “CSV UTF-8”."))


def sniff_delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_line(sample: bytes) -> str:
    text = sample.decode("utf-8-sig", errors="surrogateescape")
    return re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]


def read_header(binary) -> tuple[list[str], str]:
    """(column names, delimiter) from the first record of the file. Raises
    FileInvalid for an empty, non-UTF-8 or unusable header."""
    sample = binary.read(SAMPLE_BYTES)
    check_sample(sample)
    delimiter = sniff_delimiter(_first_line(sample))
    binary.seek(0)
    records = iter_records(binary, delimiter, skip_header=False)
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header.cells):
        raise FileInvalid(_("The file is empty."))
    if header.bad_encoding:
        raise FileInvalid(
            _("The file is not UTF-8 encoded. Save it as “CSV UTF-8” in your spreadsheet program and upload it again.")
        )
    columns = [cell.strip() for cell in header.cells]
    while columns and not columns[-1]:
        columns.pop()
    if len(columns) > MAX_COLUMNS:
        raise FileInvalid(_("The file has more than %(n)d columns.") % {"n": MAX_COLUMNS})
    if any(len(column) > 200 for column in columns):
        raise FileInvalid(_("A column name is longer than 200 characters: is the first line a header row?"))
    seen: set[str] = set()
    for column in columns:
        key = column.casefold()
        if key and key in seen:
            raise FileInvalid(_("The column %(column)s appears twice in the header.") % {"column": column})
        seen.add(key)
    return columns, delimiter


def iter_records(binary, delimiter: str, *, skip_header: bool = True) -> Iterator[Record]:
    """Every non-blank record with the physical line it starts on."""
    reader = csv.reader(text_stream(binary), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    previous_end = 0
    first = True
    while True:
        start = previous_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # pragma: no cover - csv in non-strict mode rarely raises
            previous_end = reader.line_num
            yield Record(line=start, cells=[], bad_encoding=False, error=str(exc))
            continue
        previous_end = reader.line_num
        if first:
            first = False
            if skip_header:
                continue
        joined = "".join(cells)  # one C-level pass answers "blank?", "bad bytes?" and "how big?"
        if not joined or joined.isspace():
            continue
        bad = not joined.isascii() and _SURROGATE.search(joined) is not None
        yield Record(line=start, cells=cells, bad_encoding=bad, size=len(joined), has_nul="\x00" in joined)


def unescape_cell(value: str) -> str:
    """Undo `escape_cell` (a `'` before a formula character), so an exported
    file imports back unchanged."""
    if value[:1] == "'" and _ESCAPED_FORMULA.match(value):
        return value[1:]
    return value


def escape_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable], *, header: Iterable[str], bom: bool = True) -> Iterator[str]:
    """Formula-safe CSV text, one line at a time (for streaming responses).
    Starts with a UTF-8 BOM so spreadsheet programs detect the encoding."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    first = writer.writerow([escape_cell(cell) for cell in header])
    yield ("\ufeff" + first) if bom else first
    for row in rows:
        yield writer.writerow([escape_cell(cell) for cell in row])
