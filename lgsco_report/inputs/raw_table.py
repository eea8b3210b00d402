"""What every reader returns (a table of text with spreadsheet row numbers), and the limits every reader enforces.

Row numbers are *spreadsheet row numbers*: the first line of the file is row 1.
Comment lines starting with ``#`` above the header are counted, so the header of
a sample file (one marker line, then the header) is row 2 and its first case is
row 3. In a CSV this is the line number a text editor shows (blank lines are
counted too); in an XLSX it is the row number Excel shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..documents import SAMPLE_BANNER


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
#: Most parts (zip entries) in a workbook, and most shared strings it may hold.
MAX_PARTS = 10_000
MAX_SHARED_STRINGS = 2_000_000
#: Most worksheets in a workbook, and most merged ranges in the table's sheet (a table has none).
MAX_SHEETS = 1_000
MAX_MERGED_RANGES = 1_000
#: Most comment (``#``) or blank lines above a CSV's header.
MAX_LINES_BEFORE_HEADER = 1_000


@dataclass
class RawTable:
    """A table as text: one str column per header cell, plus each data row's spreadsheet row number."""

    header: list[str] | None
    cells: pd.DataFrame
    rows: np.ndarray
    header_row: int
    is_sample: bool


def is_comment(first_cell: object) -> bool:
    return isinstance(first_cell, str) and first_cell.lstrip().startswith("#")


def marks_sample(comment: str) -> bool:
    return SAMPLE_BANNER.casefold() in comment.casefold()


#: File signatures of formats people save or rename by mistake -> what to call them in a message.


#: File signatures of formats people save or rename by mistake -> what to call them in a message.


#: File signatures of formats people save or rename by mistake -> what to call them in a message.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (or other Office 97-2003) file"),
    (b"{\\rtf", "an RTF document"),
)


def signature(data: bytes) -> str | None:
    """What a file's first bytes say it is, when it is a known non-table format."""
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            return what
    return None
