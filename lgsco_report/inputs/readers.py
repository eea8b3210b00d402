"""Table files to raw tables of text: one reader per file format, chosen by the file's suffix.

A reader knows files, not the case tables: the column names it looks for (to
spot a title row above the header, or a file split by semicolons) are handed in
as ``known_columns``, so a new input format reuses these readers unchanged, and
a new file format is one reader module (``csv_reader``, ``xlsx_reader``) and one
line here. The limits every reader enforces are in ``raw_table``.
"""

from __future__ import annotations

from pathlib import Path

from .csv_reader import read_csv
from .problems import Problem
from .raw_table import (  # noqa: F401  (re-exported: the limits and the table every reader returns)
    MAX_CELL_CHARACTERS,
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_CSV_BYTES,
    MAX_LINES_BEFORE_HEADER,
    MAX_MERGED_RANGES,
    MAX_PART_BYTES,
    MAX_PARTS,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    MAX_SHEETS,
    RawTable,
)
from .xlsx_reader import read_xlsx


FILE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx")


def read_raw(
    path: Path, label: str, problems: list[Problem], table: str | None = None, warnings: list[str] | None = None,
    *, known_columns: frozenset[str],
) -> RawTable | None:
    """The table in a .csv or .xlsx file as text, or None (with ``problems`` saying why).

    ``known_columns`` are the column names (lower case) a header may hold: a line
    holding two of them is the header, wherever it is.
    """
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path, label, problems, table, warnings, known_columns)
    return read_csv(path, label, problems, known_columns)
