"""Load and validate the three case tables (received, decided, compliance).

The Ombudsman's case-level spreadsheets are the only input of the statistics,
so a mistake in them must stop the run with a message a case officer can act
on: every problem is gathered first (file, row, column, what is wrong and how
to fix it) and raised together as one :class:`CaseDataError`. A valid row is
never dropped silently.

Row numbers are *spreadsheet row numbers*: the first line of the file is row 1.
Comment lines starting with ``#`` above the header are counted, so the header of
a sample file (one marker line, then the header) is row 2 and its first case is
row 3. In a CSV this is the line number a text editor shows (blank lines are
counted too); in an XLSX it is the row number Excel shows.

Decisions about doubtful input (the corpus in ``tests/data/bad/`` shows each):

* Dates are ``yyyy-mm-dd`` or ``dd/mm/yyyy``. A slash date is always day first
  (``01/02/2020`` is 1 February); one that only works month first
  (``03/25/2020``) is refused with its ISO spelling, and then every date in that
  column that reads either way is refused too, since it is probably month first.
  Dates before 2000-01-01 or after the day of loading are typing errors.
* A decision dated before its complaint was received, or a compliance outcome
  before its decision (same ``case_ref``), is refused naming both files and rows.
* Files must be UTF-8 (a BOM and Windows line endings are fine); Latin-1,
  UTF-16, semicolon-separated text, a title row above the header, merged cells
  and formulas without a saved value are refused with the fix. Label case and
  spacing do not matter; Excel numbers in ``case_ref`` are read as text.
* A case reference is up to 40 letters, digits, spaces, hyphens or slashes.
* Data values quoted in messages are cut to ``QUOTE_LIMIT`` characters with
  control characters escaped (``shown``), so no cell can break a terminal, a
  log or a page that shows the message.
* A workbook's table is on its one visible worksheet holding data (among
  several, the one named after the table); hidden sheets are never read and a
  warning names them (``CaseData.warnings``, also logged); anything ambiguous
  is refused naming the sheets.
* Files are checked against limits (``MAX_ROWS``, ``MAX_COLUMNS``,
  ``MAX_PART_BYTES``, ``MAX_COMPRESSION_RATIO``, ``MAX_SHARED_STRINGS``...)
  before they are read: workbook parts from the zip directory, then their XML
  streamed through expat (no document type, so no entity expansion) with
  counters, never unpacked whole.
* Values must be plain ASCII where it matters: a full-width or Arabic-Indic
  digit or a look-alike letter is refused with the character named.
* A table that is a link leading out of the data folder is refused unread.
* Two more tables are optional, ``reports`` and ``remedies`` (``OPTIONAL_TABLES``):
  read and checked like the others (a case reference may repeat in them), then
  cross-checked against ``decided``: each row's case must be decided, by the same
  council; a report is dated on or after the decision, a remedy agreed after it,
  due and completed on or after the day it was agreed. Without them
  ``CaseData.reports`` / ``remedies`` are None and nothing else changes; with only
  a header they are empty (none this time).

All checks are vectorised pandas operations: a table of 100,000 rows is checked
in a fraction of a second, and a 50 MB table in a few seconds.
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import hashlib
import io
import logging
import os
import posixpath
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import numpy as np
import pandas as pd

from lgsco_report import definitions
from .errors import LgscoReportError

#: Table name -> the columns its file must have, in the order we report them.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "received": ("case_ref", "authority", "received_date", "category"),
    "decided": ("case_ref", "authority", "decision_date", "category", "outcome", "remedy_by_authority"),
    "compliance": ("case_ref", "authority", "compliance_date", "outcome"),
    "reports": ("case_ref", "authority", "report_date", "kind"),
    "remedies": ("case_ref", "authority", "remedy_type", "agreed_date", "due_date", "completed_date"),
}
#: The three case tables every data folder must have.
TABLES: tuple[str, ...] = ("received", "decided", "compliance")
#: Tables a data folder may have; without them everything works as before and the letters say nothing of them.
OPTIONAL_TABLES: tuple[str, ...] = ("reports", "remedies")
#: Which column holds each table's date (the one that places a row in a year).
DATE_COLUMN: dict[str, str] = {
    "received": "received_date", "decided": "decision_date", "compliance": "compliance_date",
    "reports": "report_date", "remedies": "agreed_date",
}
#: Tables where a case reference may appear on several rows (a case can have several remedies).
_REPEATABLE_REFS = frozenset({"reports", "remedies"})
FILE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx")
#: ``str(CaseDataError)`` lists this many problems, then says how many more there are.
MAX_LISTED_PROBLEMS = 50

_TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
_FALSE_WORDS = frozenset({"no", "false", "0", "n"})
#: Case dates before this day are typing errors (the Ombudsman's case data starts later).
EARLIEST_DATE = _dt.date(2000, 1, 1)
#: Years outside this range are not even parsed (keeps pandas inside its datetime64 range).
_PARSE_YEARS = (1900, 2200)
#: A data value quoted in a message is cut to this many characters.
QUOTE_LIMIT = 80
#: A case reference: letters, digits, spaces, hyphens and slashes, starting with a letter or digit.
#: Dots are refused, so no reference can spell ``..`` if it ever becomes part of a file name.
CASE_REF_PATTERN = r"[A-Za-z0-9][A-Za-z0-9 /\-]{0,39}"
#: At most this many distinct unknown values get close-match suggestions (difflib is slow on many values).
_MAX_SUGGESTED = 20
_SUGGEST_MAX_LENGTH = 200
#: Characters escaped when a value is quoted: C0/C1 controls, zero-width and bidirectional marks, BOM.
_UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_MAX_MESSAGE = 1000
_LOG = logging.getLogger(__name__)

# Limits on a table file, enforced before (or while streaming, never after) reading it: a real
# annual table has tens of thousands of rows, so these are generous, yet a hostile file of a
# few kilobytes is refused in well under a second and 200 MB (bench/bench_inputs.py measures).
#: Most rows (spreadsheet row number, or CSV line) a table may use: a little more than Excel's own
#: 1,048,576, so that any table Excel can hold is read; memory grows about 400 bytes a row.
MAX_ROWS = 1_100_000
#: Most columns a table may use (column IV); the tables have four to six.
MAX_COLUMNS = 256
#: Most characters in one workbook cell (Excel's own limit).
MAX_CELL_CHARACTERS = 32_767
#: Most bytes a CSV file may hold (a table of a million rows takes about 100 MB).
MAX_CSV_BYTES = 512 * 2**20
#: Most bytes one part (zip entry) of a workbook may unpack to, from the zip directory.
MAX_PART_BYTES = 512 * 2**20
#: Most a part of a workbook may be compressed (uncompressed / compressed size) when it unpacks
#: to more than ``_RATIO_FREE_BYTES``; a real sheet compresses 10 to 15 times.
MAX_COMPRESSION_RATIO = 100
_RATIO_FREE_BYTES = 2**20
#: Most parts (zip entries) in a workbook, and most shared strings it may hold.
MAX_PARTS = 10_000
MAX_SHARED_STRINGS = 2_000_000
#: Most worksheets in a workbook, and most merged ranges in the table's sheet (a table has none).
MAX_SHEETS = 1_000
MAX_MERGED_RANGES = 1_000
#: Most comment (``#``) or blank lines above a CSV's header.
MAX_LINES_BEFORE_HEADER = 1_000
#: Most problems of one kind listed one by one in one column of one file (the rest are counted).
MAX_PROBLEMS_PER_CHECK = 1_000
#: Formula cells without a saved value are counted past this many, but not kept.
_MAX_KEPT_FORMULAS = 1_000


def _escape(text: str) -> str:
    return _UNSAFE_CHARACTERS.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def _cut(value: object, limit: int) -> tuple[str, int | None]:
    """(escaped text of at most ``limit`` characters, original length if it was cut else None)."""
    text = str(value)
    escaped = _escape(text[:limit])
    if len(text) <= limit and len(escaped) <= limit:
        return escaped, None
    return escaped[:limit], len(text)


def non_ascii_note(text: object) -> str:
    """``'; it contains U+0435 CYRILLIC SMALL LETTER IE, ...'`` naming the first character that is not plain ASCII, or ''.

    A full-width digit or a Cyrillic letter looks like its ASCII twin on screen,
    so a message quoting the value alone would leave the reader puzzled.
    """
    found = _first_non_ascii(text)
    if found is None:
        return ""
    return f"; it contains {found}, which is not a plain ASCII character (it may look like one): retype the value with ASCII letters and digits"


def _first_non_ascii(text: object) -> str | None:
    """``U+FF12 FULLWIDTH DIGIT TWO`` for the first non-ASCII character (spaces and curly quotes aside), or None."""
    for character in str(text):
        if ord(character) > 127 and not character.isspace() and character not in "\u2018\u2019":
            return f"U+{ord(character):04X} {unicodedata.name(character, 'a character without a name')}"
    return None


def clean_text(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value made safe to print: control characters escaped (like ``repr``) and cut to ``limit`` characters.

    Cell values reach terminals, logs and HTML error pages through messages; a NUL
    byte, an ANSI escape or a 100,000-character cell must not be able to break them.
    """
    text, length = _cut(value, limit)
    return text if length is None else f"{text}... ({length:,} characters)"


