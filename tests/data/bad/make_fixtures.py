"""Write the corpus entries that are binary or need exact bytes (XLSX, images, encodings, line endings).

The plain-text entries are committed as they are; these are committed too, and
this script is how they were made (byte-identical on every run), so they can be
regenerated or extended:

    .venv/bin/python tests/data/bad/make_fixtures.py

Each entry is a folder holding the bad table file(s); ``expected.yaml`` says
what loading it must give. The valid tables the entries are combined with are
in ``_valid/``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import sys

import openpyxl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # tests/, for hostile_files
import hostile_files  # noqa: E402
VALID = HERE / "_valid"
FIXED_TIME = dt.datetime(2020, 1, 1)


def valid_rows(table: str) -> list[list[str]]:
    """The valid table as a list of rows of text (header first)."""
    lines = (VALID / f"{table}.csv").read_text(encoding="utf-8").splitlines()
    return [line.split(",") for line in lines if line]


def write_bytes(entry: str, name: str, data: bytes) -> None:
    folder = HERE / entry
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)


def workbook_bytes(rows: list[list[object]], merge: str | None = None) -> bytes:
    """An .xlsx holding ``rows`` on its first sheet (None leaves a cell empty), with fixed metadata."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "cases"
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return with_saved_formula_results(buffer.getvalue(), {})  # rewrites the zip with fixed timestamps


def with_saved_formula_results(data: bytes, results: dict[str, str]) -> bytes:
    """Add the cached result Excel would have saved to formula cells (openpyxl writes formulas without one)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = content.decode("utf-8")
                for cell, value in results.items():
                    text, count = re.subn(
                        rf'<c r="{cell}"><f>(.*?)</f><v ?/>', rf'<c r="{cell}" t="str"><f>\1</f><v>{value}</v>', text
                    )
                    assert count == 1, cell
                content = text.encode("utf-8")
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2020-01-01T00:00:00Z", content)
            info.date_time = (2020, 1, 1, 0, 0, 0)
            target.writestr(info, content)
    return out.getvalue()


def tiny_png() -> bytes:
    """A valid 1x1 PNG image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def main() -> None:
    received = valid_rows("received")
    received_text = (VALID / "received.csv").read_text(encoding="utf-8")
    decided_text = (VALID / "decided.csv").read_text(encoding="utf-8")

    # Encodings and line endings.
    write_bytes("bom_utf8", "received.csv", received_text.encode("utf-8-sig"))
    write_bytes("windows_line_endings", "decided.csv", decided_text.replace("\n", "\r\n").encode("utf-8"))
    latin1 = received_text.replace("Watford Borough Council", "Watford Borough Council (Hôtel de Ville)")
    write_bytes("latin1_accented_council", "received.csv", latin1.encode("latin-1"))
    write_bytes("utf16_unicode_text", "received.csv", received_text.replace(",", "\t").encode("utf-16"))
    write_bytes("nul_byte_in_category", "received.csv", received_text.replace("Benefits and Tax", "Benefits\x00and Tax").encode("utf-8"))

    # Files that are not spreadsheets.
    write_bytes("png_renamed_xlsx", "received.xlsx", tiny_png())
    write_bytes("pdf_renamed_xlsx", "decided.xlsx", TINY_PDF)
    write_bytes("old_xls_renamed_xlsx", "compliance.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr(zipfile.ZipInfo("word/document.xml", (2020, 1, 1, 0, 0, 0)), "<document/>")
    write_bytes("zip_not_a_workbook", "decided.xlsx", zipped.getvalue())

    # Workbooks.
    title = [["Complaints received 2019-20", None, None, None], *received]
    write_bytes("title_row_above_header_xlsx", "received.xlsx", workbook_bytes(title, merge="A1:D1"))
    merged = [row[:] for row in received]
    merged[3][1] = None  # B4 is covered by the merged B3:B4, as Excel leaves it
    write_bytes("merged_cell_xlsx", "received.xlsx", workbook_bytes(merged, merge="B3:B4"))
    formula = [row[:] for row in received]
    formula[1][1] = '="E0700"&"0192"'
    write_bytes("formula_without_saved_value_xlsx", "received.xlsx", workbook_bytes(formula))
    write_bytes(
        "formula_with_saved_value_xlsx", "received.xlsx",
        with_saved_formula_results(workbook_bytes(formula), {"B2": "E07000192"}),
    )
    numeric = [received[0]] + [[int(row[0].replace(" ", ""))] + row[1:] for row in received[1:]]
    write_bytes("numeric_case_ref_xlsx", "received.xlsx", workbook_bytes(numeric))
    dated = [received[0]]
    for row in received[1:]:
        text = row[2] if "-" in row[2] else "-".join(reversed(row[2].split("/")))
        dated.append([row[0], row[1], dt.datetime.fromisoformat(text), row[3]])
    dated += [[" ", None, None, None], [None, None, None, " "]]  # rows left with a stray space at the end
    write_bytes("excel_dates_and_blank_rows_xlsx", "received.xlsx", workbook_bytes(dated))
    write_bytes("both_csv_and_xlsx", "received.xlsx", workbook_bytes(received))

    # Several sheets, hostile workbooks (small versions of those in tests/hostile_files.py), look-alike characters.
    stale = hostile_files.STALE_ROWS
    write_bytes(
        "hidden_stale_sheet_xlsx", "received.xlsx",
        hostile_files.workbook_bytes([("2018-19", stale, "hidden"), ("2019-20", received, "visible")]),
    )
    write_bytes(
        "two_visible_data_sheets_xlsx", "received.xlsx",
        hostile_files.workbook_bytes([("April-Sept", received[:4], "visible"), ("Oct-March", [received[0], *received[4:]], "visible")]),
    )
    write_bytes("stray_cell_far_away_xlsx", "received.xlsx", hostile_files.stray_cell_workbook())
    write_bytes("value_on_row_3000000_xlsx", "received.xlsx", hostile_files.far_row_workbook())
    write_bytes("mimetype_zip_bomb_xlsx", "received.xlsx", hostile_files.entry_bomb_workbook("mimetype", 100 * 2**20))
    write_bytes("sheet_zip_bomb_xlsx", "received.xlsx", hostile_files.sheet_padding_workbook(50 * 2**20))
    write_bytes("shared_strings_bomb_xlsx", "received.xlsx", hostile_files.shared_strings_workbook(3_000_000))
    write_bytes("entity_expansion_xlsx", "received.xlsx", hostile_files.entity_bomb_workbook())
    write_bytes("header_across_every_column_xlsx", "received.xlsx", hostile_files.wide_header_workbook())
    write_bytes("full_width_digit_date", "received.csv", received_text.replace("2019-05-01", "２０１９-０５-０１").encode("utf-8"))
    write_bytes("arabic_indic_digit_date", "received.csv", received_text.replace("2019-07-15", "٢٠١٩-٠٧-١٥").encode("utf-8"))
    write_bytes("cyrillic_letter_in_category", "received.csv", received_text.replace("Planning and", "Plаnning and").encode("utf-8"))
    write_bytes("full_width_yes_no", "decided.csv", decided_text.replace("Upheld,yes", "Upheld,ｙｅｓ").encode("utf-8"))
    write_bytes("title_row_without_commas_csv", "received.csv", ("Complaints received 2019-20\n" + received_text).encode("utf-8"))


if __name__ == "__main__":
    main()
