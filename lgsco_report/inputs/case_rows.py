"""Checks on the rows of one case table: columns, references, dates, councils and labels.

Every problem is gathered (file, row, column, what is wrong and how to fix it);
a valid row is never dropped silently. A case reference is up to 40 letters,
digits, spaces, hyphens or slashes; Excel numbers in ``case_ref`` are read as
text. A council must exist in the register on the row's date.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import definitions
from ..errors import CaseDataError
from .cross_checks import legacy_problems
from .parsing import (
    match_labels,
    parse_date_column,
    yes_no_column,
)
from .problems import (
    MAX_SUGGESTED,
    SUGGEST_MAX_LENGTH,
    Problem,
    clean_text,
    non_ascii_note,
    per_distinct,
    row_problems,
    shown,
    sort_problems,
)
from .readers import FILE_SUFFIXES, RawTable, read_raw
from .schema import (
    CASE_REF_PATTERN,
    DATE_COLUMN,
    KNOWN_COLUMN_NAMES,
    LEGACY_TABLES,
    LOADED_COLUMNS,
    OPTIONAL_TABLES,
    REPEATABLE_REFS,
    TABLE_COLUMNS,
    TABLES,
)


class Register:
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
    raw_values: pd.Series, dates: pd.Series, register: Register, label: str, rows: np.ndarray,
    after_end: list[pd.DataFrame] | None = None,
) -> tuple[pd.Series, list[Problem]]:
    """Resolve the authority column and check each council existed on the row's date.

    With ``after_end`` (decided and compliance tables), rows dated after their
    council was abolished are not problems here: they are appended to it
    (``AFTER_END_COLUMNS``) for ``cross_checks.legacy_problems``, which decides by
    when the complaint was received (a *legacy* decision of a former council).
    """
    problems: list[Problem] = []
    codes = register.resolve(raw_values)
    stripped = per_distinct(raw_values, lambda distinct: distinct.str.strip())
    empty = stripped.eq("").to_numpy()
    if empty.any():
        problems += row_problems(label, rows[empty], "authority", "the authority is empty; give the council's GSS code (e.g. E07000192) or its name")
    unknown = (codes.isna().to_numpy()) & ~empty
    if unknown.any():
        messages = {}
        for number, value in enumerate(pd.unique(stripped[unknown])):
            suggestions = register.suggest(value) if number < MAX_SUGGESTED and len(value) <= SUGGEST_MAX_LENGTH else []
            hint = "; closest register names: " + ", ".join(f"'{s}'" for s in suggestions) if suggestions else ""
            messages[value] = (
                f"unknown authority {shown(value)}: not a GSS code or council name in the register{hint}"
                f"{non_ascii_note(value[:SUGGEST_MAX_LENGTH])}"
            )
        problems += row_problems(label, rows[unknown], "authority", stripped[unknown].map(messages))

    check = pd.DataFrame({"position": np.arange(len(codes)), "authority_code": codes.to_numpy(), "date": dates.to_numpy()})
    check = check[check["authority_code"].notna() & check["date"].notna()]
    if not check.empty:
        merged = check.merge(register.periods, on="authority_code", how="inner")
        existed = (merged["start_date"].isna() | (merged["start_date"] <= merged["date"])) & (
            merged["end_date"].isna() | (merged["end_date"] >= merged["date"])
        )
        existed_any = existed.groupby(merged["position"]).any()
        missing_positions = existed_any.index[~existed_any.to_numpy()]
        if len(missing_positions) and after_end is not None:
            missing_positions = _set_aside_after_end(merged, missing_positions, rows, after_end)
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
            problems += row_problems(label, rows[missing_positions.to_numpy()], "authority", pd.Series(messages))
    return codes, problems


#: Columns of the rows ``_check_authorities`` sets aside as dated after their council's end.
AFTER_END_COLUMNS: tuple[str, ...] = ("position", "row", "authority_code", "authority_name", "date", "end_date", "successors")


def _set_aside_after_end(merged: pd.DataFrame, positions: pd.Index, rows: np.ndarray, after_end: list[pd.DataFrame]) -> pd.Index:
    """Move the rows dated after their council's (one) end date into ``after_end``; return the positions left."""
    first = merged.drop_duplicates("position").set_index("position").loc[positions]
    later = (first["end_date"].notna() & (first["date"] > first["end_date"])).to_numpy()
    if later.any():
        chosen = first[later].reset_index()
        chosen["row"] = rows[chosen["position"].to_numpy()]
        after_end.append(chosen.loc[:, list(AFTER_END_COLUMNS)])
    return positions[~later]


_ANY_BAD_REF = re.compile(r"[^A-Za-z0-9 /\-\n]|(?:^|\n)[ /\-]")