def shown(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``clean_text`` in single quotes, the way messages quote a data value."""
    text, length = _cut(value, limit)
    return f"'{text}'" if length is None else f"'{text}...' ({length:,} characters)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the input; ``row`` is the spreadsheet row number (header = row 1 after any ``#`` lines)."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [clean_text(self.file, 200)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {shown(self.column)}")
        return f"{', '.join(where)}: {clean_text(self.message, _MAX_MESSAGE)}"


class CaseDataError(LgscoReportError, ValueError):
    """The case tables cannot be used; ``problems`` lists every problem found (not only the first)."""

    def __init__(self, problems: list[Problem], data_dir: Path | str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        self.data_dir = data_dir
        super().__init__(self._describe())

    def _describe(self) -> str:
        count = len(self.problems)
        place = f" in {clean_text(self.data_dir, 300)}" if self.data_dir is not None else ""
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in the case data{place}:"]
        lines += [f"  {problem}" for problem in self.problems[:MAX_LISTED_PROBLEMS]]
        if count > MAX_LISTED_PROBLEMS:
            lines.append(f"  ... and {count - MAX_LISTED_PROBLEMS} more (first {MAX_LISTED_PROBLEMS} of {count} listed)")
        return "\n".join(lines)


@dataclass(frozen=True)
class SourceFile:
    """Where a table came from; the hash lets a letter be traced to the exact input."""

    table: str
    path: Path
    sha256: str


@dataclass(frozen=True, eq=False)
class CaseData:
    """The three validated tables with normalised columns (see docs/architecture.md)."""

    received: pd.DataFrame
    decided: pd.DataFrame
    compliance: pd.DataFrame
    sources: list[SourceFile] = field(default_factory=list)
    is_sample: bool = False
    years: list[int] = field(default_factory=list)
    #: What was read with a caveat (hidden sheets ignored), one message a line; also logged.
    warnings: list[str] = field(default_factory=list)
    #: Optional tables, None when the folder has no such file: ``reports`` (case_ref, authority_code,
    #: report_date, kind) and ``remedies`` (case_ref, authority_code, remedy_type, agreed_date,
    #: due_date, completed_date (NaT: not yet done)).
    reports: pd.DataFrame | None = None
    remedies: pd.DataFrame | None = None


# --------------------------------------------------------------------------- reading


@dataclass
class _RawTable:
    """A table as text: one str column per header cell, plus each data row's spreadsheet row number."""

    header: list[str] | None
    cells: pd.DataFrame
    rows: np.ndarray
    header_row: int
    is_sample: bool


def _is_comment(first_cell: object) -> bool:
    return isinstance(first_cell, str) and first_cell.lstrip().startswith("#")


def _marks_sample(comment: str) -> bool:
    return definitions.SAMPLE_BANNER.casefold() in comment.casefold()


#: File signatures of formats people save or rename by mistake -> what to call them in a message.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (or other Office 97-2003) file"),
    (b"{\\rtf", "an RTF document"),
)
_KNOWN_COLUMN_NAMES = frozenset(name for columns in TABLE_COLUMNS.values() for name in columns)


def _signature(data: bytes) -> str | None:
    """What a file's first bytes say it is, when it is a known non-table format."""
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            return what
    return None


def _undecodable_place(data: bytes, error: UnicodeDecodeError) -> tuple[int, str | None]:
    """Line number and (when the header can be read) column name of the first byte that is not UTF-8."""
    line_start = data.rfind(b"\n", 0, error.start) + 1
    line = data[: error.start].count(b"\n") + 1
    prefix = data[line_start : error.start].decode("utf-8", errors="replace").replace("\r", "")
    header_end = data.find(b"\n")
    header_text = data[: header_end if header_end >= 0 else len(data)].decode("utf-8", errors="replace")
    header_text = header_text.lstrip("\ufeff").replace("\r", "")
    try:
        position = len(next(csv.reader([prefix]), [""])) - 1 if prefix else 0
        header = [h.strip() for h in next(csv.reader([header_text]), [])]
    except csv.Error:
        return line, None
    column = header[position] if line > 1 and 0 <= position < len(header) and header[position] else None
    return line, column


