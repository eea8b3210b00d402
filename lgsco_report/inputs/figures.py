"""Council-level figures as an input: a data folder holding counts per council and year instead of cases.

Why a second input: an office may hold (or be sent) the Ombudsman's published
figures for every council rather than the case tables. A folder then holds a
**figures** table (``figures.csv`` or ``.xlsx``): one row per council and year,
the count columns the statistics already use (``FIGURE_COUNT_COLUMNS``; the
names of ``metrics``), and optionally an **averages** table (``averages.csv`` or
``.xlsx``): the published average rates of each council type and year.

Decisions about doubtful input:

* A blank cell means *not known*, never zero: it stays NaN through ``Counts``. A
  council of the year's register without a row has no figures at all
  (``Counts.councils["has_figures"]`` False, its counts NaN), which is not a row
  of zeros.
* Counts are whole numbers, not negative (``1,234`` and Excel's ``12.0`` are read);
  any other text is refused: leave the cell blank when the number is not known.
* The parts cannot exceed their whole: upheld + not upheld (the investigations)
  and the six outcomes together cannot exceed ``decisions_total``; satisfactory
  remedies cannot exceed upheld; complied + complied late + not complied cannot
  exceed ``compliance_outcomes``; the received categories cannot exceed
  ``received_total``. A given ``detailed_investigations`` must equal upheld + not
  upheld. Unknown parts count as nothing in these checks.
* A council is given by GSS code or name, as in the case tables, once per year,
  and must be in that year's register, except a former council after its end
  (a *legacy* row: decisions and compliance on complaints made before it ceased),
  which must then have no received complaints (blank or 0).
* Averages are written as published: ``89`` or ``89%`` is 0.89; ``99.5%`` is
  0.995; a bare number under 1 that is not 0 (``0.89``, what an Excel percent cell
  holds) is refused as ambiguous. ``upheld_per_100k`` is a plain number.
* A folder with both case tables and a figures table is refused (which one
  counts would be a guess); an averages table without a figures table too.
* Figures are never sample data (the sample is case tables): ``is_sample`` is False.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import definitions
from ..errors import CaseDataError
from ..hashing import sha256_file
from .case_rows import Register
from .problems import SUGGEST_MAX_LENGTH, Problem, shown, sort_problems
from .readers import RawTable, read_raw
from .schema import OPTIONAL_TABLES, TABLES, SourceFile

#: The tables of a figures folder: ``figures`` (required there) and ``averages`` (optional).
FIGURE_TABLES: tuple[str, ...] = ("figures", "averages")
#: Count columns a figures table must have (a cell may be blank: not known).
FIGURE_COUNT_COLUMNS: tuple[str, ...] = (
    "decisions_total", "upheld", "not_upheld", "closed_after_initial_enquiries", "referred_back", "incomplete_invalid",
    "advice_given", "satisfactory_remedies", "compliance_outcomes", "complied",
)
#: Decision outcomes' columns: together at most ``decisions_total``.
OUTCOME_COLUMNS: tuple[str, ...] = FIGURE_COUNT_COLUMNS[1:7]
#: Other names accepted for a column (the issue's or a published spreadsheet's) -> the project's name.
COLUMN_ALIASES: dict[str, str] = {
    "authority_code": "authority", "council": "authority", "investigated": "detailed_investigations",
    "uphold_rate": "upheld_rate", "council_name": "authority_name",
}
#: Rate columns of the averages table (fractions once read) and its per-100,000 column.
AVERAGE_RATE_COLUMNS: tuple[str, ...] = ("upheld_rate", "compliance_rate", "satisfactory_remedy_rate")
AVERAGE_COLUMNS: tuple[str, ...] = ("year", "authority_type", *AVERAGE_RATE_COLUMNS, "upheld_per_100k")
_WHOLE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:\.0*)?")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def optional_count_columns(categories: tuple[str, ...] = definitions.CATEGORIES) -> tuple[str, ...]:
    """Count columns a figures table may have: received (total and by category), late and not complied, investigations."""
    return (
        "received_total", *(f"received_{definitions.snake_case(c)}" for c in categories),
        "complied_late", "not_complied", "detailed_investigations",
    )


def figure_columns(categories: tuple[str, ...] = definitions.CATEGORIES) -> tuple[str, ...]:
    """Every column of a figures table, in the template's order (``authority_name`` is there for people, and checked)."""
    return ("year", "authority", "authority_name", *FIGURE_COUNT_COLUMNS, *optional_count_columns(categories))


