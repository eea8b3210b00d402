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

All checks are vectorised pandas operations: a table of 100,000 rows is checked
in a fraction of a second.
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lgsco_report import definitions

#: Table name -> the columns its file must have, in the order we report them.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "received": ("case_ref", "authority", "received_date", "category"),
    "decided": ("case_ref", "authority", "decision_date", "category", "outcome", "remedy_by_authority"),
    "compliance": ("case_ref", "authority", "compliance_date", "outcome"),
}
TABLES: tuple[str, ...] = tuple(TABLE_COLUMNS)
#: Which column holds each table's date.
DATE_COLUMN: dict[str, str] = {"received": "received_date", "decided": "decision_date", "compliance": "compliance_date"}
FILE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx")
#: ``str(CaseDataError)`` lists this many problems, then says how many more there are.
MAX_LISTED_PROBLEMS = 50

_TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
_FALSE_WORDS = frozenset({"no", "false", "0", "n"})
_EARLIEST_YEAR, _LATEST_YEAR = 1990, 2100


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the input; ``row`` is the spreadsheet row number (header = row 1 after any ``#`` lines)."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class CaseDataError(ValueError):
    """The case tables cannot be used; ``problems`` lists every problem found (not only the first)."""

    def __init__(self, problems: list[Problem], data_dir: Path | str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        self.data_dir = data_dir
        super().__init__(self._describe())

    def _describe(self) -> str:
        count = len(self.problems)
        place = f" in {self.data_dir}" if self.data_dir is not None else ""
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


def _read_csv(path: Path, label: str, problems: list[Problem]) -> _RawTable | None:
    """Read a CSV (UTF-8, BOM tolerated); a file that is not CSV text is a problem, not a crash."""
    data = path.read_bytes()
    if not data or data.isspace():
        problems.append(Problem(label, None, None, "the file is empty; it needs a header row and one row per case"))
        return None
    if data.startswith(b"PK\x03\x04"):
        problems.append(
            Problem(label, None, None, "this is an Excel workbook with a .csv name; rename it to .xlsx or save it as CSV")
        )
        return None
    if b"\x00" in data[:65536]:
        problems.append(Problem(label, None, None, "this is a binary file, not a CSV text file; save the table as CSV (UTF-8)"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(
            Problem(label, line, None, "the file is not UTF-8 text; in Excel use 'Save as' > 'CSV UTF-8 (comma delimited)'")
        )
        return None
    raw = _read_csv_fast(text)
    if raw is None:
        raw = _read_csv_exact(text, label, problems)
    if raw is not None and raw.header is None:
        problems.append(Problem(label, None, None, "the file has no header row and no data; it needs a header row and one row per case"))
        return None
    return raw


def _leading_lines(text: str) -> tuple[int, bool]:
    """How many comment (``#``) or blank lines come before the header, and whether one is the sample marker."""
    skipped = 0
    is_sample = False
    position = 0
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        line = text[position:end]
        if line.strip() and not line.lstrip().startswith("#"):
            break
        skipped += 1
        is_sample = is_sample or _marks_sample(line)
        position = end + 1
    return skipped, is_sample


def _read_csv_fast(text: str) -> _RawTable | None:
    """pandas' C parser when line numbers are simple (no field spans lines); None means use the exact reader."""
    skipped, is_sample = _leading_lines(text)
    try:
        cells = pd.read_csv(
            io.StringIO(text),
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
    too_long = [(row, len(record)) for row, record in zip(rows, records) if len(record) > width and any(v.strip() for v in record[width:])]
    for row, length in too_long:
        problems.append(
            Problem(label, row, None, f"this row has {length} values but the header has {width} columns; check for an unquoted comma")
        )
    bad_rows = {row for row, _ in too_long}
    kept = [(row, (record + [""] * width)[:width]) for row, record in zip(rows, records) if row not in bad_rows]
    cells = pd.DataFrame([record for _, record in kept], columns=range(width), dtype=object)
    if cells.empty:
        cells = pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    return _RawTable(header, cells, np.array([row for row, _ in kept], dtype=np.int64), header_row, is_sample)


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


def _read_xlsx(path: Path, label: str, problems: list[Problem]) -> _RawTable | None:
    """Read the first worksheet with openpyxl, keeping Excel's row numbers."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if path.stat().st_size == 0:
        problems.append(Problem(label, None, None, "the file is empty; it needs a header row and one row per case"))
        return None
    if not zipfile.is_zipfile(path):
        problems.append(
            Problem(label, None, None, "this is not an Excel .xlsx workbook (older .xls or another format); save it as .xlsx or CSV")
        )
        return None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        problems.append(Problem(label, None, None, f"this .xlsx workbook cannot be opened ({error}); save it again as .xlsx or CSV"))
        return None
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        header_row = 0
        is_sample = False
        records: list[list[str]] = []
        rows: list[int] = []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            texts = [_cell_text(v) for v in values]
            if not any(t.strip() for t in texts):
                continue
            if header is None:
                if _is_comment(values[0]):
                    is_sample = is_sample or _marks_sample(" ".join(texts))
                    continue
                while texts and not texts[-1].strip():
                    texts.pop()
                header, header_row = texts, number
                continue
            records.append(texts)
            rows.append(number)
    finally:
        workbook.close()
    if header is None:
        problems.append(Problem(label, None, None, "the first worksheet is empty; it needs a header row and one row per case"))
        return None
    width = max([len(header)] + [len(r) for r in records])
    header = header + [""] * (width - len(header))
    cells = pd.DataFrame([(r + [""] * width)[:width] for r in records], columns=range(width), dtype=object)
    if cells.empty:
        cells = pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    return _RawTable(header, cells, np.array(rows, dtype=np.int64), header_row, is_sample)


def _read_raw(path: Path, label: str, problems: list[Problem]) -> _RawTable | None:
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path, label, problems)
    return _read_csv(path, label, problems)


# --------------------------------------------------------------------------- checks


def _row_problems(label: str, rows: np.ndarray, column: str, messages: pd.Series | str) -> list[Problem]:
    if isinstance(messages, str):
        return [Problem(label, int(row), column, messages) for row in rows]
    return [Problem(label, int(row), column, str(message)) for row, message in zip(rows, messages)]


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
        for value in pd.unique(values[unknown]):
            close = difflib.get_close_matches(str(value).strip(), list(allowed), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            messages[value] = f"unknown {what} '{str(value).strip()}'{hint}; allowed: {allowed_text}"
        problems += _row_problems(label, rows[unknown], column, values[unknown].map(messages))
    return matched, problems


_ISO = r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_UK = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ISO ``yyyy-mm-dd`` and UK ``dd/mm/yyyy`` dates, vectorised.

    Returns (dates as datetime64[ns], problem message or NaN per value). Anything
    else is refused with a reason rather than guessed: ``01-02-2020`` could be
    either order and ``1/2/20`` has a two-digit year.
    """
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
    in_range = parts["year"].between(_EARLIEST_YEAR, _LATEST_YEAR)
    parts.loc[~in_range, :] = np.nan
    dates = pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")
    pattern_ok = year.notna()
    messages = pd.Series(np.nan, index=values.index, dtype=object)
    fmt = "write dates as yyyy-mm-dd (e.g. 2020-03-31) or dd/mm/yyyy (e.g. 31/03/2020)"
    empty = text.eq("")
    messages[empty] = f"the date is empty; {fmt}"
    two_digit = text.str.match(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}$")
    dashed = text.str.match(r"^\d{1,2}[.\-]\d{1,2}[.\-]\d{4}$")
    excel_serial = text.str.match(r"^\d{5}(?:\.\d+)?$")
    bad = ~empty & ~pattern_ok
    quoted = "'" + text + "'"
    messages[bad] = "date " + quoted[bad] + f" is not understood; {fmt}"
    messages[bad & two_digit] = "date " + quoted[bad & two_digit] + f" has a two-digit year, which is ambiguous; {fmt}"
    messages[bad & dashed] = (
        "date " + quoted[bad & dashed] + f" is ambiguous (day-month or month-day order); {fmt}"
    )
    messages[bad & excel_serial] = (
        "date " + quoted[bad & excel_serial] + " looks like an Excel serial number; format the column as a date in Excel, or "
        + fmt
    )
    out_of_range = pattern_ok & ~in_range
    messages[out_of_range] = "date " + quoted[out_of_range] + f" has a year outside {_EARLIEST_YEAR}-{_LATEST_YEAR}; check for a typing error"
    impossible = pattern_ok & in_range & dates.isna()
    messages[impossible] = "date " + quoted[impossible] + f" is not a real calendar date; {fmt}"
    return dates, messages


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
        for value in pd.unique(stripped[unknown]):
            suggestions = register.suggest(value)
            hint = "; closest register names: " + ", ".join(f"'{s}'" for s in suggestions) if suggestions else ""
            messages[value] = (
                f"unknown authority '{value}': not a GSS code or council name in the register{hint}"
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


def _check_columns(raw: _RawTable, table: str, label: str) -> tuple[dict[str, int], list[Problem]]:
    """Map expected column -> position; missing, extra, unnamed and repeated columns are problems."""
    expected = TABLE_COLUMNS[table]
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    for position, name in enumerate(raw.header):
        key = name.strip().lower()
        column_values = raw.cells[position]
        if key == "":
            if (column_values.astype(str).str.strip() != "").any():
                problems.append(Problem(label, raw.header_row, None, f"column {position + 1} has values but no name in the header row"))
            continue
        if key in positions:
            problems.append(Problem(label, raw.header_row, name.strip(), f"column '{name.strip()}' appears twice in the header row; keep one"))
            continue
        if key in expected:
            positions[key] = position
        else:
            close = difflib.get_close_matches(key, expected, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                Problem(label, raw.header_row, name.strip(), f"unexpected column '{name.strip()}'{hint}; the {table} table has exactly the columns: {', '.join(expected)}")
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
    if len(rows) == 0:
        problems.append(Problem(label, None, None, "the table has a header but no data rows"))
    columns = {name: raw.cells[position].astype(object).reset_index(drop=True) for name, position in positions.items()}
    out: dict[str, pd.Series] = {}

    if "case_ref" in columns:
        refs = columns["case_ref"].str.strip()
        empty = refs.eq("").to_numpy()
        problems += _row_problems(label, rows[empty], "case_ref", "the case reference is empty")
        repeated = refs.duplicated(keep="first").to_numpy() & ~empty
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

    if "remedy_by_authority" in columns:
        words = _per_distinct(columns["remedy_by_authority"], _normalise_label)
        remedy = pd.Series(False, index=words.index)
        remedy[words.isin(_TRUE_WORDS)] = True
        known = words.isin(_TRUE_WORDS | _FALSE_WORDS) | words.eq("")
        unknown = (~known).to_numpy()
        problems += _row_problems(
            label, rows[unknown], "remedy_by_authority",
            "remedy_by_authority '" + columns["remedy_by_authority"][unknown].str.strip() + "' is not understood; write yes or no",
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
    }[table]
    frame = pd.DataFrame({name: out[name] for name in order if name in out})
    return frame, problems


# --------------------------------------------------------------------------- files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _find_table_files(data_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Pick each table's file (case-insensitive name); a missing, doubled or wrongly typed table is a problem."""
    problems: list[Problem] = []
    found: dict[str, Path] = {}
    entries = sorted(p for p in data_dir.iterdir() if p.is_file())
    for table in TABLES:
        candidates = [p for p in entries if p.stem.lower() == table and p.suffix.lower() in FILE_SUFFIXES]
        others = [p for p in entries if p.stem.lower() == table and p.suffix.lower() not in FILE_SUFFIXES]
        if len(candidates) > 1:
            names = " and ".join(p.name for p in candidates)
            problems.append(Problem(candidates[0].name, None, None, f"the {table} table is given twice ({names}); keep only one of them"))
        elif candidates:
            found[table] = candidates[0]
        elif others:
            names = ", ".join(p.name for p in others)
            problems.append(
                Problem(others[0].name, None, None, f"the {table} table must be a .csv or .xlsx file, but {names} was found; save it as {table}.csv or {table}.xlsx")
            )
        else:
            problems.append(Problem(f"{table}.csv", None, None, f"the {table} table is missing: the folder needs {table}.csv or {table}.xlsx"))
    return found, problems


def _load_one(path: Path, table: str, register: _Register, categories: tuple[str, ...]) -> tuple[pd.DataFrame | None, bool, list[Problem]]:
    problems: list[Problem] = []
    raw = _read_raw(path, path.name, problems)
    if raw is None:
        return None, False, problems
    frame, found = _validate(raw, table, path.name, register, categories)
    return frame, raw.is_sample, problems + found


def _sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row is not None, p.row or 0))


def read_table(path: Path | str, table_name: str, categories: tuple[str, ...] = definitions.CATEGORIES) -> pd.DataFrame:
    """Load and validate one table file (``table_name`` is received, decided or compliance)."""
    if table_name not in TABLE_COLUMNS:
        raise ValueError(f"unknown table {table_name!r}; expected one of {', '.join(TABLES)}")
    path = Path(path)
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise CaseDataError([Problem(path.name, None, None, "tables must be .csv or .xlsx files")], path.parent)
    frame, _, problems = _load_one(path, table_name, _Register(), tuple(categories))
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
    sample_flags: list[bool] = []
    for table in TABLES:
        if table not in files:
            continue
        frame, is_sample, found = _load_one(files[table], table, register, tuple(categories))
        problems += _sort_problems(found)
        sample_flags.append(is_sample)
        if frame is not None:
            frames[table] = frame
    if problems:
        raise CaseDataError(problems, data_dir)
    dates = pd.concat([frames[t][DATE_COLUMN[t]] for t in TABLES], ignore_index=True)
    years = sorted(int(y) for y in definitions.financial_year(dates.dropna()).unique())
    sources = [SourceFile(table, files[table], _sha256(files[table])) for table in TABLES]
    return CaseData(
        received=frames["received"],
        decided=frames["decided"],
        compliance=frames["compliance"],
        sources=sources,
        is_sample=any(sample_flags),
        years=years,
    )
