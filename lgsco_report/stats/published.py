"""The published table: every council's row for a year with exactly the published columns, and its file.

Kept apart from the computation because it is the statistics' one public face
outside the documents (the ``stats`` command, the statistics pack): its columns
and their order are ``metrics.published_columns``, with the optional tables'
columns after the others only when those tables were given, so a year without
them publishes exactly the table it always did.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import metrics
from ..atomic import write_with
from ..definitions import parse_year
from ..errors import YearNotInDataError

if TYPE_CHECKING:
    from .model import Statistics


def published_table(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """Every council's row for ``year`` with exactly the published columns, in order.

    Counts are int64 (from a figures table: nullable ``Int64``, missing where not
    known, an empty cell when written); rates are unrounded fractions with NaN for
    a missing rate (an empty cell when written). Former councils' legacy rows come
    after the year's register, with ``former`` and ``successor_codes`` appended.
    """
    year = parse_year(year)
    if year not in statistics.years:
        raise YearNotInDataError(
            f"no statistics for the year ending 31 March {year}; "
            f"years available: {', '.join(map(str, statistics.years)) or 'none'}"
        )
    rows = statistics.councils[statistics.councils["year"] == year]
    markers = [column for column in ("former", "successor_codes") if column in rows.columns]
    table = rows.loc[:, [*metrics.published_columns(statistics.categories), *optional_columns(statistics), *markers]]
    if "has_figures" in rows.columns:  # figures: whole numbers, blank where not known (not 12.0, not 0)
        counts = [column for column in metrics.count_columns(statistics.categories) if column in table.columns]
        table = table.astype({column: "Int64" for column in counts})
    return table.reset_index(drop=True)


def optional_columns(statistics: Statistics) -> list[str]:
    """The published columns of the optional tables that were given (appended after the others), else []."""
    return [
        *(metrics.published_columns(requires="reports") if getattr(statistics, "has_reports", False) else ()),
        *(metrics.published_columns(requires="remedies") if getattr(statistics, "has_remedies", False) else ()),
    ]


def write_published_table(statistics: Statistics, year: int | str, path: str | os.PathLike[str]) -> Path:
    """Write ``published_table`` to ``path`` (``.csv`` or ``.xlsx`` by its ending), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{path}: the published table can be written as .csv or .xlsx, not {path.suffix or 'no ending'!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: folder {path.parent} does not exist; create it first")
    table = published_table(statistics, year)

    def write(tmp: Path) -> None:
        if suffix == ".csv":
            table.to_csv(tmp, index=False, na_rep="", encoding="utf-8", lineterminator="\n")
        else:
            table.to_excel(tmp, index=False, na_rep="", engine="openpyxl", sheet_name="councils")

    write_with(path, write)
    return path