def _well_formed_refs(refs: pd.Series) -> np.ndarray:
    """Whether each (stripped) reference matches ``CASE_REF_PATTERN``; empty ones count as well formed here.

    One regular-expression pass over all references joined by newlines settles
    the usual case (all fine) in milliseconds; only otherwise is each one checked.
    """
    values = refs.to_numpy(dtype=object)
    longest = max(map(len, values), default=0)
    if longest <= 40 and not _ANY_BAD_REF.search("\n".join(values)):
        return np.ones(len(values), dtype=bool)
    matched = refs.str.fullmatch(CASE_REF_PATTERN).fillna(False).astype(bool).to_numpy()
    return matched | (refs.to_numpy(dtype=object) == "")


def _header_further_down(raw: RawTable, table: str, label: str) -> Problem | None:
    """A title row above the header (a common spreadsheet layout): say which row holds the column names."""
    expected = set(TABLE_COLUMNS[table])
    if {name.strip().lower() for name in raw.header} & expected:
        return None
    for position in range(min(10, len(raw.cells))):
        names = {str(value).strip().lower() for value in raw.cells.iloc[position]}
        if len(names & expected) >= 2:
            found = int(raw.rows[position])
            above = found - raw.header_row
            return Problem(
                label, raw.header_row, None,
                f"row {raw.header_row} is not the header: the column names are on row {found}; delete the "
                f"{above} row(s) above them (or start each with #) so that the header comes first",
            )
    return None


def _check_columns(raw: RawTable, table: str, label: str) -> tuple[dict[str, int], list[Problem]]:
    """Map expected column -> position; missing, extra, unnamed and repeated columns are problems."""
    expected = TABLE_COLUMNS[table]
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    for position, name in enumerate(raw.header):
        key = name.strip().lower()
        label_name = clean_text(name.strip())
        column_values = raw.cells[position]
        if key == "":
            if (column_values.astype(str).str.strip() != "").any():
                problems.append(Problem(label, raw.header_row, None, f"column {position + 1} has values but no name in the header row"))
            continue
        if key in positions:
            problems.append(Problem(label, raw.header_row, label_name, f"column {shown(name.strip())} appears twice in the header row; keep one"))
            continue
        if key in expected:
            positions[key] = position
        else:
            close = difflib.get_close_matches(key, expected, n=1, cutoff=0.6) if len(key) <= SUGGEST_MAX_LENGTH else []
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                Problem(label, raw.header_row, label_name, f"unexpected column {shown(name.strip())}{hint}; the {table} table has exactly the columns: {', '.join(expected)}{non_ascii_note(name[:SUGGEST_MAX_LENGTH])}")
            )
    for name in expected:
        if name not in positions:
            problems.append(
                Problem(label, raw.header_row, name, f"missing column '{name}'; the {table} table needs the columns: {', '.join(expected)}")
            )
    return positions, problems


