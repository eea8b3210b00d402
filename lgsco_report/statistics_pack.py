"""The statistics pack published beside the letters: ``statistics.xlsx`` and ``statistics.csv``.

Why a separate writer: the batch and the national notebook both publish the
same figures, and a reader checking a letter against the spreadsheet must find
the same numbers. The workbook holds three sheets, each a table straight from
``Statistics`` (no recomputation):

* ``Councils``: ``stats.published_table`` for the year (one row per council);
* ``Types``: ``Statistics.types`` for the year (the "similar councils" averages);
* ``National``: ``Statistics.national`` for every year up to the year.

Rates are stored unrounded with a whole-percent number format, so Excel shows
what the letters print while the cell keeps the value (to the 16 significant
digits openpyxl writes; the CSV keeps every digit). The CSV is the
councils table with machine column names (the published table), unrounded.
Both files are written atomically (temporary file beside the target, then
``os.replace``). The workbook's "created" property is pinned to the year's end;
openpyxl stamps "modified" with the save time, which serves as the recorded
generation time.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .atomic import write_with
from .definitions import parse_year, year_label
from .stats import Statistics, published_table

__all__ = ["CSV_NAME", "SHEET_NAMES", "XLSX_NAME", "column_title", "write_statistics_pack"]

XLSX_NAME = "statistics.xlsx"
CSV_NAME = "statistics.csv"
SHEET_NAMES: tuple[str, ...] = ("Councils", "Types", "National")

PERCENT_FORMAT = "0%"
PER_100K_FORMAT = "0.0"
COUNT_FORMAT = "#,##0"
POPULATION_FORMAT = "#,##0"

_TITLES: dict[str, str] = {
    "authority_code": "Authority code (GSS)",
    "authority_name": "Council",
    "authority_type": "Council type",
    "year": "Year ending March",
    "received_total": "Complaints and enquiries received",
    "decisions_total": "Decisions made",
    "upheld": "Upheld",
    "not_upheld": "Not upheld",
    "detailed_investigations": "Detailed investigations",
    "advice_given": "Advice given",
    "closed_after_initial_enquiries": "Closed after initial enquiries",
    "incomplete_invalid": "Incomplete/Invalid",
    "referred_back": "Referred back for local resolution",
    "upheld_rate": "Uphold rate",
    "type_avg_upheld_rate": "Uphold rate, similar councils",
    "satisfactory_remedies": "Satisfactory remedies by the council",
    "satisfactory_remedy_rate": "Satisfactory remedy rate",
    "type_avg_satisfactory_remedy_rate": "Satisfactory remedy rate, similar councils",
    "compliance_outcomes": "Compliance outcomes recorded",
    "complied": "Complied on time",
    "complied_late": "Complied late",
    "not_complied": "Not complied",
    "compliance_rate": "Compliance rate",
    "type_avg_compliance_rate": "Compliance rate, similar councils",
    "population": "Population",
    "upheld_per_100k": "Upheld per 100,000 residents",
    "type_avg_upheld_per_100k": "Upheld per 100,000 residents, similar councils",
    "councils": "Councils",
    "councils_without_population": "Councils without a population figure",
    "unassigned_received": "Received cases outside the register",
    "unassigned_decided": "Decided cases outside the register",
    "unassigned_compliance": "Compliance outcomes outside the register",
}

_RATE_SUFFIXES = ("_rate",)


def column_title(column: str, categories: tuple[str, ...] = ()) -> str:
    """Readable title for a statistics column ("upheld_rate" -> "Uphold rate")."""
    if column in _TITLES:
        return _TITLES[column]
    if column.startswith("received_"):
        from .definitions import snake_case

        for category in categories:
            if column == f"received_{snake_case(category)}":
                return f"Received: {category}"
    return column.replace("_", " ").capitalize()


def _number_format(column: str) -> str | None:
    if column.endswith(_RATE_SUFFIXES):
        return PERCENT_FORMAT
    if column.endswith("per_100k"):
        return PER_100K_FORMAT
    if column == "population":
        return POPULATION_FORMAT
    return None


def _cell_value(value: object) -> object:
    """Excel-ready value: NaN/NA -> empty cell, numpy scalars -> Python numbers."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and value != value:
            return None
    if isinstance(value, tuple):
        return "; ".join(map(str, value))
    return value


def _write_sheet(workbook: Workbook, title: str, frame: pd.DataFrame, categories: tuple[str, ...]) -> None:
    sheet = workbook.create_sheet(title)
    columns = list(frame.columns)
    sheet.append([column_title(column, categories) for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for record in frame.itertuples(index=False, name=None):
        sheet.append([_cell_value(value) for value in record])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        number_format = _number_format(column)
        if number_format is None and pd.api.types.is_integer_dtype(frame[column]) and column != "year":
            number_format = COUNT_FORMAT
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        if not pd.api.types.is_numeric_dtype(frame[column]):
            longest = max([len(str(v)) for v in frame[column].dropna()] + [0])
            width = min(max(longest + 2, 12), 48)
        else:
            width = 14
        sheet.column_dimensions[letter].width = width
    sheet.row_dimensions[1].height = 45
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def pack_tables(statistics: Statistics, year: int | str) -> dict[str, pd.DataFrame]:
    """The three tables of the pack, keyed by sheet name (the same frames the files hold)."""
    year = parse_year(year)
    councils = published_table(statistics, year)  # raises naming the available years
    types = statistics.types[statistics.types["year"] == year].reset_index(drop=True)
    national = statistics.national[statistics.national["year"] <= year].reset_index(drop=True)
    return dict(zip(SHEET_NAMES, (councils, types, national)))


def write_statistics_pack(statistics: Statistics, year: int | str, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``statistics.xlsx`` and ``statistics.csv`` for ``year`` into ``out_dir``; return both paths.

    ``out_dir`` is created if missing. Existing files are replaced atomically,
    so a reader never sees a half-written pack.
    """
    year = parse_year(year)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tables = pack_tables(statistics, year)
    categories = tuple(statistics.categories)

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, frame in tables.items():
        _write_sheet(workbook, title, frame, categories)
    pinned = _dt.datetime(year, 3, 31, 0, 0, 0)
    workbook.properties.creator = "lgsco-report"
    workbook.properties.title = f"Complaint statistics for councils in England, {year_label(year)}"
    workbook.properties.created = pinned

    xlsx_path = write_with(folder / XLSX_NAME, lambda tmp: workbook.save(tmp))
    csv_path = write_with(
        folder / CSV_NAME,
        lambda tmp: tables["Councils"].to_csv(tmp, index=False, na_rep="", encoding="utf-8", lineterminator="\n"),
    )
    return [xlsx_path, csv_path]