def _read_csv(path: Path, label: str, problems: list[Problem]) -> _RawTable | None:
    """Read a CSV (UTF-8, BOM tolerated); a file that is not CSV text is a problem, not a crash."""
    if (size := path.stat().st_size) > MAX_CSV_BYTES:
        problems.append(Problem(label, None, None, f"the file holds {size:,} bytes, over the limit of {MAX_CSV_BYTES:,} bytes for a table; check that it is the right file"))
        return None
    data = path.read_bytes()
    if (lines := data.count(b"\n") + (0 if data.endswith(b"\n") else 1)) > MAX_ROWS:
        problems.append(
            Problem(label, None, None, f"the file has {lines:,} lines, over the limit of {MAX_ROWS:,} rows a table may have; check that it is the right file")
        )
        return None
    if not data or data.isspace():
        problems.append(Problem(label, None, None, "the file is empty; it needs a header row and one row per case"))
        return None
    if data.startswith(b"PK\x03\x04"):
        problems.append(
            Problem(label, None, None, "this is an Excel workbook with a .csv name; rename it to .xlsx or save it as CSV")
        )
        return None
    if (what := _signature(data)) is not None:
        problems.append(Problem(label, None, None, f"this is {what}, not a CSV table; save the table as CSV UTF-8 (comma delimited)"))
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(
            Problem(label, None, None, "this file is UTF-16 text (Excel's 'Unicode Text'); save it as 'CSV UTF-8 (comma delimited)' instead")
        )
        return None
    head = data[:65536]
    binary_message = "this is a binary file, not a CSV text file; save the table as CSV (UTF-8)"
    if head.count(b"\x00") > max(8, len(head) // 100):
        problems.append(Problem(label, None, None, binary_message))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if b"\x00" in head:  # NUL bytes and invalid UTF-8: not text at all
            problems.append(Problem(label, None, None, binary_message))
            return None
        line, column = _undecodable_place(data, error)
        byte = data[error.start : error.start + 1].hex().upper()
        problems.append(
            Problem(
                label, line, column,
                f"the file is not UTF-8 text (byte 0x{byte} here; probably saved as Latin-1/Windows-1252, "
                "which spells accented letters differently); in Excel use 'Save as' > 'CSV UTF-8 (comma delimited)'",
            )
        )
        return None
    if _leading_lines(text)[0] > MAX_LINES_BEFORE_HEADER:
        problems.append(
            Problem(label, None, None, f"more than {MAX_LINES_BEFORE_HEADER:,} comment or blank lines come before the header row, over the limit; delete them")
        )
        return None
    if (too_wide := _too_wide(text)) is not None:
        problems.append(Problem(label, too_wide[0], None, too_wide[1]))
        return None
    if (separator := _wrong_separator(text)) is not None:
        problems.append(Problem(label, separator[0], None, separator[1]))
        return None
    raw = _read_csv_fast(text, data)
    del data  # a large file is held once as text, not also as bytes
    if raw is None:
        raw = _read_csv_exact(text, label, problems)
    if raw is not None and raw.header is None:
        problems.append(Problem(label, None, None, "the file has no header row and no data; it needs a header row and one row per case"))
        return None
    return raw


def _too_wide(text: str) -> tuple[int, str] | None:
    """(header row, message) when the header has more values than a table may have columns (checked before parsing)."""
    skipped, _ = _leading_lines(text)
    position = 0
    for _ in range(skipped):
        position = text.find("\n", position) + 1
    end = text.find("\n", position)
    values = text.count(",", position, len(text) if end < 0 else end) + 1
    if values <= MAX_COLUMNS:
        return None
    return skipped + 1, f"the header row has {values:,} values, over the limit of {MAX_COLUMNS} columns a table may have; the tables have four to six"


def _wrong_separator(text: str) -> tuple[int, str] | None:
    """(header row, message) when the header is split by ';' or tabs instead of commas (Excel in some locales)."""
    skipped, _ = _leading_lines(text)
    lines = text.splitlines()
    if skipped >= len(lines):
        return None
    header = lines[skipped]
    names_by_comma = {part.strip().lower() for part in header.split(",")}
    if names_by_comma & _KNOWN_COLUMN_NAMES:
        return None
    for separator, name in ((";", "semicolons"), ("\t", "tabs")):
        names = {part.strip().strip('"').lower() for part in header.split(separator)}
        if len(names & _KNOWN_COLUMN_NAMES) >= 2:
            return (
                skipped + 1,
                f"the values are separated by {name}, not commas; save the file as 'CSV UTF-8 (comma delimited)' "
                "(or change the list separator to a comma)",
            )
    return None


def _leading_lines(text: str) -> tuple[int, bool]:
    """How many comment (``#``) or blank lines come before the header, and whether one is the sample marker.

    Counting stops past ``MAX_LINES_BEFORE_HEADER`` (the file is then refused).
    """
    skipped = 0
    is_sample = False
    position = 0
    while position < len(text) and skipped <= MAX_LINES_BEFORE_HEADER:
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        line = text[position:end]
        if line.strip() and not line.lstrip().startswith("#"):
            break
        skipped += 1
        is_sample = is_sample or _marks_sample(line)
        position = end + 1
    return skipped, is_sample


def _read_csv_fast(text: str, data: bytes) -> _RawTable | None:
    """pandas' C parser when line numbers are simple (no field spans lines); None means use the exact reader.

    The parser reads the bytes (``data``, the same content as ``text``): a
    StringIO copy of a large text would cost four bytes a character.
    """
    skipped, is_sample = _leading_lines(text)
    try:
        cells = pd.read_csv(
            io.BytesIO(data),
            encoding="utf-8-sig",
            skiprows=skipped,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_MINIMAL,
        )
    except pd.errors.EmptyDataError:
        return _RawTable(None, pd.DataFrame(), np.array([], dtype=np.int64), 0, is_sample)  # type: ignore[arg-type]
    except (pd.errors.ParserError, ValueError):
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if skipped + len(cells) != lines:
        return None  # a quoted field spans lines (or odd line endings): count lines exactly instead
    cells = cells.astype(object)
    rows = np.arange(len(cells), dtype=np.int64) + skipped + 1
    blank = (cells == "").all(axis=1).to_numpy()
    cells, rows = cells[~blank], rows[~blank]
    if cells.empty:
        return _RawTable(None, pd.DataFrame(), rows, 0, is_sample)  # type: ignore[arg-type]
    header = [str(v) for v in cells.iloc[0]]
    body = cells.iloc[1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    return _RawTable(header, body, rows[1:], int(rows[0]), is_sample)


def _read_csv_exact(text: str, label: str, problems: list[Problem]) -> _RawTable | None:
    """The ``csv`` module, tracking the line each record starts on; reports rows with too many values."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_row = 0
    is_sample = False
    records: list[list[str]] = []
    rows: list[int] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not record or all(not value.strip() for value in record):
                continue
            if len(record) > MAX_COLUMNS:
                problems.append(Problem(label, start, None, f"this row has {len(record):,} values, over the limit of {MAX_COLUMNS} columns a table may have; check the file"))
                return None
            if header is None:
                if _is_comment(record[0]):
                    is_sample = is_sample or _marks_sample(",".join(record))
                    continue
                header, header_row = record, start
                continue
            records.append(record)
            rows.append(start)
    except csv.Error as error:
        problems.append(Problem(label, reader.line_num, None, f"the CSV cannot be read ({error}); check the quotes on this line"))
        return None
    if header is None:
        return _RawTable(None, pd.DataFrame(), np.array([], dtype=np.int64), 0, is_sample)  # type: ignore[arg-type]
    width = len(header)
    if _title_above(header, records):  # the caller names the real header row; keep every row to find it
        width = max(len(record) for record in [header, *records])
    too_long = [(row, len(record)) for row, record in zip(rows, records) if len(record) > width and any(v.strip() for v in record[width:])]
    for row, length in too_long[:MAX_PROBLEMS_PER_CHECK]:
        problems.append(
            Problem(label, row, None, f"this row has {length} values but the header has {width} columns; check for an unquoted comma")
        )
    if len(too_long) > MAX_PROBLEMS_PER_CHECK:
        problems.append(_more_rows(label, [row for row, _ in too_long], None))
    bad_rows = {row for row, _ in too_long}
    kept = [(row, (record + [""] * width)[:width]) for row, record in zip(rows, records) if row not in bad_rows]
    cells = pd.DataFrame([record for _, record in kept], columns=range(width), dtype=object)
    if cells.empty:
        cells = pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    return _RawTable(header, cells, np.array([row for row, _ in kept], dtype=np.int64), header_row, is_sample)


def _title_above(header: list[str], records: list[list[str]]) -> bool:
    """Whether the first line is a title (no column name) and the column names come on one of the next lines."""
    if {value.strip().lower() for value in header} & _KNOWN_COLUMN_NAMES:
        return False
    return any(len({value.strip().lower() for value in record} & _KNOWN_COLUMN_NAMES) >= 2 for record in records[:10])


def _cell_text(value: object) -> str:
    """Excel cell -> the text a CSV would hold (dates as ISO, whole numbers without '.0')."""
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Refused(Exception):
    """A workbook refused while it is being read (a limit exceeded, a part that is not well-formed)."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.message, self.row, self.column = message, row, column


_RESAVE = "save the table again as .xlsx or CSV"


def _part_limits(archive: zipfile.ZipFile) -> str | None:
    """Why the workbook's parts are too big to unpack safely, from the central directory alone (None: fine).

    Checked before anything is decompressed: the declared sizes bound what
    ``zipfile`` will ever produce (an entry inflating past its declared size
    fails its check), so a zip bomb is refused without unpacking a byte.
    """
    entries = archive.infolist()
    if len(entries) > MAX_PARTS:
        return f"this workbook holds {len(entries):,} parts, over the limit of {MAX_PARTS:,}; {_RESAVE}"
    for info in entries:
        if info.file_size > MAX_PART_BYTES:
            return (
                f"the part {shown(info.filename)} of this workbook unpacks to {info.file_size:,} bytes, over the limit of "
                f"{MAX_PART_BYTES:,} bytes a part (a table of {MAX_ROWS:,} rows needs less); {_RESAVE}"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FREE_BYTES and ratio > MAX_COMPRESSION_RATIO:
            return (
                f"the part {shown(info.filename)} of this workbook is compressed {ratio:,.0f} times ({info.file_size:,} bytes "
                f"in {info.compress_size:,}), over the limit of {MAX_COMPRESSION_RATIO} times (a real table compresses "
                f"about 10 times): it looks like a zip bomb; {_RESAVE}"
            )
    return None


def _not_a_workbook(path: Path) -> str | None:
    """Why ``path`` is not an .xlsx workbook we can read (None when it is), from its first bytes and zip directory."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not zipfile.is_zipfile(path):
        if (what := _signature(head)) is not None:
            return f"this is {what} with an .xlsx name, not an Excel .xlsx workbook; save the table as .xlsx or CSV"
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            return "this is not an Excel .xlsx workbook (older .xls or another format); save it as .xlsx or CSV"
        return "this is a text file with an .xlsx name, not an Excel workbook; if it is comma-separated, rename it to .csv"
    try:
        with zipfile.ZipFile(path) as archive:
            if (too_big := _part_limits(archive)) is not None:
                return too_big
            names = set(archive.namelist())
            mimetype = b""
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    mimetype = entry.read(100)  # never more: the entry may be huge
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError, EOFError, zlib.error):
        return "this .xlsx file is damaged (it cannot be unzipped); save it again as .xlsx or CSV"
    if b"opendocument.spreadsheet" in mimetype:
        return "this is an OpenDocument spreadsheet (.ods); save it as .xlsx (Excel workbook) or CSV"
    if "xl/workbook.xml" not in names:
        return "this is a zip archive (perhaps a Word or other Office file), not an Excel workbook; save the table as .xlsx or CSV"
    return None


class _DoctypeFound(Exception):
    """A part declares a document type (and so perhaps entities); spreadsheet XML never does."""


def _refuse_dtd(*_: object) -> None:
    raise _DoctypeFound


def _parse_part(archive: zipfile.ZipFile, name: str, start: Callable, end: Callable | None = None, text: Callable | None = None) -> None:
    """Stream one XML part through expat (element names without their namespace), 1 MiB at a time.

    A document type declaration is refused (spreadsheet XML never has one), so
    no entity can expand; handlers raise :class:`_Refused` to stop at a limit.
    """
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.StartElementHandler = lambda tag, attrs: start(tag.rpartition("}")[2], attrs)
    if end is not None:
        parser.EndElementHandler = lambda tag: end(tag.rpartition("}")[2])
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        with archive.open(name) as source:
            while chunk := source.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _DoctypeFound:
        raise _Refused(
            f"the part {shown(name)} of this workbook declares a document type with entities, which no spreadsheet holds "
            f"(entity expansion could make it enormous); {_RESAVE}"
        ) from None
    except expat.ExpatError as error:
        raise _Refused(f"the part {shown(name)} of this workbook is not well-formed XML ({error}); {_RESAVE}") from None


@dataclass
class _Sheet:
    name: str
    state: str
    part: str


def _workbook_parts(archive: zipfile.ZipFile) -> tuple[list[_Sheet], str | None, str | None, bool]:
    """(worksheets in tab order, shared strings part, styles part, whether dates count from 1904)."""
    sheets: list[tuple[str, str, str]] = []
    flags: dict[str, bool] = {"date1904": False}

    def on_workbook(tag: str, attrs: dict[str, str]) -> None:
        if tag == "sheet":
            if len(sheets) >= MAX_SHEETS:
                raise _Refused(f"this workbook has more than {MAX_SHEETS:,} sheets, over the limit; {_RESAVE}")
            rid = next((value for key, value in attrs.items() if key.rpartition("}")[2] == "id"), "")
            sheets.append((attrs.get("name", "?"), attrs.get("state", "visible"), rid))
        elif tag == "workbookPr":
            flags["date1904"] = attrs.get("date1904", "0").lower() in ("1", "true")

    _parse_part(archive, "xl/workbook.xml", on_workbook)
    targets: dict[str, tuple[str, str]] = {}

    def on_rels(tag: str, attrs: dict[str, str]) -> None:
        if tag == "Relationship":
            target = attrs.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], part)

    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        _parse_part(archive, "xl/_rels/workbook.xml.rels", on_rels)
    by_type = {kind: part for kind, part in targets.values()}
    worksheets = [_Sheet(name, state, targets[rid][1]) for name, state, rid in sheets if targets.get(rid, ("",))[0] == "worksheet"]
    names = set(archive.namelist())
    strings = by_type.get("sharedStrings", "xl/sharedStrings.xml")
    styles = by_type.get("styles", "xl/styles.xml")
    return worksheets, strings if strings in names else None, styles if styles in names else None, flags["date1904"]


_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,20}:)?si[\s>/]")


def _count_tags(archive: zipfile.ZipFile, part: str, tag: re.Pattern[bytes]) -> int:
    """How many ``<si>`` elements a part holds, streamed 1 MiB at a time (stops counting past the string limit).

    ``bytes.count`` does the usual spelling at memory speed; the regular
    expression ``tag`` is used only for a part whose tags carry a namespace prefix.
    """
    count = 0
    tail = b""
    prefixed: bool | None = None
    with archive.open(part) as source:
        while chunk := source.read(1 << 20):
            block = tail + chunk
            if prefixed is None:
                prefixed = b"<si" not in block and b":si" in block
            cut = max(len(block) - 32, 0)  # a tag straddling chunks is counted with the next block
            body = block[:cut]
            count += len(tag.findall(body)) if prefixed else body.count(b"<si>") + body.count(b"<si ") + body.count(b"<si/")
            tail = block[cut:]
            if count > MAX_SHARED_STRINGS:
                return count
    return count + len(tag.findall(tail))


def _shared_strings(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    """The shared strings, refused past ``MAX_SHARED_STRINGS`` strings or ``MAX_CELL_CHARACTERS`` characters in one."""
    strings: list[str] = []
    if part is None:
        return strings
    if _count_tags(archive, part, _STRING_TAG) > MAX_SHARED_STRINGS:  # counted on the bytes first: fast, no memory
        raise _Refused(
            f"the part {shown(part)} of this workbook holds more than {MAX_SHARED_STRINGS:,} shared strings, over the "
            f"limit (a table of {MAX_ROWS:,} rows needs fewer); {_RESAVE}"
        )
    state = {"depth_rph": 0, "in_t": False}
    pieces: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "si":
            if len(strings) >= MAX_SHARED_STRINGS:
                raise _Refused(
                    f"the part {shown(part)} of this workbook holds more than {MAX_SHARED_STRINGS:,} shared strings, over the "
                    f"limit (a table of {MAX_ROWS:,} rows needs fewer); {_RESAVE}"
                )
            pieces.clear()
        elif tag == "rPh":
            state["depth_rph"] += 1
        elif tag == "t":
            state["in_t"] = True

    def end(tag: str) -> None:
        if tag == "si":
            strings.append("".join(pieces))
        elif tag == "rPh":
            state["depth_rph"] -= 1
        elif tag == "t":
            state["in_t"] = False

    def text(data: str) -> None:
        if state["in_t"] and not state["depth_rph"]:
            pieces.append(data)
            if len(pieces) > 1 and sum(map(len, pieces)) > MAX_CELL_CHARACTERS:
                raise _Refused(f"a shared string in {shown(part)} is longer than {MAX_CELL_CHARACTERS:,} characters, Excel's own limit")

    _parse_part(archive, part, start, end, text)
    return strings


def _date_styles(archive: zipfile.ZipFile, part: str | None) -> tuple[list[bool], list[bool]]:
    """For each cell style (``s`` attribute): whether its number format is a date, and whether a duration."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    custom: dict[int, str] = {}
    format_ids: list[int] = []
    inside = {"cellXfs": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "numFmt":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            inside["cellXfs"] = True
        elif tag == "xf" and inside["cellXfs"]:
            format_ids.append(int(attrs.get("numFmtId", "0")))

    def end(tag: str) -> None:
        if tag == "cellXfs":
            inside["cellXfs"] = False

    if part is not None:
        _parse_part(archive, part, start, end)
    codes = [custom.get(i, BUILTIN_FORMATS.get(i, "General")) for i in format_ids]
    return [is_date_format(code) for code in codes], [is_timedelta_format(code) for code in codes]


_COLUMN_LETTERS = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
_NUMBER = re.compile(r"[0-9]{1,9}")
_CELL_RANGE = re.compile(r"[A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _beyond_limits(row: int, column: int, what: str, at_row: int | None = None) -> _Refused:
    from openpyxl.utils import get_column_letter

    return _Refused(
        f"{what} reaches row {row:,}, column {column:,}, beyond the limit of a table ({MAX_ROWS:,} rows, {MAX_COLUMNS} "
        f"columns, up to column {get_column_letter(MAX_COLUMNS)}); delete whatever is below or right of the table "
        "(Ctrl+End in Excel goes to the last used cell) and save",
        at_row,
    )


@dataclass
class _SheetContent:
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    unsaved_formulas: list[tuple[int, int, str]] = field(default_factory=list)
    unsaved_formula_count: int = 0


class _SheetReader:
    """Expat handlers reading one worksheet's cells as text, with the row, column and size limits enforced."""

    def __init__(self, strings: list[str], date_styles: tuple[list[bool], list[bool]], date1904: bool, stop_at_value: bool) -> None:
        self.strings, (self.is_date, self.is_duration) = strings, date_styles
        self.epoch = _dt.datetime(1904, 1, 1) if date1904 else _dt.datetime(1899, 12, 30)
        self.content = _SheetContent()
        self.stop_at_value = stop_at_value
        self.row_number, self.column, self.values = 0, 0, {}
        self.cell_type, self.style, self.capture, self.phonetic = "n", 0, None, 0
        self.value: list[str] = []
        self.formula: list[str] | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "c":
            self._start_cell(attrs)
        elif tag == "v":
            self.capture = "v"
        elif tag == "t" and not self.phonetic and self.cell_type == "inlineStr":
            self.capture = "v"
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "f":
            self.capture, self.formula = "f", []
        elif tag == "row":
            self.row_number = int(attrs["r"]) if _NUMBER.fullmatch(attrs.get("r", "")) else self.row_number + 1
            self.column, self.values = 0, {}
            if self.row_number > MAX_ROWS:
                raise _Refused(
                    f"the sheet has a row numbered {self.row_number:,}, over the limit of {MAX_ROWS:,} rows; delete the rows "
                    "below the table and save", self.row_number,
                )
        elif tag == "mergeCell" and _CELL_RANGE.fullmatch(attrs.get("ref", "")):
            if len(self.content.merged) >= MAX_MERGED_RANGES:
                raise _Refused(
                    f"the sheet has more than {MAX_MERGED_RANGES:,} merged ranges, over the limit; a table has none: select "
                    "every cell and unmerge them (Home > Merge & Center > Unmerge Cells)"
                )
            self.content.merged.append(attrs["ref"])
        elif tag == "dimension":
            found = [_COLUMN_LETTERS.fullmatch(part) for part in attrs.get("ref", "").split(":")]
            if found and found[-1]:
                row, column = int(found[-1].group(2)), _column_number(found[-1].group(1))
                if row > MAX_ROWS or column > MAX_COLUMNS:
                    raise _beyond_limits(row, column, f"the used range ({clean_text(attrs.get('ref', ''), 40)})")

    def _start_cell(self, attrs: dict[str, str]) -> None:
        reference = _COLUMN_LETTERS.fullmatch(attrs.get("r", ""))
        self.column = _column_number(reference.group(1)) if reference else self.column + 1
        if self.column > MAX_COLUMNS:
            raise _beyond_limits(self.row_number, self.column, f"cell {clean_text(attrs.get('r', ''), 20) or 'a cell'}", self.row_number)
        self.cell_type, self.style = attrs.get("t", "n"), int(attrs["s"]) if _NUMBER.fullmatch(attrs.get("s", "")) else 0
        self.value, self.formula, self.capture = [], None, None

    def end(self, tag: str) -> None:
        if tag in ("v", "t", "f"):
            self.capture = None
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "c":
            self._end_cell()
        elif tag == "row" and self.values:
            width = max(self.values)
            texts = [self.values.get(i, "") for i in range(1, width + 1)]
            self.content.rows.append((self.row_number, texts))

    def text(self, data: str) -> None:
        if self.capture == "v":
            self.value.append(data)
            if len(self.value) > 1 and sum(map(len, self.value)) > MAX_CELL_CHARACTERS:
                raise _Refused(f"a cell on row {self.row_number:,} holds more than {MAX_CELL_CHARACTERS:,} characters, Excel's own limit")
        elif self.capture == "f" and self.formula is not None and len(self.formula) < 100:
            self.formula.append(data)

    def _end_cell(self) -> None:
        raw = "".join(self.value)
        if self.formula is not None and not raw:
            self.content.unsaved_formula_count += 1
            if len(self.content.unsaved_formulas) < _MAX_KEPT_FORMULAS:
                self.content.unsaved_formulas.append((self.row_number, self.column - 1, "=" + "".join(self.formula)))
            return
        if not raw:
            return
        text = self._convert(raw)
        if text.strip():
            self.values[self.column] = text
            if self.stop_at_value:
                self.content.rows.append((self.row_number, [text]))
                raise _StopReading

    def _convert(self, raw: str) -> str:
        kind = self.cell_type
        if kind == "s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError):
                raise _Refused(f"a cell on row {self.row_number:,} refers to shared string {clean_text(raw, 20)}, which the workbook does not have; {_RESAVE}") from None
        if kind == "b":
            return "true" if raw.strip() in ("1", "true") else "false"
        if kind == "d":
            return raw.strip()[:10] if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T.*)?", raw.strip()) else raw
        if kind in ("inlineStr", "str", "e"):
            return raw
        text = raw.strip()
        if re.fullmatch(r"-?[0-9]{1,30}", text):
            number: float | int = int(text)
        else:
            try:
                number = float(text)
            except ValueError:
                return raw
        if self.style < len(self.is_date) and self.is_date[self.style]:
            from openpyxl.utils.datetime import from_excel

            try:
                return _cell_text(from_excel(number, self.epoch, timedelta=self.is_duration[self.style]))
            except (OverflowError, ValueError):
                return _cell_text(number)
        return _cell_text(number)


class _StopReading(Exception):
    """Raised by a reader that only needs to know whether a sheet holds any value."""


def _read_sheet(archive: zipfile.ZipFile, part: str, strings: list[str], styles: tuple[list[bool], list[bool]], date1904: bool, stop_at_value: bool = False) -> _SheetContent:
    reader = _SheetReader(strings, styles, date1904, stop_at_value)
    try:
        _parse_part(archive, part, reader.start, reader.end, reader.text)
    except _StopReading:
        pass
    return reader.content


def _choose_sheet(
    sheets: list[_Sheet], table: str | None, label: str, warnings: list[str], holds_values: Callable[[_Sheet], bool]
) -> _Sheet:
    """The one worksheet holding the table (rule in the module docstring); anything ambiguous is refused."""
    listed = lambda group: ", ".join(shown(s.name) for s in group)  # noqa: E731
    hidden = [s for s in sheets if s.state in ("hidden", "veryHidden")]
    visible = [s for s in sheets if s not in hidden]
    if not sheets:
        raise _Refused(f"this workbook has no worksheet; {_RESAVE}")
    if not visible:
        raise _Refused(f"every worksheet of this workbook is hidden ({listed(hidden)}); unhide the one holding the table (right-click a sheet tab > Unhide) and delete the others")
    chosen = visible[0]
    if len(visible) > 1:
        named = [s for s in visible if table is not None and _label_key(s.name) == table and holds_values(s)]
        with_values = named or [s for s in visible if holds_values(s)]
        if len(with_values) > 1:
            raise _Refused(
                f"this workbook has {len(with_values)} visible sheets holding data ({listed(with_values)}), so it is not clear "
                f"which is the {table or 'case'} table; keep the table on one sheet and delete the others, or name its sheet '{table or 'received'}'"
            )
        chosen = with_values[0] if with_values else visible[0]
    if hidden:
        message = (
            f"{label}: ignored the hidden sheet(s) {listed(hidden)} ({', '.join(sorted({s.state for s in hidden}))}); "
            f"the table was read from the sheet {shown(chosen.name)}"
        )
        warnings.append(message)
        _LOG.warning("%s", message)
    return chosen


def _unsaved_formula_problem(found: list[tuple[int, int, str]], header: list[str], header_row: int, label: str) -> list[Problem]:
    """The first formula cell (in the table's data) saved without a calculated value, and how many there are."""
    found = [(row, position, formula) for row, position, formula in found if row > header_row and position < len(header)]
    if not found:
        return []
    row, position, formula = found[0]
    column = header[position].strip() if header[position].strip() else None
    more = f" ({len(found)} such cells in the sheet)" if len(found) > 1 else ""
    if len(found) >= _MAX_KEPT_FORMULAS:
        more = f" (more than {_MAX_KEPT_FORMULAS:,} such cells in the sheet)"
    return [
        Problem(
            label, row, column,
            f"this cell holds the formula {shown(formula)} but no calculated value was saved{more}; open the file in Excel "
            "and save it (Excel stores the results), or replace the formulas by their values (Paste Special > Values)",
        )
    ]


def _read_workbook(path: Path, table: str | None, label: str, warnings: list[str]) -> _SheetContent:
    with zipfile.ZipFile(path) as archive:
        sheets, strings_part, styles_part, date1904 = _workbook_parts(archive)
        names = set(archive.namelist())
        if len({sheet.part for sheet in sheets}) < len(sheets):
            raise _Refused(f"two sheets of this workbook share one part (it is damaged); {_RESAVE}")
        for sheet in sheets:
            if sheet.part not in names:
                raise _Refused(f"the sheet {shown(sheet.name)} is missing from the workbook (it is damaged); {_RESAVE}")
        strings = _shared_strings(archive, strings_part)
        styles = _date_styles(archive, styles_part)
        holds = lambda sheet: bool(_read_sheet(archive, sheet.part, strings, styles, date1904, stop_at_value=True).rows)  # noqa: E731
        chosen = _choose_sheet(sheets, table, label, warnings, holds)
        try:
            return _read_sheet(archive, chosen.part, strings, styles, date1904)
        except _Refused as refused:
            message = refused.message
            if message.startswith("the sheet "):
                message = f"the sheet {shown(chosen.name)} " + message[len("the sheet "):]
            else:
                message = f"in the sheet {shown(chosen.name)}, {message}"
            raise _Refused(message, refused.row, refused.column) from None


def _read_xlsx(path: Path, label: str, problems: list[Problem], table: str | None = None, warnings: list[str] | None = None) -> _RawTable | None:
    """Read the table's worksheet, keeping Excel's row numbers, with the workbook XML streamed under limits.

    A formula is read as the value Excel saved with it (what the user sees); a
    formula without a saved value and merged cells are problems, not empty cells.
    """
    if path.stat().st_size == 0:
        problems.append(Problem(label, None, None, "the file is empty; it needs a header row and one row per case"))
        return None
    if (reason := _not_a_workbook(path)) is not None:
        problems.append(Problem(label, None, None, reason))
        return None
    try:
        content = _read_workbook(path, table, label, [] if warnings is None else warnings)
    except _Refused as refused:
        problems.append(Problem(label, refused.row, refused.column, refused.message))
        return None
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError, EOFError, zlib.error) as error:
        problems.append(Problem(label, None, None, f"this .xlsx workbook cannot be read ({type(error).__name__}: {clean_text(error)}); {_RESAVE}"))
        return None
    header: list[str] | None = None
    header_row = 0
    is_sample = False
    records: list[list[str]] = []
    rows: list[int] = []
    for number, texts in content.rows:
        if header is None:
            if _is_comment(texts[0]):
                is_sample = is_sample or _marks_sample(" ".join(texts))
                continue
            while texts and not texts[-1].strip():
                texts.pop()
            header, header_row = texts, number
            continue
        records.append(texts)
        rows.append(number)
    if header is None:
        problems.append(Problem(label, None, None, "the worksheet is empty; it needs a header row and one row per case"))
        return None
    # A title row above the header is reported by the caller; its merged cells are not a problem.
    named_rows = [
        number for number, record in zip([header_row, *rows[:10]], [header, *records[:10]])
        if len({text.strip().lower() for text in record} & _KNOWN_COLUMN_NAMES) >= 2
    ]
    structural = _merged_problems(content.merged, header, named_rows[0] if named_rows else header_row, label)
    if not structural:
        structural = _unsaved_formula_problem(content.unsaved_formulas, header, header_row, label)
    if structural:
        problems.extend(structural)
        return None
    width = max([len(header)] + [len(r) for r in records])
    header = header + [""] * (width - len(header))
    cells = pd.DataFrame([(r + [""] * width)[:width] for r in records], columns=range(width), dtype=object)
    if cells.empty:
        cells = pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    return _RawTable(header, cells, np.array(rows, dtype=np.int64), header_row, is_sample)


def _read_raw(path: Path, label: str, problems: list[Problem], table: str | None = None, warnings: list[str] | None = None) -> _RawTable | None:
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path, label, problems, table, warnings)
    return _read_csv(path, label, problems)


def _merged_problems(ranges: list[str], header: list[str], header_row: int, label: str) -> list[Problem]:
    """One problem per merged range touching the header or the data (merged titles above the header are fine)."""
    from openpyxl.utils import range_boundaries

    problems = []
    for cell_range in ranges:
        min_col, min_row, max_col, max_row = range_boundaries(cell_range)
        if max_row < header_row:
            continue
        column = header[min_col - 1].strip() if min_col - 1 < len(header) and header[min_col - 1].strip() else None
        problems.append(
            Problem(
                label, min_row, column,
                f"cells {cell_range} are merged, so only the first holds a value; unmerge them "
                "(Home > Merge & Center > Unmerge Cells) and give every row its own value",
            )
        )
    return problems


# --------------------------------------------------------------------------- checks


def _row_problems(label: str, rows: np.ndarray, column: str, messages: pd.Series | str) -> list[Problem]:
    """One problem per row, up to ``MAX_PROBLEMS_PER_CHECK``; then one more saying how many rows are left.

    A tiny file of millions of one-character rows would otherwise make millions
    of problems (gigabytes, minutes) that nobody reads one by one.
    """
    kept = rows[:MAX_PROBLEMS_PER_CHECK]
    if isinstance(messages, str):
        found = [Problem(label, int(row), column, messages) for row in kept]
    else:
        found = [Problem(label, int(row), column, str(message)) for row, message in zip(kept, messages)]
    if len(rows) > MAX_PROBLEMS_PER_CHECK:
        found.append(_more_rows(label, rows, column))
    return found


def _more_rows(label: str, rows: np.ndarray | list[int], column: str | None) -> Problem:
    left = len(rows) - MAX_PROBLEMS_PER_CHECK
    return Problem(
        label, int(rows[MAX_PROBLEMS_PER_CHECK]), column,
        f"this row and {left - 1:,} more below have the same kind of problem as the {MAX_PROBLEMS_PER_CHECK:,} listed "
        "above them (over the limit of problems listed one by one); fix the column as a whole",
    )


def _per_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply a string transform to each distinct value once (tables repeat few labels many times)."""
    codes, distinct = pd.factorize(values.to_numpy(dtype=object))
    result = transform(pd.Series(distinct, dtype=object))
    return pd.Series(np.asarray(result)[codes], index=values.index)


def _label_key(text: object) -> str:
    """Case-, space- and apostrophe-insensitive key for matching a label."""
    return " ".join(str(text).replace("\u2019", "'").replace("\u2018", "'").split()).casefold()


def _normalise_label(values: pd.Series) -> pd.Series:
    return pd.Series([_label_key(v) for v in values], index=values.index, dtype=object)


def _match_labels(
    values: pd.Series, allowed: tuple[str, ...], label: str, rows: np.ndarray, column: str, what: str
) -> tuple[pd.Series, list[Problem]]:
    """Map free-text labels to canonical ones; unknown or empty ones are problems naming the allowed labels."""
    canonical = {_label_key(a): a for a in allowed}
    keys = _per_distinct(values, _normalise_label)
    matched = keys.map(canonical)
    problems: list[Problem] = []
    empty = keys.eq("").to_numpy()
    if empty.any():
        problems += _row_problems(label, rows[empty], column, f"the {what} is empty; use one of: {', '.join(allowed)}")
    unknown = (matched.isna() & ~keys.eq("")).to_numpy()
    if unknown.any():
        allowed_text = ", ".join(allowed)
        messages = {}
        for number, value in enumerate(pd.unique(values[unknown])):
            text = str(value).strip()
            close = (
                difflib.get_close_matches(text, list(allowed), n=1, cutoff=0.6)
                if number < _MAX_SUGGESTED and len(text) <= _SUGGEST_MAX_LENGTH else []
            )
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            messages[value] = f"unknown {what} {shown(text)}{hint}; allowed: {allowed_text}{non_ascii_note(text[:_SUGGEST_MAX_LENGTH])}"
        problems += _row_problems(label, rows[unknown], column, values[unknown].map(messages))
    return matched, problems


# ASCII digits only: ``\d`` would also match full-width and Arabic-Indic digits, which pandas cannot convert.
_ISO = r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$"
_UK = r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$"


def parse_dates(
    values: pd.Series, earliest: _dt.date | None = None, latest: _dt.date | None = None
) -> tuple[pd.Series, pd.Series]:
    """Parse ISO ``yyyy-mm-dd`` and UK ``dd/mm/yyyy`` dates, vectorised.

    Returns (dates as datetime64[ns], problem message or NaN per value). Anything
    else is refused with a reason rather than guessed: ``01-02-2020`` could be
    either order and ``1/2/20`` has a two-digit year. A slash date is always
    day first (``01/02/2020`` is 1 February 2020); one that only makes sense
    month first (``03/25/2020``) is refused with the ISO spelling to use.
    Dates before ``earliest`` (default 1 January 2000) or after ``latest``
    (default today, the day the data is loaded) are typing errors.
    """
    earliest = EARLIEST_DATE if earliest is None else earliest
    latest = _dt.date.today() if latest is None else latest
    text = values.astype(str).str.strip()
    iso = text.str.extract(_ISO)
    uk = text.str.extract(_UK)
    year = iso[0].fillna(uk[2])
    month = iso[1].fillna(uk[1])
    day = iso[2].fillna(uk[0])
    parts = pd.DataFrame(
        {
            "year": pd.to_numeric(year, errors="coerce"),
            "month": pd.to_numeric(month, errors="coerce"),
            "day": pd.to_numeric(day, errors="coerce"),
        }
    )
    parseable = parts["year"].between(*_PARSE_YEARS)
    parts.loc[~parseable, :] = np.nan
    dates = pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")
    pattern_ok = year.notna()
    messages = pd.Series(np.nan, index=values.index, dtype=object)
    fmt = "write dates as yyyy-mm-dd (e.g. 2020-03-31) or dd/mm/yyyy (e.g. 31/03/2020)"
    empty = text.eq("")
    messages[empty] = f"the date is empty; {fmt}"
    two_digit = text.str.match(r"^[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2}$")
    dashed = text.str.match(r"^[0-9]{1,2}[.\-][0-9]{1,2}[.\-][0-9]{4}$")
    excel_serial = text.str.match(r"^[0-9]{5}(?:\.[0-9]+)?$")
    non_ascii = text.str.contains(r"[^\x00-\x7f]", regex=True)
    bad = ~empty & ~pattern_ok
    quoted = text.map(shown)
    messages[bad] = "date " + quoted[bad] + f" is not understood; {fmt}"
    messages[bad & two_digit] = "date " + quoted[bad & two_digit] + f" has a two-digit year, which is ambiguous; {fmt}"
    messages[bad & dashed] = (
        "date " + quoted[bad & dashed] + f" is ambiguous (day-month or month-day order); {fmt}"
    )
    messages[bad & excel_serial] = (
        "date " + quoted[bad & excel_serial] + " looks like an Excel serial number; format the column as a date in Excel, or "
        + fmt
    )
    if (bad & non_ascii).any():
        found = text[bad & non_ascii].str.slice(0, _SUGGEST_MAX_LENGTH).map(_first_non_ascii)
        messages[bad & non_ascii] = (
            "date " + quoted[bad & non_ascii] + " is not written in plain ASCII characters (it contains " + found
            + "); retype it as yyyy-mm-dd (e.g. 2020-03-31) with ASCII digits and hyphens"
        )
    impossible = pattern_ok & parseable & dates.isna()
    messages[impossible] = "date " + quoted[impossible] + f" is not a real calendar date; {fmt}"
    us_order = impossible & uk[0].notna() & _month_first_is_valid(uk)
    if us_order.any():
        iso_text = uk[2] + "-" + uk[0].str.zfill(2) + "-" + uk[1].str.zfill(2)
        messages[us_order] = (
            "date " + quoted[us_order] + " is in month/day/year (US) order; dates with slashes are read day first "
            "(dd/mm/yyyy), so write it as the ISO date " + iso_text[us_order] + " (yyyy-mm-dd)"
        )
    early_limit, late_limit = pd.Timestamp(earliest), pd.Timestamp(latest)
    too_early = pattern_ok & ((parts["year"].isna() & (pd.to_numeric(year, errors="coerce") < _PARSE_YEARS[0])) | (dates < early_limit))
    too_late = pattern_ok & ((parts["year"].isna() & (pd.to_numeric(year, errors="coerce") > _PARSE_YEARS[1])) | (dates > late_limit))
    messages[too_early] = (
        "date " + quoted[too_early] + f" is before {earliest:%Y-%m-%d}, earlier than any case in this data; check for a typing error"
    )
    messages[too_late] = (
        "date " + quoted[too_late] + f" is in the future (after {latest:%Y-%m-%d}, the day the data was loaded); "
        "check for a typing error"
    )
    dates[too_early | too_late] = pd.NaT
    return dates, messages


def _month_first_is_valid(uk: pd.DataFrame) -> pd.Series:
    """Whether each dd/mm/yyyy match would be a real date read month first."""
    swapped = pd.DataFrame(
        {
            "year": pd.to_numeric(uk[2], errors="coerce"),
            "month": pd.to_numeric(uk[0], errors="coerce"),
            "day": pd.to_numeric(uk[1], errors="coerce"),
        }
    )
    swapped.loc[~swapped["year"].between(*_PARSE_YEARS), :] = np.nan
    return pd.to_datetime(swapped, errors="coerce").notna()


def _either_order(text: pd.Series) -> pd.Series:
    """Slash dates that are real dates read either way round (``01/02/2020``; not ``05/05/2020``)."""
    uk = text.str.strip().str.extract(_UK)
    day = pd.to_numeric(uk[0], errors="coerce")
    month = pd.to_numeric(uk[1], errors="coerce")
    return (day <= 12) & (month <= 12) & (day != month)


class _Register:
    """The parts of the council register validation needs, loaded once per load."""

    def __init__(self) -> None:
        from lgsco_report import register

        self._register = register
        councils = register.all_councils()
        self.periods = councils[["authority_code", "authority_name", "start_date", "end_date"]].copy()
        self.periods["start_date"] = pd.to_datetime(self.periods["start_date"]).astype("datetime64[ns]")
        self.periods["end_date"] = pd.to_datetime(self.periods["end_date"]).astype("datetime64[ns]")
        # Successor names, when the register records them (``replaced_by`` holds register codes).
        name_by_register_code = dict(zip(councils["register_code"], councils["authority_name"]))
        successors = councils.get("replaced_by", pd.Series("", index=councils.index)).fillna("").astype(str)
        self.periods["successors"] = [
            [name_by_register_code[c.strip()] for c in text.split(",") if c.strip() in name_by_register_code]
            for text in successors
        ]

    def resolve(self, values: pd.Series) -> pd.Series:
        """Code-or-name -> GSS code, resolving each distinct value once."""
        codes, distinct = pd.factorize(values.to_numpy(dtype=object))
        resolved = self._register.resolve_authority(pd.Series(distinct, dtype=object).str.strip())
        return pd.Series(resolved.to_numpy(dtype=object)[codes], index=values.index, dtype=object)

    def suggest(self, value: str) -> list[str]:
        return list(self._register.suggest_councils(value))


def _check_authorities(
    raw_values: pd.Series, dates: pd.Series, register: _Register, label: str, rows: np.ndarray
) -> tuple[pd.Series, list[Problem]]:
    """Resolve the authority column and check each council existed on the row's date."""
    problems: list[Problem] = []
    codes = register.resolve(raw_values)
    stripped = _per_distinct(raw_values, lambda distinct: distinct.str.strip())
    empty = stripped.eq("").to_numpy()
    if empty.any():
        problems += _row_problems(label, rows[empty], "authority", "the authority is empty; give the council's GSS code (e.g. E07000192) or its name")
    unknown = (codes.isna().to_numpy()) & ~empty
    if unknown.any():
        messages = {}
        for number, value in enumerate(pd.unique(stripped[unknown])):
            suggestions = register.suggest(value) if number < _MAX_SUGGESTED and len(value) <= _SUGGEST_MAX_LENGTH else []
            hint = "; closest register names: " + ", ".join(f"'{s}'" for s in suggestions) if suggestions else ""
            messages[value] = (
                f"unknown authority {shown(value)}: not a GSS code or council name in the register{hint}"
                f"{non_ascii_note(value[:_SUGGEST_MAX_LENGTH])}"
            )
        problems += _row_problems(label, rows[unknown], "authority", stripped[unknown].map(messages))

    check = pd.DataFrame({"position": np.arange(len(codes)), "authority_code": codes.to_numpy(), "date": dates.to_numpy()})
    check = check[check["authority_code"].notna() & check["date"].notna()]
    if not check.empty:
        merged = check.merge(register.periods, on="authority_code", how="inner")
        existed = (merged["start_date"].isna() | (merged["start_date"] <= merged["date"])) & (
            merged["end_date"].isna() | (merged["end_date"] >= merged["date"])
        )
        existed_any = existed.groupby(merged["position"]).any()
        missing_positions = existed_any.index[~existed_any.to_numpy()]
        if len(missing_positions):
            first = merged.drop_duplicates("position").set_index("position").loc[missing_positions]
            messages = []
            for name, code, date, start, end, successors in zip(
                first["authority_name"], first["authority_code"], first["date"], first["start_date"], first["end_date"],
                first["successors"],
            ):
                head = f"{name} ({code}) did not exist on {date:%Y-%m-%d}"
                if pd.notna(start) and date < start:
                    messages.append(f"{head}: it was created on {start:%Y-%m-%d}; record the case against the council responsible on that date")
                else:
                    successor = " or ".join(next_names) if (next_names := list(successors)) else "its successor council"
                    messages.append(f"{head}: it was abolished on {end:%Y-%m-%d}; record the case against {successor}")
            problems += _row_problems(label, rows[missing_positions.to_numpy()], "authority", pd.Series(messages))
    return codes, problems


_ANY_BAD_REF = re.compile(r"[^A-Za-z0-9 /\-\n]|(?:^|\n)[ /\-]")


def _well_formed_refs(refs: pd.Series) -> np.ndarray:
    """Whether each (stripped) reference matches ``CASE_REF_PATTERN``; empty ones count as well formed here.

    One regular-expression pass over all references joined by newlines settles
    the usual case (all fine) in milliseconds; only otherwise is each one checked.
    """
    values = refs.to_numpy(dtype=object)
    longest = max(map(len, values), default=0)
    if longest <= 40 and not _ANY_BAD_REF.search("\n".join(values)):
        return np.ones(len(values), dtype=bool)
    matched = refs.str.fullmatch(CASE_REF_PATTERN).fillna(False).astype(bool).to_numpy()
    return matched | (refs.to_numpy(dtype=object) == "")


def _month_first_column(
    texts: pd.Series, messages: pd.Series, label: str, rows: np.ndarray, column: str
) -> list[Problem]:
    """When a column holds month-first (US) dates, its dates that read either way are suspect too.

    ``03/25/2020`` is refused on its own row; ``01/02/2020`` in the same column
    would silently become 1 February. One extra problem names the first such row
    and how many there are, so the whole column gets converted.
    """
    has_message = messages.notna().to_numpy()
    if not has_message.any():
        return []
    us_rows = np.zeros(len(messages), dtype=bool)
    us_rows[has_message] = messages[has_message].str.contains("(US) order", regex=False).to_numpy()
    if not us_rows.any():
        return []
    either = _per_distinct(texts, _either_order).fillna(False).astype(bool).to_numpy() & messages.isna().to_numpy()
    if not either.any():
        return []
    first = int(np.flatnonzero(either)[0])
    count = int(either.sum())
    return [
        Problem(
            label, int(rows[first]), column,
            f"date {shown(texts.iloc[first].strip())} would be read day first, but this column also has month-first (US) "
            f"dates (row {int(rows[np.flatnonzero(us_rows)[0]])}), so it is probably month first too; "
            f"{count} date(s) in the column can be read either way: rewrite the whole column as yyyy-mm-dd",
        )
    ]


def _header_further_down(raw: _RawTable, table: str, label: str) -> Problem | None:
    """A title row above the header (a common spreadsheet layout): say which row holds the column names."""
    expected = set(TABLE_COLUMNS[table])
    if {name.strip().lower() for name in raw.header} & expected:
        return None
    for position in range(min(10, len(raw.cells))):
        names = {str(value).strip().lower() for value in raw.cells.iloc[position]}
        if len(names & expected) >= 2:
            found = int(raw.rows[position])
            above = found - raw.header_row
            return Problem(
                label, raw.header_row, None,
                f"row {raw.header_row} is not the header: the column names are on row {found}; delete the "
                f"{above} row(s) above them (or start each with #) so that the header comes first",
            )
    return None


def _check_columns(raw: _RawTable, table: str, label: str) -> tuple[dict[str, int], list[Problem]]:
    """Map expected column -> position; missing, extra, unnamed and repeated columns are problems."""
    expected = TABLE_COLUMNS[table]
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    for position, name in enumerate(raw.header):
        key = name.strip().lower()
        label_name = clean_text(name.strip())
        column_values = raw.cells[position]
        if key == "":
            if (column_values.astype(str).str.strip() != "").any():
                problems.append(Problem(label, raw.header_row, None, f"column {position + 1} has values but no name in the header row"))
            continue
        if key in positions:
            problems.append(Problem(label, raw.header_row, label_name, f"column {shown(name.strip())} appears twice in the header row; keep one"))
            continue
        if key in expected:
            positions[key] = position
        else:
            close = difflib.get_close_matches(key, expected, n=1, cutoff=0.6) if len(key) <= _SUGGEST_MAX_LENGTH else []
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                Problem(label, raw.header_row, label_name, f"unexpected column {shown(name.strip())}{hint}; the {table} table has exactly the columns: {', '.join(expected)}{non_ascii_note(name[:_SUGGEST_MAX_LENGTH])}")
            )
    for name in expected:
        if name not in positions:
            problems.append(
                Problem(label, raw.header_row, name, f"missing column '{name}'; the {table} table needs the columns: {', '.join(expected)}")
            )
    return positions, problems


def _validate(raw: _RawTable, table: str, label: str, register: _Register, categories: tuple[str, ...]) -> tuple[pd.DataFrame, list[Problem]]:
    positions, problems = _check_columns(raw, table, label)
    rows = raw.rows
    if len(rows) == 0 and table not in OPTIONAL_TABLES:  # an empty optional table means "none this time"
        problems.append(Problem(label, None, None, "the table has a header but no data rows"))
    columns = {name: raw.cells[position].astype(object).reset_index(drop=True) for name, position in positions.items()}
    out: dict[str, pd.Series] = {}

    if "case_ref" in columns:
        refs = columns["case_ref"].str.strip()
        empty = refs.eq("").to_numpy()
        problems += _row_problems(label, rows[empty], "case_ref", "the case reference is empty")
        well_formed = _well_formed_refs(refs)
        malformed = ~well_formed & ~empty
        if malformed.any():
            problems += _row_problems(
                label, rows[malformed], "case_ref",
                _per_distinct(refs[malformed], lambda distinct: distinct.map(shown)).map(
                    lambda quoted: f"case_ref {quoted} is not a case reference: use up to 40 letters, digits, spaces, "
                    "hyphens or slashes (e.g. 19 000 001)"
                ) + _per_distinct(refs[malformed], lambda distinct: distinct.str.slice(0, _SUGGEST_MAX_LENGTH).map(non_ascii_note)),
            )
        repeated = refs.duplicated(keep="first").to_numpy() & ~empty & well_formed & (table not in _REPEATABLE_REFS)
        if repeated.any():
            first_row = pd.Series(rows).groupby(refs.to_numpy()).transform("first").to_numpy()
            messages = "case_ref '" + refs[repeated] + "' is repeated: it is also on row " + pd.Series(first_row[repeated], index=refs.index[repeated]).astype(str) + "; each case appears once in a table"
            problems += _row_problems(label, rows[repeated], "case_ref", messages)
        out["case_ref"] = refs

    date_column = DATE_COLUMN[table]
    dates = pd.Series(pd.NaT, index=range(len(rows)), dtype="datetime64[ns]")
    if date_column in columns:
        codes, distinct = pd.factorize(columns[date_column].to_numpy(dtype=object))
        distinct_dates, distinct_messages = parse_dates(pd.Series(distinct, dtype=object))
        dates = pd.Series(distinct_dates.to_numpy()[codes], dtype="datetime64[ns]")
        messages = pd.Series(distinct_messages.to_numpy(dtype=object)[codes], dtype=object)
        bad = messages.notna().to_numpy()
        problems += _row_problems(label, rows[bad], date_column, messages[bad])
        problems += _month_first_column(columns[date_column], messages, label, rows, date_column)
        out[date_column] = dates

    if "authority" in columns:
        codes, found = _check_authorities(columns["authority"], dates, register, label, rows)
        problems += found
        out["authority_code"] = codes

    if "category" in columns:
        matched, found = _match_labels(columns["category"], categories, label, rows, "category", "category")
        problems += found
        out["category"] = matched

    if "outcome" in columns:
        allowed = definitions.DECISION_OUTCOMES if table == "decided" else definitions.COMPLIANCE_OUTCOMES
        matched, found = _match_labels(columns["outcome"], allowed, label, rows, "outcome", f"{table} outcome")
        problems += found
        out["outcome"] = matched

    for column, allowed, what in (("kind", definitions.REPORT_KINDS, "report kind"), ("remedy_type", definitions.REMEDY_TYPES, "remedy type")):
        if column in columns:
            matched, found = _match_labels(columns[column], allowed, label, rows, column, what)
            problems += found
            out[column] = matched
    for column in ("due_date", "completed_date"):
        if column in columns:
            out[column], found = _other_date(columns[column], label, rows, column, may_be_empty=column == "completed_date")
            problems += found

    if "remedy_by_authority" in columns:
        words = _per_distinct(columns["remedy_by_authority"], _normalise_label)
        remedy = pd.Series(False, index=words.index)
        remedy[words.isin(_TRUE_WORDS)] = True
        known = words.isin(_TRUE_WORDS | _FALSE_WORDS) | words.eq("")
        unknown = (~known).to_numpy()
        problems += _row_problems(
            label, rows[unknown], "remedy_by_authority",
            "remedy_by_authority " + columns["remedy_by_authority"][unknown].str.strip().map(shown) + " is not understood; write yes or no"
            + columns["remedy_by_authority"][unknown].str.slice(0, _SUGGEST_MAX_LENGTH).map(non_ascii_note),
        )
        if "outcome" in out:
            empty_upheld = (words.eq("") & out["outcome"].eq(definitions.UPHELD)).to_numpy()
            problems += _row_problems(
                label, rows[empty_upheld], "remedy_by_authority",
                "remedy_by_authority is empty for an upheld case; write yes if the council had already offered a suitable remedy, otherwise no",
            )
        out["remedy_by_authority"] = remedy.astype(bool)

    order = {
        "received": ["case_ref", "authority_code", "received_date", "category"],
        "decided": ["case_ref", "authority_code", "decision_date", "category", "outcome", "remedy_by_authority"],
        "compliance": ["case_ref", "authority_code", "compliance_date", "outcome"],
        "reports": ["case_ref", "authority_code", "report_date", "kind"],
        "remedies": ["case_ref", "authority_code", "remedy_type", "agreed_date", "due_date", "completed_date"],
    }[table]
    frame = pd.DataFrame({name: out[name] for name in order if name in out})
    return frame, problems


def _other_date(
    texts: pd.Series, label: str, rows: np.ndarray, column: str, may_be_empty: bool
) -> tuple[pd.Series, list[Problem]]:
    """A date column besides the table's own date (``due_date``, ``completed_date``), parsed like it.

    ``completed_date`` may be empty (not yet done); the due date may lie in the
    future, so only the completion date is limited to the day of loading.
    """
    codes, distinct = pd.factorize(texts.to_numpy(dtype=object))
    latest = _dt.date(_PARSE_YEARS[1], 12, 31) if column == "due_date" else None
    distinct_dates, distinct_messages = parse_dates(pd.Series(distinct, dtype=object), latest=latest)
    dates = pd.Series(distinct_dates.to_numpy()[codes], dtype="datetime64[ns]")
    messages = pd.Series(distinct_messages.to_numpy(dtype=object)[codes], dtype=object)
    if may_be_empty:
        messages[texts.str.strip().eq("").to_numpy()] = np.nan
    bad = messages.notna().to_numpy()
    problems = _row_problems(label, rows[bad], column, messages[bad])
    problems += _month_first_column(texts, messages, label, rows, column)
    return dates, problems


# --------------------------------------------------------------------------- files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_fingerprint(data_dir: Path | str) -> dict[str, str]:
    """``{"<table>:<file name>": sha256}`` of the folder's tables (optional ones when present), without loading them.

    Lets a batch decide what is unchanged before paying for a full load; raises
    ``CaseDataError`` when a table is missing or given twice.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise CaseDataError([Problem(str(data_dir), None, None, "the data folder does not exist")], data_dir)
    files, problems = _find_table_files(data_dir)
    if problems:
        raise CaseDataError(problems, data_dir)
    return {f"{table}:{path.name}": _sha256(path) for table, path in files.items()}


def _outside_link(path: Path, data_dir: Path) -> str | None:
    """Why a table that is a link cannot be read (it leads out of the data folder, or nowhere); None when fine.

    Decided from the link alone, before any byte of the file it names is read,
    so that no file elsewhere on the machine is quoted in an error message.
    """
    if not path.is_symlink():
        return None
    target = Path(os.path.realpath(path))
    where = clean_text(target, 300)
    if not target.is_relative_to(Path(os.path.realpath(data_dir))):
        return (
            f"this table is a link to {where}, outside the data folder; links out of the folder are not followed: "
            "copy the file into the data folder instead"
        )
    if not target.is_file():
        return f"this table is a link to {where}, which is not a file (a broken link?); copy the table into the data folder"
    return None


def _find_table_files(data_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Pick each table's file (case-insensitive name); a missing, doubled or wrongly typed table is a problem."""
    problems: list[Problem] = []
    found: dict[str, Path] = {}
    entries = sorted(p for p in data_dir.iterdir() if p.is_symlink() or p.is_file())
    for table in (*TABLES, *OPTIONAL_TABLES):
        candidates = [p for p in entries if p.stem.lower() == table and p.suffix.lower() in FILE_SUFFIXES]
        others = [p for p in entries if p.stem.lower() == table and p.suffix.lower() not in FILE_SUFFIXES]
        if len(candidates) > 1:
            names = " and ".join(p.name for p in candidates)
            problems.append(Problem(candidates[0].name, None, None, f"the {table} table is given twice ({names}); keep only one of them"))
        elif candidates and (outside := _outside_link(candidates[0], data_dir)) is not None:
            problems.append(Problem(candidates[0].name, None, None, outside))
        elif candidates:
            found[table] = candidates[0]
        elif others:
            names = ", ".join(p.name for p in others)
            problems.append(
                Problem(others[0].name, None, None, f"the {table} table must be a .csv or .xlsx file, but {names} was found; save it as {table}.csv or {table}.xlsx")
            )
        elif table in TABLES:
            problems.append(Problem(f"{table}.csv", None, None, f"the {table} table is missing: the folder needs {table}.csv or {table}.xlsx"))
    return found, problems


def _load_one(
    path: Path, table: str, register: _Register, categories: tuple[str, ...], warnings: list[str] | None = None
) -> tuple[pd.DataFrame | None, np.ndarray, bool, list[Problem]]:
    """(validated frame, each row's spreadsheet row number, is_sample, problems); frame None when unreadable."""
    problems: list[Problem] = []
    raw = _read_raw(path, path.name, problems, table, warnings)
    no_rows = np.array([], dtype=np.int64)
    if raw is None:
        return None, no_rows, False, problems
    if (misplaced := _header_further_down(raw, table, path.name)) is not None:
        return None, no_rows, raw.is_sample, problems + [misplaced]
    frame, found = _validate(raw, table, path.name, register, categories)
    return frame, raw.rows, raw.is_sample, problems + found


#: (earlier table, later table, rule): a case's date in the later table cannot come before its date in the earlier one.
_DATE_ORDER: tuple[tuple[str, str, str], ...] = (
    ("received", "decided", "a decision cannot come before the complaint was received"),
    ("decided", "compliance", "a compliance outcome cannot come before the decision"),
)


def _date_order_problems(
    frames: dict[str, pd.DataFrame], rows: dict[str, np.ndarray], files: dict[str, Path]
) -> list[Problem]:
    """Cases whose later-stage date is before their earlier-stage date, naming both files and rows (vectorised)."""
    problems: list[Problem] = []
    for earlier, later, rule in _DATE_ORDER:
        if earlier not in frames or later not in frames:
            continue
        early_column, late_column = DATE_COLUMN[earlier], DATE_COLUMN[later]
        early_refs = pd.Index(frames[earlier]["case_ref"].to_numpy(dtype=object))
        keep = ~early_refs.duplicated(keep="first")
        early_refs = early_refs[keep]
        early_dates = frames[earlier][early_column].to_numpy()[keep]
        early_rows = rows[earlier][keep]
        late_refs = frames[later]["case_ref"].to_numpy(dtype=object)
        late_dates = frames[later][late_column].to_numpy()
        match = early_refs.get_indexer(late_refs)
        found = match >= 0
        wrong = np.zeros(len(late_refs), dtype=bool)
        wrong[found] = late_dates[found] < early_dates[match[found]]  # NaT compares False
        early_file, late_file = files[earlier].name, files[later].name
        positions = np.flatnonzero(wrong)
        if len(positions) > MAX_PROBLEMS_PER_CHECK:
            problems.append(_more_rows(files[later].name, rows[later][positions], late_column))
        for position in positions[:MAX_PROBLEMS_PER_CHECK]:
            case_ref, late, late_row = late_refs[position], pd.Timestamp(late_dates[position]), rows[later][position]
            early, early_row = pd.Timestamp(early_dates[match[position]]), early_rows[match[position]]
            problems.append(
                Problem(
                    late_file, int(late_row), late_column,
                    f"case_ref {shown(case_ref)} has {late_column} {late:%Y-%m-%d}, before its {early_column} "
                    f"{early:%Y-%m-%d} in {early_file}, row {int(early_row)}; {rule}: check both dates",
                )
            )
    return problems


#: (column of an optional table, column it is compared with, True when equal is allowed, rule).
_OPTIONAL_DATE_RULES: dict[str, tuple[tuple[str, str, bool, str], ...]] = {
    "reports": (("report_date", "decision_date", True, "a report cannot come before the decision it reports"),),
    "remedies": (
        ("agreed_date", "decision_date", False, "a remedy is agreed after the decision that recommends it"),
        ("due_date", "agreed_date", True, "a remedy cannot be due before it was agreed"),
        ("completed_date", "agreed_date", True, "a remedy cannot be completed before it was agreed"),
    ),
}


def _decided_cross_check(
    table: str, frame: pd.DataFrame, rows: np.ndarray, label: str,
    decided: pd.DataFrame, decided_rows: np.ndarray, decided_label: str, known: list[Problem],
) -> list[Problem]:
    """Rows of ``reports``/``remedies`` that do not match their decided case: unknown case, other council, implausible date.

    A column that already has problems in this file is not compared (its values may be misread).
    """
    checked = {p.column for p in known if p.file == label}
    if "case_ref" in checked or "case_ref" not in frame.columns:
        return []
    first = ~decided["case_ref"].duplicated(keep="first").to_numpy()
    index = pd.Index(decided["case_ref"].to_numpy(dtype=object)[first])
    match = index.get_indexer(frame["case_ref"].to_numpy(dtype=object))
    found = match >= 0
    problems = _row_problems(
        label, rows[~found], "case_ref",
        "case_ref " + frame["case_ref"][~found].map(shown) + f" is not in {decided_label}; a {table[:-1].replace('remedie', 'remedy')} "
        "must refer to a decided case: check the reference, or add the decision",
    )
    position = np.where(found, match, 0)
    decided_code = decided["authority_code"].to_numpy(dtype=object)[first][position]
    decided_row = decided_rows[first][position]
    if "authority" not in checked and "authority_code" in frame.columns:
        other = found & (frame["authority_code"].to_numpy(dtype=object) != decided_code)
        problems += _row_problems(
            label, rows[other], "authority",
            "the authority " + frame["authority_code"][other].astype(str) + " differs from the case's authority "
            + pd.Series(decided_code[other], index=frame.index[other]).astype(str)
            + f" in {decided_label}, row " + pd.Series(decided_row[other], index=frame.index[other]).astype(str)
            + "; a case has one council: correct either file",
        )
    columns = {**{c: frame[c].to_numpy() for c in frame.columns if c.endswith("_date")},
               "decision_date": decided["decision_date"].to_numpy()[first][position]}
    for column, earlier, equal_ok, rule in _OPTIONAL_DATE_RULES[table]:
        if column in checked or earlier in checked or column not in columns:
            continue
        late, early = columns[column], columns[earlier]
        wrong = found & ((late < early) if equal_ok else (late <= early))  # NaT compares False
        where = f"in {decided_label}, row " if earlier == "decision_date" else "on row "
        early_rows = decided_row if earlier == "decision_date" else rows
        problems += [
            Problem(
                label, int(rows[i]), column,
                f"{column} {pd.Timestamp(late[i]):%Y-%m-%d} is {'before' if equal_ok else 'not after'} the {earlier.replace('_', ' ')} "
                f"{pd.Timestamp(early[i]):%Y-%m-%d} ({where}{int(early_rows[i])}); {rule}: check both dates",
            )
            for i in np.flatnonzero(wrong)[:MAX_PROBLEMS_PER_CHECK]
        ]
        if wrong.sum() > MAX_PROBLEMS_PER_CHECK:
            problems.append(_more_rows(label, rows[wrong], column))
    return problems


def _sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row is not None, p.row or 0))