def _validate(
    raw: RawTable, table: str, label: str, register: Register, categories: tuple[str, ...], after_end: list[pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """The table's columns checked and converted (``LOADED_COLUMNS``), with every problem; each row's checks in column order."""
    positions, problems = _check_columns(raw, table, label)
    rows = raw.rows
    if len(rows) == 0 and table not in OPTIONAL_TABLES:  # an empty optional table means "none this time"
        problems.append(Problem(label, None, None, "the table has a header but no data rows"))
    columns = {name: raw.cells[position].astype(object).reset_index(drop=True) for name, position in positions.items()}
    out: dict[str, pd.Series] = {}
    if "case_ref" in columns:
        out["case_ref"], found = _check_refs(columns["case_ref"], table, label, rows)
        problems += found
    date_column = DATE_COLUMN[table]
    dates = pd.Series(pd.NaT, index=range(len(rows)), dtype="datetime64[ns]")
    if date_column in columns:
        dates, found = parse_date_column(columns[date_column], label, rows, date_column)
        problems += found
        out[date_column] = dates
    if "authority" in columns:
        out["authority_code"], found = _check_authorities(columns["authority"], dates, register, label, rows, after_end)
        problems += found
    labels, found = _check_labels(columns, table, categories, label, rows)
    out.update(labels)
    problems += found
    for column in ("due_date", "completed_date"):
        if column in columns:
            out[column], found = parse_date_column(columns[column], label, rows, column, may_be_empty=column == "completed_date")
            problems += found
    if "remedy_by_authority" in columns:
        out["remedy_by_authority"], found = _check_remedy_flag(columns["remedy_by_authority"], out.get("outcome"), label, rows)
        problems += found
    frame = pd.DataFrame({name: out[name] for name in LOADED_COLUMNS[table] if name in out})
    return frame, problems


def _check_refs(texts: pd.Series, table: str, label: str, rows: np.ndarray) -> tuple[pd.Series, list[Problem]]:
    """Case references, stripped: empty, malformed or (where a case appears once) repeated ones are problems."""
    refs = texts.str.strip()
    empty = refs.eq("").to_numpy()
    problems = row_problems(label, rows[empty], "case_ref", "the case reference is empty")
    well_formed = _well_formed_refs(refs)
    malformed = ~well_formed & ~empty
    if malformed.any():
        problems += row_problems(
            label, rows[malformed], "case_ref",
            per_distinct(refs[malformed], lambda distinct: distinct.map(shown)).map(
                lambda quoted: f"case_ref {quoted} is not a case reference: use up to 40 letters, digits, spaces, "
                "hyphens or slashes (e.g. 19 000 001)"
            ) + per_distinct(refs[malformed], lambda distinct: distinct.str.slice(0, SUGGEST_MAX_LENGTH).map(non_ascii_note)),
        )
    repeated = refs.duplicated(keep="first").to_numpy() & ~empty & well_formed & (table not in REPEATABLE_REFS)
    if repeated.any():
        first_row = pd.Series(rows).groupby(refs.to_numpy()).transform("first").to_numpy()
        messages = "case_ref '" + refs[repeated] + "' is repeated: it is also on row " + pd.Series(first_row[repeated], index=refs.index[repeated]).astype(str) + "; each case appears once in a table"
        problems += row_problems(label, rows[repeated], "case_ref", messages)
    return refs, problems


def _check_labels(
    columns: dict[str, pd.Series], table: str, categories: tuple[str, ...], label: str, rows: np.ndarray
) -> tuple[dict[str, pd.Series], list[Problem]]:
    """The label columns the table has (category, outcome, kind, remedy type), matched to their canonical labels."""
    outcomes = definitions.DECISION_OUTCOMES if table == "decided" else definitions.COMPLIANCE_OUTCOMES
    rules = (
        ("category", categories, "category"),
        ("outcome", outcomes, f"{table} outcome"),
        ("kind", definitions.REPORT_KINDS, "report kind"),
        ("remedy_type", definitions.REMEDY_TYPES, "remedy type"),
    )
    matched: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for column, allowed, what in rules:
        if column in columns:
            matched[column], found = match_labels(columns[column], allowed, label, rows, column, what)
            problems += found
    return matched, problems


def _check_remedy_flag(texts: pd.Series, outcomes: pd.Series | None, label: str, rows: np.ndarray) -> tuple[pd.Series, list[Problem]]:
    """``remedy_by_authority`` as a bool; it must be yes or no, and given for an upheld case."""
    remedy, empty, problems = yes_no_column(texts, label, rows, "remedy_by_authority")
    if outcomes is not None:
        empty_upheld = empty & outcomes.eq(definitions.UPHELD).to_numpy()
        problems += row_problems(
            label, rows[empty_upheld], "remedy_by_authority",
            "remedy_by_authority is empty for an upheld case; write yes if the council had already offered a suitable remedy, otherwise no",
        )
    return remedy, problems


def load_table_file(
    path: Path, table: str, register: Register, categories: tuple[str, ...], warnings: list[str] | None = None,
    after_end: list[pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame | None, np.ndarray, bool, list[Problem]]:
    """(validated frame, each row's spreadsheet row number, is_sample, problems); frame None when unreadable.

    ``after_end``: see ``_check_authorities`` (rows dated after their council's end, left to the caller).
    """
    problems: list[Problem] = []
    raw = read_raw(path, path.name, problems, table, warnings, known_columns=KNOWN_COLUMN_NAMES)
    no_rows = np.array([], dtype=np.int64)
    if raw is None:
        return None, no_rows, False, problems
    if (misplaced := _header_further_down(raw, table, path.name)) is not None:
        return None, no_rows, raw.is_sample, problems + [misplaced]
    frame, found = _validate(raw, table, path.name, register, categories, after_end)
    return frame, raw.rows, raw.is_sample, problems + found


#: (earlier table, later table, rule): a case's date in the later table cannot come before its date in the earlier one.


def read_table(path: Path | str, table_name: str, categories: tuple[str, ...] = definitions.CATEGORIES) -> pd.DataFrame:
    """Load and validate one table file (``table_name`` is received, decided or compliance)."""
    if table_name not in TABLE_COLUMNS:
        raise ValueError(f"unknown table {table_name!r}; expected one of {', '.join(TABLES)}")
    path = Path(path)
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise CaseDataError([Problem(path.name, None, None, "tables must be .csv or .xlsx files")], path.parent)
    after_end: list[pd.DataFrame] = []
    frame, rows, _, problems = load_table_file(path, table_name, Register(), tuple(categories), None, after_end if table_name in LEGACY_TABLES else None)
    if after_end and frame is not None:
        problems += legacy_problems({table_name: pd.concat(after_end, ignore_index=True)}, {table_name: frame}, {table_name: rows}, {table_name: path})[0]
    if problems or frame is None:
        raise CaseDataError(sort_problems(problems), path.parent)
    return frame
