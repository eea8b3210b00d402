"""Excel .xlsx workbooks to raw tables, streamed under limits and never unpacked whole.

The workbook's parts are checked from the zip directory before anything is
decompressed (sizes, compression ratio, count), then their XML is streamed
through expat with counters: no document type (so no entity expansion), rows,
columns, cells, shared strings and merged ranges all bounded. A formula is read
as the value Excel saved with it; one without a saved value and merged cells are
problems, not empty cells. The table is on the workbook's one visible worksheet
holding data (among several, the one named after the table); hidden sheets are
never read and a warning names them; anything ambiguous is refused naming the sheets.
"""

from __future__ import annotations

import datetime as _dt
import logging
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import numpy as np
import pandas as pd

from .parsing import label_key
from .problems import Problem, clean_text, shown
from .raw_table import (
    MAX_CELL_CHARACTERS,
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_MERGED_RANGES,
    MAX_PART_BYTES,
    MAX_PARTS,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    MAX_SHEETS,
    RawTable,
    is_comment,
    marks_sample,
    signature,
)


_LOG = logging.getLogger(__name__)
_RATIO_FREE_BYTES = 2**20
#: Formula cells without a saved value are counted past this many, but not kept.
_MAX_KEPT_FORMULAS = 1_000


def read_xlsx(
    path: Path, label: str, problems: list[Problem], table: str | None, warnings: list[str] | None, known_columns: frozenset[str]
) -> RawTable | None:
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
            if is_comment(texts[0]):
                is_sample = is_sample or marks_sample(" ".join(texts))
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
        if len({text.strip().lower() for text in record} & known_columns) >= 2
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
    return RawTable(header, cells, np.array(rows, dtype=np.int64), header_row, is_sample)


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
        if (what := signature(head)) is not None:
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

    def __init__(self, strings: list[str], date_styles: tuple[list[bool], list[bool]], date1904: bool, stop_at_value: bool, stop_at_header: bool = False) -> None:
        self.strings, (self.is_date, self.is_duration) = strings, date_styles
        self.epoch = _dt.datetime(1904, 1, 1) if date1904 else _dt.datetime(1899, 12, 30)
        self.content = _SheetContent()
        self.stop_at_value = stop_at_value
        self.stop_at_header = stop_at_header  # stop after the first row that is not a comment (the header)
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
            if self.stop_at_header and not is_comment(texts[0]):
                raise _StopReading

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


def _read_sheet(
    archive: zipfile.ZipFile, part: str, strings: list[str], styles: tuple[list[bool], list[bool]], date1904: bool,
    stop_at_value: bool = False, stop_at_header: bool = False,
) -> _SheetContent:
    reader = _SheetReader(strings, styles, date1904, stop_at_value, stop_at_header)
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
        named = [s for s in visible if table is not None and label_key(s.name) == table and holds_values(s)]
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


def _header_key(content: _SheetContent) -> tuple[str, ...]:
    """A sheet's header (its first row that is not a comment), normalised; empty when it has none."""
    rows = [texts for _, texts in content.rows if not is_comment(texts[0])]
    if not rows:
        return ()
    names = [label_key(text) for text in rows[0]]
    while names and not names[-1]:
        names.pop()
    return tuple(names)


def _refuse_continued_table(
    sheets: list[_Sheet], chosen: _Sheet, table: str | None, holds_values: Callable[[_Sheet], bool],
    header: Callable[[_Sheet], tuple[str, ...]],
) -> None:
    """Refuse a workbook where another visible sheet holds rows under the same header as the chosen one.

    Why: a table too long for one sheet (or split by year) is often continued on a
    second one; reading only the sheet named after the table would drop those rows
    silently. Which sheets belong together cannot be told for sure, so both are named.
    """
    others = [s for s in sheets if s is not chosen and s.state not in ("hidden", "veryHidden")]
    if not others:
        return
    mine = header(chosen)
    same = [s for s in others if mine and holds_values(s) and header(s) == mine]
    if same:
        names = " and ".join(shown(s.name) for s in [chosen, *same])
        raise _Refused(
            f"the sheets {names} of this workbook hold rows under the same header, so the {table or 'case'} table may "
            f"continue from one sheet to another; only one sheet is read, so put all its rows on the sheet {shown(chosen.name)} "
            "and delete the other (or give the other different columns, if it is not part of the table)"
        )


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
        header = lambda sheet: _header_key(_read_sheet(archive, sheet.part, strings, styles, date1904, stop_at_header=True))  # noqa: E731
        _refuse_continued_table(sheets, chosen, table, holds, header)
        try:
            return _read_sheet(archive, chosen.part, strings, styles, date1904)
        except _Refused as refused:
            message = refused.message
            if message.startswith("the sheet "):
                message = f"the sheet {shown(chosen.name)} " + message[len("the sheet "):]
            else:
                message = f"in the sheet {shown(chosen.name)}, {message}"
            raise _Refused(message, refused.row, refused.column) from None


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
