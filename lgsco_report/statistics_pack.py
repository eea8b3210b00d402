"""The statistics pack published beside the letters: ``statistics.xlsx``, ``statistics.csv`` and ``statistics-about.txt``.

Why a separate writer: the batch, the national notebook and ``lgsco-report
stats --out FILE.xlsx`` all publish the same figures, and a reader checking a
letter against the spreadsheet must find the same numbers. The workbook holds
an ``About`` sheet first (the sample-data mark when made from sample data, the
year and period, the data files and their SHA-256, the averaging method, what
an empty cell means, and the definition of every column), then one table per
sheet straight from ``Statistics`` (no recomputation):

* ``Councils``: ``stats.published_table`` for the year (one row per council);
* ``Types``: ``Statistics.types`` for the year (the "similar councils" averages);
  with pooled averages the ``type_avg_*`` columns equal the type's own rates,
  so they are left out rather than repeated;
* ``National``: ``Statistics.national`` for every year up to the year;
* ``Categories``: ``stats.category_table`` (received and upheld by service category).

Each table sheet has frozen panes (header row and the name column), an
autofilter and rates stored unrounded. Column titles, definitions and number
formats come from each column's entry in ``metrics.py``. A rate cell's number format is chosen
from its own value so Excel shows what the letters print: ``0%``, or ``0.0%``
(``0.00%``, ...) where a whole percent would read 100% or 0% without being
exactly that (the letters' rule, ``formatting.percent``). A static per-cell format
was preferred to conditional formatting because every spreadsheet program
honours it; a value typed over later keeps the format of the old one.

The CSV is the councils table with machine column names, unrounded, header in
the first row so a spreadsheet or ``pandas.read_csv`` opens it without
surprise. Its About text (the same as the sheet, sample-data mark first) is
the companion file ``statistics-about.txt`` beside it, rather than comment lines
inside the CSV, which would push the header down and break readers.
All files are written atomically (temporary file beside the target, then
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

from . import metrics
from .atomic import write_with
from .definitions import parse_year, year_label
from .documents import SAMPLE_BANNER
from .formatting import percent
from .stats import SMALL_BASE, Statistics, category_table, published_table

__all__ = [
    "ABOUT_NAME", "CSV_NAME", "SHEET_NAMES", "XLSX_NAME", "about_lines", "column_title", "write_statistics_pack",
    "write_workbook",
]

XLSX_NAME = "statistics.xlsx"
CSV_NAME = "statistics.csv"
ABOUT_NAME = "statistics-about.txt"
ABOUT_SHEET = "About"
SHEET_NAMES: tuple[str, ...] = ("Councils", "Types", "National", "Categories")
#: Per sheet, how many leading columns stay in view (frozen) beside the header row.
FROZEN_COLUMNS = {"Councils": 2, "Types": 1, "National": 1, "Categories": 1}

PERCENT_FORMAT = "0%"
PER_100K_FORMAT = "0.0"
COUNT_FORMAT = "#,##0"
POPULATION_FORMAT = "#,##0"

#: Number format of each display of ``metrics.DISPLAYS`` (``label``: none; ``percent``: chosen per cell).
_NUMBER_FORMATS: dict[str, str | None] = {
    "label": None, "count": COUNT_FORMAT, "residents": POPULATION_FORMAT, "percent": PERCENT_FORMAT,
    "per_100k": PER_100K_FORMAT, "change": "0.0000",
}


def column_title(column: str, categories: tuple[str, ...] = ()) -> str:
    """Readable title for a statistics column ("upheld_rate" -> "Uphold rate"), from ``metrics``."""
    metric = metrics.find(column, categories)
    return metric.title if metric is not None else column.replace("_", " ").capitalize()


def rate_format(value: object) -> str:
    """The percentage format showing ``value`` as ``formatting.percent`` prints it (0%, or 99.6% / 99.96% near 0 and 1)."""
    text = percent(value) if isinstance(value, (int, float)) and value == value else None
    if not text or "." not in text:
        return PERCENT_FORMAT
    return "0." + "0" * len(text.rstrip("%").split(".")[1]) + "%"


def _number_format(column: str, values: pd.Series, categories: tuple[str, ...]) -> str | None:
    """The column's number format from its metric's display (a count's only on whole numbers: an empty column has none)."""
    metric = metrics.find(column, categories)
    if metric is None:  # a column the registry does not know: counts as counts, nothing else guessed
        return COUNT_FORMAT if pd.api.types.is_integer_dtype(values) else None
    if metric.display == "count" and not pd.api.types.is_integer_dtype(values):
        return None
    return _NUMBER_FORMATS[metric.display]


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
        number_format = _number_format(column, frame[column], categories)
        if number_format:
            is_rate = number_format == PERCENT_FORMAT
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = rate_format(cell.value) if is_rate else number_format
        if not pd.api.types.is_numeric_dtype(frame[column]):
            longest = max([len(str(v)) for v in frame[column].dropna()] + [0])
            width = min(max(longest + 2, 12), 48)
        else:
            width = 14
        sheet.column_dimensions[letter].width = width
    sheet.row_dimensions[1].height = 60
    sheet.freeze_panes = f"{get_column_letter(FROZEN_COLUMNS.get(title, 0) + 1)}2"
    sheet.auto_filter.ref = sheet.dimensions


def _types_table(statistics: Statistics, year: int) -> pd.DataFrame:
    """The year's types, type first; ``type_avg_*`` columns only where they differ from the type's rates."""
    types = statistics.types[statistics.types["year"] == year].reset_index(drop=True)
    keep = []
    for column in types.columns:
        if column.startswith("type_avg_"):
            own = types[column.removeprefix("type_avg_")]
            if own.equals(types[column]):  # pooled averages: exactly the type's own rate, not repeated
                continue
        keep.append(column)
    ordered = ["authority_type"] + [c for c in keep if c != "authority_type"]
    return types.loc[:, ordered]


def pack_tables(statistics: Statistics, year: int | str) -> dict[str, pd.DataFrame]:
    """The tables of the pack, keyed by sheet name (the same frames the files hold)."""
    year = parse_year(year)
    councils = _marked_councils(published_table(statistics, year))  # raises naming the available years
    national = statistics.national[statistics.national["year"] <= year].reset_index(drop=True)
    categories = category_table(statistics, year)
    return dict(zip(SHEET_NAMES, (councils, _types_table(statistics, year), national, categories)))


#: Definitions of the columns there are only for some inputs (not in the metrics registry).
MARKER_DEFINITIONS: dict[str, str] = {
    "former": "\"former council\" for a council abolished before the year: its decisions and compliance outcomes of the "
              "year on complaints made before it ceased. It is in the national totals, not in any type's average (n/a), "
              "and gets no letter",
    "successor_codes": "the GSS codes of the councils that replaced a former council (comma-separated)",
    "councils_with_figures": "councils whose figures the table gave (a total is the sum over those that gave that figure)",
}
FORMER_COUNCIL = "former council"
NOT_APPLICABLE = "n/a"


def _describe(column: str, categories: tuple[str, ...]) -> str:
    metric = metrics.find(column, categories)
    return metric.definition if metric is not None else MARKER_DEFINITIONS.get(column, "")


def _marked_councils(councils: pd.DataFrame) -> pd.DataFrame:
    """The published table with a former council's row marked "former council" (and others blank) in ``former``."""
    if "former" not in councils.columns:
        return councils
    marked = councils.copy()
    marked["former"] = marked["former"].map(lambda former: FORMER_COUNCIL if former else "")
    return marked


def _mark_former_averages(workbook: Workbook, councils: pd.DataFrame) -> None:
    """A former council's average for similar councils reads "n/a" in the workbook (it belongs to no type any more)."""
    if "former" not in councils.columns:
        return
    sheet = workbook["Councils"]
    averages = [index for index, column in enumerate(councils.columns, start=1) if column.startswith("type_avg_")]
    for position in [i for i, value in enumerate(councils["former"].tolist()) if value == FORMER_COUNCIL]:
        for index in averages:
            cell = sheet.cell(row=position + 2, column=index)
            cell.value, cell.number_format = NOT_APPLICABLE, "General"


def _figures_lines(statistics: Statistics, year: int, councils: pd.DataFrame) -> list[tuple[str, str]]:
    """What the About text says of former councils and of a figures table, when there are any."""
    lines = []
    if "former" in councils.columns and (councils["former"] == FORMER_COUNCIL).any():
        lines.append(("Former councils", "Rows marked \"former council\" (after the year's councils) hold decisions and compliance "
                      "outcomes of the year on complaints made before the council ceased. They are counted in the national totals; "
                      "their average for similar councils is n/a and they are not in any type's totals or average."))
    if "has_figures" in statistics.councils.columns:
        lines.append(("Figures table", "Made from council-level figures, not case tables: an empty count cell was not given "
                      "(not 0), and a rate needing it is empty too. National and type totals add the councils that gave each "
                      "figure (councils_with_figures says how many had figures); a type's average is computed where the figures "
                      "cover all its councils, else it is the published average."))
    return lines


def about_lines(statistics: Statistics, year: int | str, tables: dict[str, pd.DataFrame] | None = None) -> list[tuple[str, str]]:
    """The About sheet (and ``statistics-about.txt``) as (label, text) pairs, in order."""
    year = parse_year(year)
    tables = tables or pack_tables(statistics, year)
    categories = tuple(statistics.categories)
    lines: list[tuple[str, str]] = []
    if statistics.is_sample:
        lines.append((SAMPLE_BANNER, "Made from the project's generated sample data. Do not quote these figures."))
    lines += [
        ("Title", f"Complaint statistics for councils in England, {year_label(year)}"),
        ("Period covered", f"1 April {year - 1} to 31 March {year} (year ending 31 March {year})"),
    ]
    for source in statistics.sources:
        lines.append((f"Data file ({source.get('table', '')})",
                      f"{Path(str(source.get('path', ''))).name}  SHA-256 {source.get('sha256', '')}"))
    if not statistics.sources:
        lines.append(("Data files", "not recorded"))
    method = (
        "pooled: for each type, the sum of the numerators over the sum of the denominators of its councils "
        "(the rate of the type's totals); on the Types sheet that is the type's own rate, so no separate average column"
        if statistics.average_method == "pooled"
        else "mean: for each type, the mean of its councils' rates, leaving out councils without that rate"
    )
    lines += [
        ("Average for similar councils", method),
        ("Empty cell", "No figure: the rate has nothing to base it on (no cases in its denominator, or no population). "
                       "It is never 0."),
        ("Percentages", "Rates are stored unrounded (fractions, 0 to 1) and shown as whole percentages, with one more "
                        "decimal place (or more) only where a whole percentage would read 100% or 0% without being exactly "
                        "that, as the letters print them. Change the cell format to see more digits."),
        ("Population", "The Office for National Statistics' mid-year estimates carried with the project "
                       "(lgsco_report/data/population_england.csv): mid-2020 for every council that existed then, "
                       "mid-2019 for a council abolished before it. Open Government Licence v3.0."),
        ("Small base", f"A council's rate resting on fewer than {SMALL_BASE} cases can move a long way with one decision."),
        ("CSV", f"{CSV_NAME} holds the Councils table with machine column names; this text is {ABOUT_NAME} beside it."),
        *_figures_lines(statistics, year, tables["Councils"]),
    ]
    for sheet, frame in tables.items():
        lines.append(("", ""))
        lines.append((f"Sheet {sheet}", "column: meaning (CSV name in brackets)"))
        for column in frame.columns:
            lines.append((column_title(column, categories), f"{_describe(column, categories)} [{column}]"))
    return lines


def _write_about(workbook: Workbook, lines: list[tuple[str, str]], is_sample: bool) -> None:
    sheet = workbook.create_sheet(ABOUT_SHEET, 0)
    for label, text in lines:
        sheet.append([label, text])
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        cell.font = Font(bold=True)
    if is_sample:
        sheet["A1"].font = Font(bold=True, color="9C0006", size=14)
    for (cell,) in sheet.iter_rows(min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 110


def write_workbook(statistics: Statistics, year: int | str, path: str | os.PathLike[str]) -> Path:
    """Write the annotated workbook (About sheet first, then the tables) to ``path``, atomically."""
    year = parse_year(year)
    tables = pack_tables(statistics, year)
    categories = tuple(statistics.categories)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, frame in tables.items():
        _write_sheet(workbook, title, frame, categories)
    _mark_former_averages(workbook, tables["Councils"])
    _write_about(workbook, about_lines(statistics, year, tables), bool(statistics.is_sample))
    workbook.active = 0
    pinned = _dt.datetime(year, 3, 31, 0, 0, 0)
    workbook.properties.creator = "lgsco-report"
    workbook.properties.title = f"Complaint statistics for councils in England, {year_label(year)}"
    if statistics.is_sample:
        workbook.properties.subject = SAMPLE_BANNER
    workbook.properties.created = pinned
    return write_with(Path(path), lambda tmp: workbook.save(tmp))


def _about_text(lines: list[tuple[str, str]]) -> str:
    return "".join(f"{label}: {text}\n" if label and text else f"{label or text}\n" for label, text in lines)


def write_statistics_pack(statistics: Statistics, year: int | str, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``statistics.xlsx``, ``statistics.csv`` and ``statistics-about.txt`` for ``year`` into ``out_dir``.

    ``out_dir`` is created if missing. Existing files are replaced atomically,
    so a reader never sees a half-written pack. Returns the three paths.
    """
    year = parse_year(year)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tables = pack_tables(statistics, year)
    xlsx_path = write_workbook(statistics, year, folder / XLSX_NAME)
    csv_path = write_with(
        folder / CSV_NAME,
        lambda tmp: tables["Councils"].to_csv(tmp, index=False, na_rep="", encoding="utf-8", lineterminator="\n"),
    )
    about = _about_text(about_lines(statistics, year, tables))
    about_path = write_with(folder / ABOUT_NAME, lambda tmp: tmp.write_text(about, encoding="utf-8"))
    return [xlsx_path, csv_path, about_path]