@dataclass(frozen=True, eq=False)
class FiguresData:
    """A figures folder, loaded: what ``inputs.load`` returns for it (``counting.count_cases`` counts it).

    ``figures``: one row per (year, authority_code), the columns of ``figure_columns``
    but ``authority``/``authority_name`` (float64, NaN: not known; a column the file
    did not have is all NaN). ``averages``: (year, authority_type, upheld_rate,
    compliance_rate, satisfactory_remedy_rate as fractions, upheld_per_100k, and
    ``row``: the file's row), NaN where not published; None without the table.
    """

    figures: pd.DataFrame
    averages: pd.DataFrame | None = None
    sources: list[SourceFile] = field(default_factory=list)
    is_sample: bool = False
    years: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The case tables' optional tables do not exist for figures (the same attributes as ``CaseData``).
    reports: None = None
    remedies: None = None
    kind: str = "figures"


# --------------------------------------------------------------------------- the folder


def folder_problems(case_files: dict[str, Path], figure_files: dict[str, Path]) -> list[Problem]:
    """Why a folder holding a figures or averages table cannot be read as one (mixed with case tables, averages alone)."""
    if case_files:
        names = ", ".join(p.name for p in case_files.values())
        given = ", ".join(p.name for p in figure_files.values())
        return [Problem(
            next(iter(figure_files.values())).name, None, None,
            f"this folder holds both case tables ({names}) and council-level figures ({given}); a data folder holds one "
            "or the other: move the figures (and averages) to a folder of their own",
        )]
    if "figures" not in figure_files:
        return [Problem(
            figure_files["averages"].name, None, None,
            "an averages table is read only beside a figures table (figures.csv or figures.xlsx), which is missing; "
            f"add the figures, or give the case tables ({', '.join(f'{t}.csv' for t in TABLES)}) instead",
        )]
    return []


def load_figures_folder(
    data_dir: Path, case_files: dict[str, Path], figure_files: dict[str, Path], problems: list[Problem],
    categories: tuple[str, ...] = definitions.CATEGORIES,
) -> FiguresData:
    """Load a figures folder (``problems``: those found finding its files); raise ``CaseDataError`` listing every problem."""
    problems = list(problems)
    if figure_files:
        problems += folder_problems({t: p for t, p in case_files.items() if t in (*TABLES, *OPTIONAL_TABLES)}, figure_files)
    if problems or "figures" not in figure_files:
        raise CaseDataError(problems, data_dir)
    warnings: list[str] = []
    register = Register()
    figures, found = read_figures(figure_files["figures"], register, categories, warnings)
    problems += found
    averages = None
    if "averages" in figure_files:
        averages, found = read_averages(figure_files["averages"], warnings)
        problems += found
    if problems or figures is None:
        raise CaseDataError(problems, data_dir)
    return FiguresData(
        figures=figures,
        averages=averages,
        sources=[SourceFile(table, path, sha256_file(path)) for table, path in figure_files.items()],
        years=sorted(int(y) for y in figures["year"].unique()),
        warnings=warnings,
    )


# --------------------------------------------------------------------------- columns and cells


