"""Small generators of hostile table files: zip bombs, far-away cells, huge counts, multi-sheet workbooks.

Used by ``tests/test_bad_inputs.py``, ``tests/data/bad/make_fixtures.py`` (the
small ones are committed to the corpus) and ``bench/bench_inputs.py`` (time and
peak memory of refusing each). Every generator is deterministic and streams
what it writes, so a 1 GiB entry costs a few seconds and little memory.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import openpyxl

FIXED_TIME = (2020, 1, 1, 0, 0, 0)
RECEIVED_ROWS: list[list[str]] = [
    ["case_ref", "authority", "received_date", "category"],
    ["19 000 001", "E07000192", "2019-05-01", "Housing"],
    ["19 000 002", "E07000192", "2019-06-10", "Planning and Development"],
    ["19 000 003", "E07000192", "2019-07-15", "Housing"],
    ["19 000 004", "Watford Borough Council", "20/08/2019", "Benefits and Tax"],
    ["19 000 005", "E07000103", "2019-09-30", "Housing"],
]
#: The stale copy of an old year's table that a hidden sheet holds in the "hidden sheet" entries.
STALE_ROWS: list[list[str]] = [RECEIVED_ROWS[0], ["18 000 001", "E07000192", "2018-05-01", "Housing"]]
MEBIBYTE = 1 << 20


def workbook_bytes(sheets: list[tuple[str, list[list[object]], str]]) -> bytes:
    """An .xlsx with one worksheet per (title, rows, state); state is visible, hidden or veryHidden."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows, state in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    visible = [i for i, (_, _, state) in enumerate(sheets) if state == "visible"]
    workbook.active = visible[0] if visible else 0
    workbook.properties.created = workbook.properties.modified = dt.datetime(2020, 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return rewrite_zip(buffer.getvalue(), {})


def _fixed_core(content: bytes) -> bytes:
    return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2020-01-01T00:00:00Z", content)


def rewrite_zip(
    data: bytes,
    replace: dict[str, Callable[[], Iterable[bytes]]],
    first: dict[str, Callable[[], Iterable[bytes]]] | None = None,
) -> bytes:
    """The zip ``data`` with entries replaced (or added) by streamed content, fixed timestamps, deflated.

    ``first`` entries are written before all others (where Office puts ``mimetype``).
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        def write(name: str, chunks: Iterable[bytes]) -> None:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w", force_zip64=True) as handle:
                for chunk in chunks:
                    handle.write(chunk)

        for name, make in (first or {}).items():
            write(name, make())
        for info in source.infolist():
            if info.filename in replace:
                write(info.filename, replace[info.filename]())
            elif info.filename not in (first or {}):
                content = source.read(info.filename)
                write(info.filename, [_fixed_core(content) if info.filename == "docProps/core.xml" else content])
        for name, make in replace.items():
            if name not in source.namelist():
                write(name, make())
    return out.getvalue()


def zeros(total: int) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        block = bytes(MEBIBYTE)
        left = total
        while left > 0:
            yield block[: min(left, MEBIBYTE)]
            left -= MEBIBYTE

    return chunks


def received_workbook() -> bytes:
    return workbook_bytes([("received", RECEIVED_ROWS, "visible")])


def stray_cell_workbook(cell: str = "XFD1048576") -> bytes:
    """The valid received table plus one stray value in a far-away cell (openpyxl pads up to it)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "received"
    for row in RECEIVED_ROWS:
        sheet.append(row)
    sheet[cell] = "x"
    workbook.properties.created = workbook.properties.modified = dt.datetime(2020, 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return rewrite_zip(buffer.getvalue(), {})


def entry_bomb_workbook(entry: str = "mimetype", size: int = 1 << 30) -> bytes:
    """A valid workbook plus (or with) ``entry`` replaced by ``size`` zero bytes, deflated (about size/1000)."""
    base = received_workbook()
    if entry == "mimetype":
        return rewrite_zip(base, {}, first={entry: zeros(size)})
    return rewrite_zip(base, {entry: zeros(size)})


def _shared_strings(count: int, distinct: bool = False) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        yield (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            b' count="%d" uniqueCount="%d">' % (count, count)
        )
        for start in range(0, count, 10_000):
            size = min(10_000, count - start)
            if distinct:  # distinct strings compress like real ones (about 10 times)
                yield b"".join(b"<si><t>%08d</t></si>" % ((n * 7919) % 100_000_000) for n in range(start, start + size))
            else:
                yield b"<si><t>x</t></si>" * size
        yield b"</sst>"

    return chunks


def shared_strings_workbook(count: int = 20_000_000, distinct: bool = False) -> bytes:
    """The valid table with its text in a shared strings part holding ``count`` strings (the sheet uses the first few)."""
    base = received_workbook()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
        types = archive.read("[Content_Types].xml")
    texts: list[bytes] = []

    def to_shared(match: re.Match[bytes]) -> bytes:
        texts.append(match.group(2))
        return b'<c r="%s" t="s"><v>%d</v></c>' % (match.group(1), len(texts) - 1)

    sheet = re.sub(rb'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t>([^<]*)</t></is></c>', to_shared, sheet)
    head = b"".join(b"<si><t>%s</t></si>" % t for t in texts)
    rels = rels.replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        b'Target="sharedStrings.xml" Id="rId9" /></Relationships>',
    )
    types = types.replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>',
    )

    def chunks() -> Iterator[bytes]:
        rest = _shared_strings(max(count - len(texts), 0), distinct)()
        yield next(rest) + head
        yield from rest

    return rewrite_zip(
        base,
        {
            "xl/worksheets/sheet1.xml": lambda: [sheet],
            "xl/_rels/workbook.xml.rels": lambda: [rels],
            "[Content_Types].xml": lambda: [types],
            "xl/sharedStrings.xml": chunks,
        },
    )