def read_table(path: Path | str, table_name: str, categories: tuple[str, ...] = definitions.CATEGORIES) -> pd.DataFrame:
    """Load and validate one table file (``table_name`` is received, decided or compliance)."""
    if table_name not in TABLE_COLUMNS:
        raise ValueError(f"unknown table {table_name!r}; expected one of {', '.join(TABLES)}")
    path = Path(path)
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise CaseDataError([Problem(path.name, None, None, "tables must be .csv or .xlsx files")], path.parent)
    frame, _, _, problems = _load_one(path, table_name, _Register(), tuple(categories))
    if problems or frame is None:
        raise CaseDataError(_sort_problems(problems), path.parent)
    return frame


def load_cases(data_dir: Path | str, categories: tuple[str, ...] = definitions.CATEGORIES) -> CaseData:
    """Load the received, decided and compliance tables from ``data_dir``.

    Raises :class:`CaseDataError` listing every problem in every table when
    anything is wrong; otherwise nothing is dropped. ``categories`` replaces the
    default category list for offices that use their own.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise CaseDataError([Problem(str(data_dir), None, None, "the case data folder does not exist")], data_dir)
    files, problems = _find_table_files(data_dir)
    register = _Register()
    frames: dict[str, pd.DataFrame] = {}
    row_numbers: dict[str, np.ndarray] = {}
    sample_flags: list[bool] = []
    warnings: list[str] = []
    for table in (*TABLES, *OPTIONAL_TABLES):
        if table not in files:
            continue
        frame, rows, is_sample, found = _load_one(files[table], table, register, tuple(categories), warnings)
        problems += _sort_problems(found)
        sample_flags.append(is_sample)
        if frame is not None:
            frames[table] = frame
            row_numbers[table] = rows
    # A table whose case references or dates have problems is not compared (its dates may be misread).
    usable = {
        table: frame for table, frame in frames.items()
        if {"case_ref", DATE_COLUMN[table]} <= set(frame.columns)
        and not any(p.file == files[table].name and p.column in ("case_ref", DATE_COLUMN[table]) for p in problems)
    }
    problems += _date_order_problems(usable, row_numbers, files)
    if "decided" in usable:
        for table in OPTIONAL_TABLES:
            if table in frames:
                problems += _decided_cross_check(table, frames[table], row_numbers[table], files[table].name, usable["decided"], row_numbers["decided"], files["decided"].name, problems)
    if problems:
        raise CaseDataError(problems, data_dir)
    present = [t for t in (*TABLES, *OPTIONAL_TABLES) if t in frames]
    dates = pd.concat([frames[t][DATE_COLUMN[t]] for t in present], ignore_index=True)
    years = sorted(int(y) for y in definitions.financial_year(dates.dropna()).unique())
    sources = [SourceFile(table, files[table], _sha256(files[table])) for table in present]
    return CaseData(
        reports=frames.get("reports"),
        remedies=frames.get("remedies"),
        received=frames["received"],
        decided=frames["decided"],
        compliance=frames["compliance"],
        sources=sources,
        is_sample=any(sample_flags),
        years=years,
        warnings=warnings,
    )