def _header_positions(
    raw: RawTable, label: str, known: tuple[str, ...], required: tuple[str, ...], table: str,
) -> tuple[dict[str, int], list[Problem]]:
    """Column name (aliases mapped) -> position; unknown columns named with the nearest known name; missing required ones."""
    if (title := _title_above_header(raw, label, known)) is not None:
        return {}, [title]
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for position, name in enumerate(raw.header):
        key = "_".join(name.strip().lower().split())
        key = COLUMN_ALIASES.get(key, key)
        if not key:
            if (raw.cells[position].astype(str).str.strip() != "").any():
                problems.append(Problem(label, raw.header_row, None, f"column {position + 1} has values but no name in the header row"))
        elif key in positions:
            problems.append(Problem(label, raw.header_row, key, f"column {shown(name.strip())} appears twice in the header row; keep one"))
        elif key in known:
            positions[key] = position
        else:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6) if len(key) <= SUGGEST_MAX_LENGTH else []
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(
                label, raw.header_row, name.strip()[:SUGGEST_MAX_LENGTH],
                f"unknown column {shown(name.strip())}{hint}; the {table} table's columns are: {', '.join(known)}",
            ))
    problems += [
        Problem(label, raw.header_row, name, f"missing column '{name}'; the {table} table needs the columns: {', '.join(required)} (a cell may be blank: not known)")
        for name in required if name not in positions
    ]
    return positions, problems


def _title_above_header(raw: RawTable, label: str, known: tuple[str, ...]) -> Problem | None:
    """A title row above the header (a published spreadsheet's layout): say which row holds the column names."""
    key = lambda text: COLUMN_ALIASES.get("_".join(str(text).strip().lower().split()), "_".join(str(text).strip().lower().split()))  # noqa: E731
    if {key(name) for name in raw.header} & set(known):
        return None
    for position in range(min(10, len(raw.cells))):
        if len({key(value) for value in raw.cells.iloc[position]} & set(known)) >= 2:
            found = int(raw.rows[position])
            return Problem(
                label, raw.header_row, None,
                f"row {raw.header_row} is not the header: the column names are on row {found}; delete the "
                f"{found - raw.header_row} row(s) above them (or start each with #) so that the header comes first",
            )
    return None


def whole_count(text: str) -> tuple[float, str | None]:
    """A count cell: (value, None), NaN for a blank cell; (NaN, why) when it is not a whole number of at least 0."""
    text = text.strip()
    if not text:
        return np.nan, None
    if _WHOLE.fullmatch(text):
        return float(text.replace(",", "")), None
    if _NUMBER.fullmatch(text.replace(",", "")):
        value = float(text.replace(",", ""))
        return np.nan, ("a count cannot be negative" if value < 0 else "a count is a whole number")
    return np.nan, "not a number; write the count in digits, or leave the cell blank when it is not known"


def _year_cell(text: str) -> tuple[int | None, str | None]:
    try:
        return definitions.parse_year(text.strip()), None
    except ValueError as error:
        return None, f"{error}" if text.strip() else "the year is empty; write the year ending March (2024) or its span ('2023-24')"


# --------------------------------------------------------------------------- the figures table


