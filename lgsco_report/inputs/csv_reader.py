"""CSV files to raw tables: sniffed from their bytes, then read by pandas' C parser or, when a field spans lines, exactly.

Files must be UTF-8 (a BOM and Windows line endings are fine); Latin-1, UTF-16,
semicolon-separated text and a title row above the header are refused with the
fix, naming the line (and the column, where the header can be read).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from .problems import MAX_PROBLEMS_PER_CHECK, Problem, more_rows
from .raw_table import (
    MAX_COLUMNS,
    MAX_CSV_BYTES,
    MAX_LINES_BEFORE_HEADER,
    MAX_ROWS,
    RawTable,
    is_comment,
    marks_sample,
    signature,
)


def read_csv(path: Path, label: str, problems: list[Problem], known_columns: frozenset[str]) -> RawTable | None:
    """Read a CSV (UTF-8, BOM tolerated); a file that is not CSV text is a problem, not a crash."""
    if (size := path.stat().st_size) > MAX_CSV_BYTES:
        problems.append(Problem(label, None, None, f"the file holds {size:,} bytes, over the limit of {MAX_CSV_BYTES:,} bytes for a table; check that it is the right file"))
        return None
    data = path.read_bytes()
    if (reason := _not_csv_text(data)) is not None:
        problems.append(Problem(label, None, None, reason))
        return None
    text = _decoded(data, label, problems)
    if text is None:
        return None
    if (layout := _layout_problem(text, known_columns)) is not None:
        problems.append(Problem(label, layout[0], None, layout[1]))
        return None
    raw = _read_csv_fast(text, data)
    del data  # a large file is held once as text, not also as bytes
    if raw is None:
        raw = _read_csv_exact(text, label, problems, known_columns)
    if raw is not None and raw.header is None:
        problems.append(Problem(label, None, None, "the file has no header row and no data; it needs a header row and one row per case"))
        return None
    return raw


_BINARY_MESSAGE = "this is a binary file, not a CSV text file; save the table as CSV (UTF-8)"


def _not_csv_text(data: bytes) -> str | None:
    """Why the bytes of a .csv file are not a CSV table (too many lines, empty, another format), from the bytes alone."""
    if (lines := data.count(b"\n") + (0 if data.endswith(b"\n") else 1)) > MAX_ROWS:
        return f"the file has {lines:,} lines, over the limit of {MAX_ROWS:,} rows a table may have; check that it is the right file"
    if not data or data.isspace():
        return "the file is empty; it needs a header row and one row per case"
    if data.startswith(b"PK\x03\x04"):
        return "this is an Excel workbook with a .csv name; rename it to .xlsx or save it as CSV"
    if (what := signature(data)) is not None:
        return f"this is {what}, not a CSV table; save the table as CSV UTF-8 (comma delimited)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "this file is UTF-16 text (Excel's 'Unicode Text'); save it as 'CSV UTF-8 (comma delimited)' instead"
    head = data[:65536]
    if head.count(b"\x00") > max(8, len(head) // 100):
        return _BINARY_MESSAGE
    return None


def _decoded(data: bytes, label: str, problems: list[Problem]) -> str | None:
    """The file as text, or None with a problem naming the line (and column) of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if b"\x00" in data[:65536]:  # NUL bytes and invalid UTF-8: not text at all
            problems.append(Problem(label, None, None, _BINARY_MESSAGE))
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


def _layout_problem(text: str, known_columns: frozenset[str]) -> tuple[int | None, str] | None:
    """(row, message) when the text is not laid out as a table: too much above the header, too wide, not comma-separated."""
    if _leading_lines(text)[0] > MAX_LINES_BEFORE_HEADER:
        return None, f"more than {MAX_LINES_BEFORE_HEADER:,} comment or blank lines come before the header row, over the limit; delete them"
    if (too_wide := _too_wide(text)) is not None:
        return too_wide
    return _wrong_separator(text, known_columns)


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


def _wrong_separator(text: str, known_columns: frozenset[str]) -> tuple[int, str] | None:
    """(header row, message) when the header is split by ';' or tabs instead of commas (Excel in some locales)."""
    skipped, _ = _leading_lines(text)
    lines = text.splitlines()
    if skipped >= len(lines):
        return None
    header = lines[skipped]
    names_by_comma = {part.strip().lower() for part in header.split(",")}
    if names_by_comma & known_columns:
        return None
    for separator, name in ((";", "semicolons"), ("\t", "tabs")):
        names = {part.strip().strip('"').lower() for part in header.split(separator)}
        if len(names & known_columns) >= 2:
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
        is_sample = is_sample or marks_sample(line)
        position = end + 1
    return skipped, is_sample


def _read_csv_fast(text: str, data: bytes) -> RawTable | None:
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
        return RawTable(None, pd.DataFrame(), np.array([], dtype=np.int64), 0, is_sample)  # type: ignore[arg-type]
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
        return RawTable(None, pd.DataFrame(), rows, 0, is_sample)  # type: ignore[arg-type]
    header = [str(v) for v in cells.iloc[0]]
    body = cells.iloc[1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    return RawTable(header, body, rows[1:], int(rows[0]), is_sample)


def _read_csv_exact(text: str, label: str, problems: list[Problem], known_columns: frozenset[str]) -> RawTable | None:
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
                if is_comment(record[0]):
                    is_sample = is_sample or marks_sample(",".join(record))
                    continue
                header, header_row = record, start
                continue
            records.append(record)
            rows.append(start)
    except csv.Error as error:
        problems.append(Problem(label, reader.line_num, None, f"the CSV cannot be read ({error}); check the quotes on this line"))
        return None
    if header is None:
        return RawTable(None, pd.DataFrame(), np.array([], dtype=np.int64), 0, is_sample)  # type: ignore[arg-type]
    width = len(header)
    if _title_above(header, records, known_columns):  # the caller names the real header row; keep every row to find it
        width = max(len(record) for record in [header, *records])
    too_long = [(row, len(record)) for row, record in zip(rows, records) if len(record) > width and any(v.strip() for v in record[width:])]
    for row, length in too_long[:MAX_PROBLEMS_PER_CHECK]:
        problems.append(
            Problem(label, row, None, f"this row has {length} values but the header has {width} columns; check for an unquoted comma")
        )
    if len(too_long) > MAX_PROBLEMS_PER_CHECK:
        problems.append(more_rows(label, [row for row, _ in too_long], None))
    bad_rows = {row for row, _ in too_long}
    kept = [(row, (record + [""] * width)[:width]) for row, record in zip(rows, records) if row not in bad_rows]
    cells = pd.DataFrame([record for _, record in kept], columns=range(width), dtype=object)
    if cells.empty:
        cells = pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    return RawTable(header, cells, np.array([row for row, _ in kept], dtype=np.int64), header_row, is_sample)


def _title_above(header: list[str], records: list[list[str]], known_columns: frozenset[str]) -> bool:
    """Whether the first line is a title (no column name) and the column names come on one of the next lines."""
    if {value.strip().lower() for value in header} & known_columns:
        return False
    return any(len({value.strip().lower() for value in record} & known_columns) >= 2 for record in records[:10])