def sheet_padding_workbook(padding: int = 200 * MEBIBYTE, filler: bytes = b" ") -> bytes:
    """The valid table with ``padding`` bytes of ``filler`` (whitespace or empty rows) inside the sheet XML."""
    base = received_workbook()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    cut = sheet.index(b"</sheetData>")

    def chunks() -> Iterator[bytes]:
        yield sheet[:cut]
        block = filler * max(1, MEBIBYTE // len(filler))
        for _ in range(max(1, padding // len(block))):
            yield block
        yield sheet[cut:]

    return rewrite_zip(base, {"xl/worksheets/sheet1.xml": chunks})


def far_row_workbook(row: int = 3_000_000) -> bytes:
    """One value on a row numbered beyond any limit (Excel stops at 1,048,576), and no dimension to warn of it."""
    base = received_workbook()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb"<dimension [^>]*/>", b"", sheet)
    cut = sheet.index(b"</sheetData>")
    far = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (row, row)
    return rewrite_zip(base, {"xl/worksheets/sheet1.xml": lambda: [sheet[:cut] + far + sheet[cut:]]})


def empty_rows_workbook(rows: int = 1_200_000) -> bytes:
    """Millions of empty ``<row>`` elements after the data (each one numbered)."""
    base = received_workbook()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    cut = sheet.index(b"</sheetData>")

    def chunks() -> Iterator[bytes]:
        yield sheet[:cut]
        for start in range(10, rows + 10, 100_000):
            yield b"".join(b'<row r="%d"/>' % r for r in range(start, min(start + 100_000, rows + 10)))
        yield sheet[cut:]

    return rewrite_zip(base, {"xl/worksheets/sheet1.xml": chunks})


def entity_bomb_workbook() -> bytes:
    """The "billion laughs" entity expansion in the sheet XML."""
    base = received_workbook()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    doctype = b'<!DOCTYPE worksheet [<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10)
    ) + b"]>"
    sheet = doctype + sheet.replace(b"<t>Housing</t>", b"<t>&a9;</t>", 1)
    return rewrite_zip(base, {"xl/worksheets/sheet1.xml": lambda: [sheet]})


def wide_header_workbook(columns: int = 16_384) -> bytes:
    """A header row with a value in every one of Excel's 16,384 columns."""
    base = received_workbook()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    from openpyxl.utils import get_column_letter

    extra = b"".join(
        b'<c r="%s1" t="inlineStr"><is><t>n</t></is></c>' % get_column_letter(i).encode() for i in range(5, columns + 1)
    )
    end = sheet.index(b"</row>")
    return rewrite_zip(base, {"xl/worksheets/sheet1.xml": lambda: [sheet[:end] + extra + sheet[end:]]})


def merged_ranges_workbook(count: int = 1_000_000) -> bytes:
    """A million merged ranges below the table (each would become a problem)."""
    base = received_workbook()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    cut = sheet.index(b"</sheetData>") + len(b"</sheetData>")

    def chunks() -> Iterator[bytes]:
        yield sheet[:cut] + b'<mergeCells count="%d">' % count
        for start in range(10, count + 10, 100_000):
            yield b"".join(b'<mergeCell ref="A%d:B%d"/>' % (r, r) for r in range(start, min(start + 100_000, count + 10)))
        yield b"</mergeCells>" + sheet[cut:]

    return rewrite_zip(base, {"xl/worksheets/sheet1.xml": chunks})


def many_sheets_workbook(count: int = 100_000) -> bytes:
    """A workbook listing a hundred thousand visible sheets."""
    base = received_workbook()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        workbook = archive.read("xl/workbook.xml")
    # Each listed sheet declares the relationships prefix itself, as openpyxl writes it.
    listed = b"".join(
        b'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        b'name="s%d" sheetId="%d" state="visible" r:id="rId1" />' % (n, n + 2) for n in range(count)
    )
    workbook = workbook.replace(b"<sheets>", b"<sheets>" + listed)
    return rewrite_zip(base, {"xl/workbook.xml": lambda: [workbook]})


def long_row_csv(path: Path, fields: int = 2_000_000) -> None:
    """A received.csv whose second data row has millions of fields."""
    path.write_bytes(
        b"case_ref,authority,received_date,category\n1,E07000192,2019-05-01,Housing\n2,E07000192,2019-05-01,Housing"
        + b",x" * fields + b"\n"
    )


def comment_lines_csv(path: Path, lines: int = 1_000_000) -> None:
    """A received.csv with a million comment lines above the header."""
    path.write_bytes(b"#\n" * lines + b"case_ref,authority,received_date,category\n1,E07000192,2019-05-01,Housing\n")


def many_lines_csv(path: Path, lines: int = 3_000_000) -> None:
    """A received.csv whose header is followed by millions of lines of empty cells."""
    with path.open("wb") as handle:
        handle.write(b"case_ref,authority,received_date,category\n")
        block = b",,,\n" * 100_000
        for _ in range(lines // 100_000):
            handle.write(block)


def wide_csv(path: Path, fields: int = 2_000_000) -> None:
    """A received.csv whose header has millions of fields."""
    path.write_bytes(b"case_ref,authority,received_date,category" + b",x" * fields + b"\n1,E07000192,2019-05-01,Housing\n")


#: name -> (table file name, function writing it to a path); what the bench and the memory tests refuse.
HOSTILE: dict[str, tuple[str, Callable[[Path], None]]] = {
    "stray cell at XFD1048576 (5 KB)": ("received.xlsx", lambda p: p.write_bytes(stray_cell_workbook())),
    "mimetype entry of 1 GiB (1 MB)": ("received.xlsx", lambda p: p.write_bytes(entry_bomb_workbook("mimetype", 1 << 30))),
    "sheet entry of 1 GiB (1 MB)": ("received.xlsx", lambda p: p.write_bytes(entry_bomb_workbook("xl/worksheets/sheet1.xml", 1 << 30))),
    "20 million shared strings": ("received.xlsx", lambda p: p.write_bytes(shared_strings_workbook(20_000_000))),
    "2.5 million distinct shared strings": ("received.xlsx", lambda p: p.write_bytes(shared_strings_workbook(2_500_000, True))),
    "sheet padded with 200 MB of spaces": ("received.xlsx", lambda p: p.write_bytes(sheet_padding_workbook())),
    "value on row 3,000,000": ("received.xlsx", lambda p: p.write_bytes(far_row_workbook())),
    "billion laughs entities": ("received.xlsx", lambda p: p.write_bytes(entity_bomb_workbook())),
    "16,384 header columns": ("received.xlsx", lambda p: p.write_bytes(wide_header_workbook())),
    "a million merged ranges": ("received.xlsx", lambda p: p.write_bytes(merged_ranges_workbook())),
    "100,000 sheets": ("received.xlsx", lambda p: p.write_bytes(many_sheets_workbook())),
    "CSV row of 2 million fields": ("received.csv", long_row_csv),
    "CSV with a million comment lines": ("received.csv", comment_lines_csv),
    "CSV of 3 million lines": ("received.csv", many_lines_csv),
    "CSV header of 2 million fields": ("received.csv", wide_csv),
}


#: Run by a small intermediate process: it starts the load and reports the load's own peak memory.
#: (A child forked straight from a big process such as pytest inherits that process's high-water
#: mark in ``ru_maxrss``; a child of this small process inherits only a few megabytes.)
_MEASURE = """
import os, sys
pid = os.posix_spawn(sys.executable, [sys.executable, "-c", sys.argv[1], *sys.argv[2:]], os.environ)
_, status, usage = os.wait4(pid, 0)
sys.stdout.flush()
print("\\nMAXRSS", usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status))
"""
LOAD_CASES = """
import sys, time
from lgsco_report.errors import CaseDataError
from lgsco_report.inputs import load as load_cases
start = time.perf_counter()
try:
    load_cases(sys.argv[1])
    print("accepted")
    status = 0
except CaseDataError as error:
    print(error)
    status = 2
print(f"SECONDS {time.perf_counter() - start:.3f}")
sys.exit(status)
"""


def load_in_fresh_process(folder: Path, timeout: float = 120) -> tuple[int, str, int, float]:
    """(exit status, output, peak resident bytes, seconds inside) of ``load_cases(folder)`` in a fresh process.

    The peak is the kernel's figure for that process (``getrusage(RUSAGE_CHILDREN)``
    of its small parent, taken per child with ``os.wait4``); seconds exclude
    interpreter start and imports.
    """
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    result = subprocess.run(
        [sys.executable, "-S", "-c", _MEASURE, LOAD_CASES, str(folder)],
        capture_output=True, env=env, timeout=timeout, start_new_session=True,
    )
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    body, _, tail = output.rpartition("\nMAXRSS ")
    peak, status = (int(part) for part in tail.split()[:2])
    seconds = next((float(line.split()[1]) for line in body.splitlines() if line.startswith("SECONDS ")), float("nan"))
    return status, body, peak, seconds