def read_figures(
    path: Path, register: Register, categories: tuple[str, ...], warnings: list[str],
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The figures table of ``path`` checked (module docstring), as ``FiguresData.figures``; None with the problems."""
    problems: list[Problem] = []
    known = figure_columns(categories)
    raw = read_raw(path, path.name, problems, "figures", warnings, known_columns=frozenset(known) | frozenset(COLUMN_ALIASES))
    if raw is None:
        return None, problems
    positions, found = _header_positions(raw, path.name, known, ("year", "authority", *FIGURE_COUNT_COLUMNS), "figures")
    if found:
        return None, problems + found
    if len(raw.rows) == 0:
        return None, [Problem(path.name, None, None, "the figures table has a header but no rows; give one row per council and year")]
    cell = lambda column, i: str(raw.cells.iat[i, positions[column]]) if column in positions else ""  # noqa: E731
    counts = [c for c in known[3:]]
    records = []
    for i, row in enumerate(raw.rows.tolist()):
        year, why = _year_cell(cell("year", i))
        if why:
            problems.append(Problem(path.name, row, "year", why))
        record: dict[str, object] = {"year": year}
        for column in counts:
            record[column], why = whole_count(cell(column, i))
            if why:
                problems.append(Problem(path.name, row, column, f"{shown(cell(column, i).strip())}: {why}"))
        records.append(record)
    frame = pd.DataFrame(records, columns=["year", *counts])
    codes, found = _figure_councils(raw, positions, frame, path.name, register)
    problems += found
    frame.insert(1, "authority_code", codes)
    problems += _consistency_problems(frame, raw.rows, path.name, categories)
    problems += _repeated_rows(frame, raw.rows, path.name)
    if problems:
        return None, sort_problems(problems)
    frame["year"] = frame["year"].astype("int64")
    frame = frame.sort_values(["year", "authority_code"], kind="stable").reset_index(drop=True)
    return frame, []


def _figure_councils(
    raw: RawTable, positions: dict[str, int], frame: pd.DataFrame, label: str, register: Register,
) -> tuple[list[object], list[Problem]]:
    """Each row's GSS code; unknown councils, councils outside the row's year and names of another council are problems."""
    texts = raw.cells[positions["authority"]].astype(str).str.strip().reset_index(drop=True)
    codes = register.resolve(texts)
    names = raw.cells[positions["authority_name"]].astype(str).str.strip().reset_index(drop=True) if "authority_name" in positions else None
    named = register.resolve(names.where(names != "", "\x00")) if names is not None else None
    periods = register.periods.drop_duplicates("authority_code", keep="last").set_index("authority_code")
    problems: list[Problem] = []
    for i, row in enumerate(raw.rows.tolist()):
        code, text = codes.iat[i], texts.iat[i]
        if not text:
            problems.append(Problem(label, row, "authority", "the authority is empty; give the council's GSS code (e.g. E07000192) or its name"))
            continue
        if pd.isna(code):
            close = register.suggest(text) if len(text) <= SUGGEST_MAX_LENGTH else []
            hint = "; closest register names: " + ", ".join(f"'{s}'" for s in close) if close else ""
            problems.append(Problem(label, row, "authority", f"unknown authority {shown(text)}: not a GSS code or council name in the register{hint}"))
            continue
        if named is not None and pd.notna(named.iat[i]) and named.iat[i] != code:
            problems.append(Problem(
                label, row, "authority_name",
                f"{shown(names.iat[i])} is another council than {shown(text)} ({code}); correct either cell (were the rows sorted by one column only?)",
            ))
        year = frame["year"].iat[i]
        if pd.notna(year) and (why := _outside_year(periods.loc[code], code, int(year), frame.iloc[i])) is not None:
            problems.append(Problem(label, row, "authority", why))
    return codes.tolist(), problems


def _outside_year(period: pd.Series, code: str, year: int, record: pd.Series) -> str | None:
    """Why a council's row cannot be in ``year`` (not yet created; a former council with received complaints); None when it can."""
    end_of_year = pd.Timestamp(definitions.year_end(year))
    head = f"{period['authority_name']} ({code})"
    if pd.notna(period["start_date"]) and period["start_date"] > end_of_year:
        return f"{head} is not in the register for the year ending 31 March {year}: it was created on {period['start_date']:%Y-%m-%d}"
    if pd.isna(period["end_date"]) or period["end_date"] >= end_of_year:
        return None
    received = [c for c in record.index if c.startswith("received_") and pd.notna(record[c]) and record[c] > 0]
    if not received:
        return None  # a former council's legacy row: decisions on complaints made before it ceased
    successor = " or ".join(period["successors"]) or "its successor council"
    return (
        f"{head} was abolished on {period['end_date']:%Y-%m-%d}, before the year ending 31 March {year}: a former council's row "
        f"holds legacy decisions only, so {', '.join(received)} must be blank or 0; count complaints received in the year against {successor}"
    )


#: (the whole, its parts, what the parts are): the known parts together cannot exceed the whole.
_PART_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("decisions_total", ("upheld", "not_upheld"), "upheld + not upheld (the detailed investigations)"),
    ("decisions_total", OUTCOME_COLUMNS, "the six decision outcomes together"),
    ("upheld", ("satisfactory_remedies",), "satisfactory remedies (a share of the upheld decisions)"),
    ("compliance_outcomes", ("complied", "complied_late"), "complied + complied late"),
    ("compliance_outcomes", ("complied", "complied_late", "not_complied"), "complied + complied late + not complied"),
)


def _consistency_problems(frame: pd.DataFrame, rows: np.ndarray, label: str, categories: tuple[str, ...]) -> list[Problem]:
    """Parts that exceed their whole (``_PART_RULES``, received categories), and a ``detailed_investigations`` that is not upheld + not upheld."""
    rules = (*_PART_RULES, ("received_total", tuple(f"received_{definitions.snake_case(c)}" for c in categories), "the received categories together"))
    problems: list[Problem] = []
    for i, row in enumerate(rows.tolist()):
        record = frame.iloc[i]
        reported: set[str] = set()
        for whole, parts, what in rules:
            total, known = record[whole], [record[p] for p in parts if pd.notna(record[p])]
            if pd.notna(total) and known and sum(known) > total and whole not in reported:
                reported.add(whole)
                problems.append(Problem(label, row, whole, f"{what} make {int(sum(known))}, more than {whole} ({int(total)}); they cannot exceed it: check these cells"))
        investigated = record["upheld"] + record["not_upheld"]
        if pd.notna(record["detailed_investigations"]) and pd.notna(investigated) and record["detailed_investigations"] != investigated:
            problems.append(Problem(
                label, row, "detailed_investigations",
                f"detailed_investigations ({int(record['detailed_investigations'])}) is not upheld + not upheld ({int(investigated)}); "
                "correct it, or leave the column out (it is worked out)",
            ))
    return problems


def _repeated_rows(frame: pd.DataFrame, rows: np.ndarray, label: str) -> list[Problem]:
    known = frame["year"].notna() & frame["authority_code"].notna()
    keys = frame.loc[known, ["year", "authority_code"]].astype(str).agg("|".join, axis=1)
    first = pd.Series(rows[known.to_numpy()], index=keys.index).groupby(keys.to_numpy()).transform("first")
    return [
        Problem(label, int(rows[i]), "authority", f"{frame['authority_code'].iat[i]} is given twice for the year ending 31 March {int(frame['year'].iat[i])} (also on row {int(first[i])}); keep one row per council and year")
        for i in keys.index[keys.duplicated().to_numpy()]
    ]


# --------------------------------------------------------------------------- the averages table


def published_rate(text: str) -> tuple[float, str | None]:
    """A published rate cell (``89``, ``89%``, ``99.5%``, blank) as a fraction; (NaN, why) when it cannot be one."""
    text = text.strip()
    if not text:
        return np.nan, None
    number = text[:-1].strip() if text.endswith("%") else text
    if not _NUMBER.fullmatch(number):
        return np.nan, "not a rate; write it as published (89 or 89%), or leave the cell blank when it is not published"
    value = float(number)
    if not text.endswith("%") and 0 < value < 1:
        return np.nan, (
            f"{shown(text)} is ambiguous: a percentage under 1% or a fraction ({value:.0%})? Write it as a percentage "
            f"({value * 100:g}%), or with a % sign when it is under one per cent"
        )
    if not 0 <= value <= 100:
        return np.nan, "a rate is between 0% and 100%"
    return value / 100, None


def _per_100k(text: str) -> tuple[float, str | None]:
    text = text.strip()
    if not text:
        return np.nan, None
    if not _NUMBER.fullmatch(text) or float(text) < 0:
        return np.nan, "upheld decisions per 100,000 residents is a number of at least 0 (e.g. 6.2), or blank when not published"
    return float(text), None


def read_averages(path: Path, warnings: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The averages table (module docstring): one row per (year, authority_type), rates as fractions."""
    problems: list[Problem] = []
    raw = read_raw(path, path.name, problems, "averages", warnings, known_columns=frozenset(AVERAGE_COLUMNS) | {"uphold_rate"})
    if raw is None:
        return None, problems
    positions, found = _header_positions(raw, path.name, AVERAGE_COLUMNS, AVERAGE_COLUMNS, "averages")
    if found:
        return None, problems + found
    types = {key: name for name in definitions.AUTHORITY_TYPES for key in (name.casefold(), name.casefold() + "s")}
    records, seen = [], {}
    for i, row in enumerate(raw.rows.tolist()):
        cell = lambda column: str(raw.cells.iat[i, positions[column]])  # noqa: E731
        year, why = _year_cell(cell("year"))
        problems += [Problem(path.name, row, "year", why)] if why else []
        kind = types.get(" ".join(cell("authority_type").split()).casefold())
        if kind is None:
            problems.append(Problem(path.name, row, "authority_type", f"unknown council type {shown(cell('authority_type').strip())}; the types are: {', '.join(definitions.AUTHORITY_TYPES)}"))
        elif (year, kind) in seen:
            problems.append(Problem(path.name, row, "authority_type", f"{kind} is given twice for {year} (also on row {seen[(year, kind)]}); keep one row per type and year"))
        seen.setdefault((year, kind), row)
        record: dict[str, object] = {"year": year, "authority_type": kind, "row": row}
        for column in AVERAGE_COLUMNS[2:]:
            record[column], why = (published_rate if column in AVERAGE_RATE_COLUMNS else _per_100k)(cell(column))
            problems += [Problem(path.name, row, column, why)] if why else []
        records.append(record)
    if problems:
        return None, sort_problems(problems)
    frame = pd.DataFrame(records, columns=[*AVERAGE_COLUMNS, "row"])  # the file's row, for problems found later
    frame["year"] = frame["year"].astype("int64")
    return frame.sort_values(["year", "authority_type"], kind="stable").reset_index(drop=True), []


# --------------------------------------------------------------------------- a template for an office to fill in


def figures_template(year: int | str, categories: tuple[str, ...] = definitions.CATEGORIES) -> pd.DataFrame:
    """An empty figures table for ``year``: one row per council of its register (year, code, name), every count blank."""
    from .. import register

    year = definitions.parse_year(year)
    councils = register.councils_for_year(year)
    frame = pd.DataFrame({column: "" for column in figure_columns(categories)}, index=range(len(councils)))
    frame["year"] = str(year)
    frame["authority"] = councils["authority_code"].to_numpy()
    frame["authority_name"] = councils["authority_name"].to_numpy()
    return frame


def write_figures_template(year: int | str, out: Path | str, categories: tuple[str, ...] = definitions.CATEGORIES) -> Path:
    """Write ``figures_template(year)`` to ``out`` (.csv, UTF-8; or .xlsx, one sheet named 'figures'), atomically."""
    from .. import atomic

    out = Path(out)
    frame = figures_template(year, categories)
    if out.suffix.lower() == ".xlsx":
        return atomic.write_with(out, lambda tmp: _write_xlsx(frame, tmp))
    if out.suffix.lower() != ".csv":
        raise ValueError(f"{out.name}: the template is written as .csv or .xlsx; name the file figures.csv or figures.xlsx")
    return atomic.write_text(out, frame.to_csv(index=False, lineterminator="\n"))


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "figures"
    sheet.append(list(frame.columns))
    for values in frame.itertuples(index=False):
        sheet.append([int(values[0]), *(value if value != "" else None for value in values[1:])])
    sheet.freeze_panes = "D2"
    book.save(path)
