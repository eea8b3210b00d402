"""Cases to counts: for every council and year, how many cases of each kind it had.

Counting is the one part of the statistics that reads case rows. Everything a
letter prints is derived from its result, a :class:`Counts` (``stats.derive_statistics``:
rates, averages for similar councils, national totals), so another input, such as
a table of council-level counts or a published spreadsheet, only has to produce
a ``Counts``: ``counts_from_table`` does that for a table that already holds the
counts. The rules (which year a case falls in, which cases are counted where,
cases outside the register) are in the ``stats`` module docstring.

Why this module holds the count columns' names: the counts table is their
definition, and ``stats`` (which derives from it) imports them from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import metrics
from .definitions import (
    AUTHORITY_TYPES,
    CATEGORIES,
    COMPLIANCE_OUTCOMES,
    DECISION_OUTCOMES,
    FURTHER_REPORT,
    NOT_UPHELD,
    PUBLIC_INTEREST_REPORT,
    REMEDY_TYPES,
    SERVICE_IMPROVEMENT_TYPES,
    UPHELD,
    financial_year,
    snake_case,
)
from .errors import CaseDataError
from .inputs.problems import Problem
from .inputs.schema import DATE_COLUMN, LEGACY_TABLES, LOADED_COLUMNS, OPTIONAL_TABLES, TABLES


#: Decision outcome label -> published column name (declared in the metrics registry).
DECISION_COLUMNS: dict[str, str] = metrics.label_columns("decided")

#: Compliance outcome label -> column name (declared in the metrics registry).
COMPLIANCE_COLUMNS: dict[str, str] = metrics.label_columns("compliance")

#: Columns of ``Statistics.by_category`` after ``year`` and ``category``.
CATEGORY_COUNT_COLUMNS: tuple[str, ...] = ("received", "decisions", "upheld", "not_upheld", "detailed_investigations")

#: Extra columns of ``Statistics.councils`` beyond the published table.
COUNCIL_EXTRA_COLUMNS: tuple[str, ...] = ("short_name", "region", "lat", "long")

_REQUIRED_REGISTER_COLUMNS = ("authority_code", "authority_name", "authority_type", "population")
#: The register's columns at the head of ``Counts.councils``, before the counts.
REGISTER_COLUMNS: tuple[str, ...] = ("year", *_REQUIRED_REGISTER_COLUMNS, *COUNCIL_EXTRA_COLUMNS)

#: Report kind label -> column name.
REPORT_COLUMNS: dict[str, str] = {PUBLIC_INTEREST_REPORT: "public_interest_reports", FURTHER_REPORT: "further_reports"}
#: Remedy type label -> column name (``remedies_<snake_case(type)>``).
REMEDY_COLUMNS: dict[str, str] = {label: f"remedies_{snake_case(label)}" for label in REMEDY_TYPES}
#: Count columns there are only when the reports table is given, in order.
REPORT_COUNT_COLUMNS: tuple[str, ...] = ("public_reports", *REPORT_COLUMNS.values())
#: Count columns there are only when the remedies table is given, in order.
REMEDY_COUNT_COLUMNS: tuple[str, ...] = (
    "remedies_total", *REMEDY_COLUMNS.values(), "service_improvements", "remedies_completed_late", "remedies_overdue",
    "remedies_due_or_done",
)
#: The label column each case table is counted by.
_COUNTED_BY = {"received": "category", "decided": "outcome", "compliance": "outcome"}


def received_columns(categories: Sequence[str] = CATEGORIES) -> list[str]:
    """``received_<snake_case(category)>`` for each category, in the given order (from the metrics registry)."""
    return [m.column for m in metrics.all_metrics(categories) if m.source == "received" and m.label is not None]


def count_columns(categories: Sequence[str] = CATEGORIES) -> list[str]:
    """Every integer count column of the council, type and national tables (``metrics.count_columns``)."""
    return metrics.count_columns(categories)


@dataclass(eq=False)
class Counts:
    """Every count the statistics are derived from, for every council and year.

    ``councils``: one row per council in each year's register (sorted by year,
    then register order): ``REGISTER_COLUMNS``, then ``count_columns(categories)``,
    then ``REPORT_COUNT_COLUMNS`` / ``REMEDY_COUNT_COLUMNS`` when those tables were
    given. ``unassigned``: (year, table, authority_code, count) of the cases
    outside that year's register. ``by_category``: (year, category) rows with
    ``CATEGORY_COUNT_COLUMNS`` (decision columns missing when unknown).
    """

    councils: pd.DataFrame
    unassigned: pd.DataFrame
    years: list[int]
    categories: tuple[str, ...] = CATEGORIES
    by_category: pd.DataFrame = field(default_factory=lambda: empty_category_frame())
    has_reports: bool = False
    has_remedies: bool = False
    #: Every public report with its year and council name (None without the reports table).
    report_list: pd.DataFrame | None = None
    is_sample: bool = False
    #: Where the counts came from: (table, path, sha256) of each input file, as plain dicts.
    sources: tuple[dict[str, str], ...] = ()
    #: ``"cases"`` (counted from case tables) or ``"figures"`` (a council-level figures table: count
    #: columns float64, NaN where not known, and a ``has_figures`` column).
    kind: str = "cases"
    #: The published averages of a figures folder (``inputs.FiguresData.averages``), None otherwise.
    averages: pd.DataFrame | None = None


RegisterFunction = Callable[[int], pd.DataFrame]


def is_former(councils: pd.DataFrame) -> pd.Series:
    """Which rows of ``Counts.councils`` are former councils' legacy rows (all False without a ``former`` column).

    The statistics count them in national totals, the pack and the index, but not
    in type averages or letters.
    """
    if "former" not in councils.columns:
        return pd.Series(False, index=councils.index)
    return councils["former"].astype(bool)


def has_figures(councils: pd.DataFrame) -> pd.Series:
    """Which rows of ``Counts.councils`` have figures (all True for counted cases; False for a council
    a figures table has no row for, whose counts are then missing, not zero)."""
    if "has_figures" not in councils.columns:
        return pd.Series(True, index=councils.index)
    return councils["has_figures"].astype(bool)


def _default_register() -> RegisterFunction:
    from . import register  # imported late: the register module reads its data on first use

    return register.councils_for_year


def _default_former() -> Callable[[], pd.DataFrame]:
    from . import register

    return register.all_councils


# --------------------------------------------------------------------------- cases -> counts


def count_cases(cases: Any, register: RegisterFunction | None = None, categories: Sequence[str] | None = None) -> Counts:
    """Count the cases of every council in every year.

    ``cases`` is an ``inputs.CaseData`` or any object with ``received``,
    ``decided`` and ``compliance`` frames (``years``, ``is_sample``, ``sources``,
    ``reports`` and ``remedies`` are used when present). Years are those in
    ``cases.years`` plus any year a case date falls in. ``register`` maps a year
    to that year's councils (default ``register.councils_for_year``; each year is
    read once). ``categories`` defaults to ``definitions.CATEGORIES``.
    """
    if isinstance(getattr(cases, "figures", None), pd.DataFrame):
        return counts_from_figures(cases, register, categories)
    categories = tuple(categories) if categories is not None else CATEGORIES
    councils_for_year = register if register is not None else _default_register()
    tables = {name: _case_table(cases, name) for name in TABLES}
    case_years = {name: _years_of(tables[name], name) for name in TABLES}
    years = set(int(y) for y in (getattr(cases, "years", None) or []))
    for values in case_years.values():
        years.update(int(y) for y in pd.unique(values))
    years_sorted = sorted(years)
    register_rows = _register_rows(councils_for_year, years_sorted)
    if register is None:  # former councils are looked up in the real register only
        register_rows = _with_legacy_rows(register_rows, tables, case_years, _default_former())
    keys = _register_keys(register_rows)
    _check_labels(tables["received"]["category"], categories, "received", "category",
                  "pass the data's categories to compute_statistics(categories=...)")
    _check_labels(tables["decided"]["outcome"], DECISION_OUTCOMES, "decided", "outcome", None)
    _check_labels(tables["compliance"]["outcome"], COMPLIANCE_OUTCOMES, "compliance", "outcome", None)
    counts, unassigned_parts = _case_counts(tables, case_years, keys, categories)
    by_category = _category_counts(tables, case_years, keys, categories, years_sorted)
    optional = {name: getattr(cases, name, None) for name in OPTIONAL_TABLES}
    for name, counter in (("reports", _report_counts), ("remedies", _remedy_counts)):
        if optional[name] is not None:
            found, outside = counter(optional[name], keys)
            counts.update(found)
            unassigned_parts.append(outside)
    councils = register_rows.copy()
    for column, values in counts.items():
        councils[column] = values
    return Counts(
        councils=councils,
        unassigned=_sorted_unassigned(unassigned_parts),
        years=years_sorted,
        categories=categories,
        by_category=by_category,
        has_reports=optional["reports"] is not None,
        has_remedies=optional["remedies"] is not None,
        report_list=_report_list(optional["reports"], register_rows),
        is_sample=bool(getattr(cases, "is_sample", False)),
        sources=_plain_sources(getattr(cases, "sources", None)),
    )


def _register_keys(register_rows: pd.DataFrame) -> pd.MultiIndex:
    """(year, authority_code) of each register row: where each case is counted."""
    return pd.MultiIndex.from_arrays(
        [register_rows["year"].to_numpy(), register_rows["authority_code"].to_numpy()], names=["year", "authority_code"]
    )


def _case_counts(
    tables: dict[str, pd.DataFrame], case_years: dict[str, np.ndarray], keys: pd.MultiIndex, categories: Sequence[str]
) -> tuple[dict[str, np.ndarray], list[pd.DataFrame]]:
    """The ``count_columns`` per register row (aligned with ``keys``), and the unassigned cases of each table."""
    labels = {"received": categories, "decided": DECISION_OUTCOMES, "compliance": COMPLIANCE_OUTCOMES}
    by_label: dict[str, np.ndarray] = {}
    unassigned_parts = []
    for table in TABLES:
        by_label[table], part = _count_by_label(tables[table], case_years[table], _COUNTED_BY[table], labels[table], keys, table)
        unassigned_parts.append(part)
    received, decided, compliance = by_label["received"], by_label["decided"], by_label["compliance"]
    counts: dict[str, np.ndarray] = {"received_total": received.sum(axis=1)}
    for label_index, column in enumerate(received_columns(categories)):
        counts[column] = received[:, label_index]
    counts["decisions_total"] = decided.sum(axis=1)
    for label_index, column in enumerate(DECISION_COLUMNS.values()):
        counts[column] = decided[:, label_index]
    counts["detailed_investigations"] = counts["upheld"] + counts["not_upheld"]
    counts["satisfactory_remedies"] = _count_remedies(tables["decided"], case_years["decided"], keys)
    counts["compliance_outcomes"] = compliance.sum(axis=1)
    for label_index, column in enumerate(COMPLIANCE_COLUMNS.values()):
        counts[column] = compliance[:, label_index]
    return counts, unassigned_parts


def _sorted_unassigned(parts: list[pd.DataFrame]) -> pd.DataFrame:
    unassigned = pd.concat(parts, ignore_index=True)
    return unassigned.sort_values(["year", "table", "authority_code"], kind="stable").reset_index(drop=True)


def _counted_columns(name: str) -> list[str]:
    """The columns of the loaded table ``name`` that counting reads, in the table's order."""
    read = {"authority_code", DATE_COLUMN[name], _COUNTED_BY[name]} | ({"remedy_by_authority"} if name == "decided" else set())
    return [column for column in LOADED_COLUMNS[name] if column in read]


def _case_table(cases: Any, name: str) -> pd.DataFrame:
    """The case table ``name``, checked for the columns this module reads."""
    frame = getattr(cases, name, None)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"cases.{name} must be a pandas DataFrame (got {type(frame).__name__}); load it with lgsco_report.inputs.load")
    missing = [column for column in _counted_columns(name) if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} table is missing column(s) {', '.join(missing)}; load it with lgsco_report.inputs.load")
    return frame


def _years_of(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Financial year of each row's own date (int64); a missing date is an error."""
    date_column = DATE_COLUMN[name]
    if frame.empty:
        return np.empty(0, dtype="int64")
    years = financial_year(frame[date_column])
    if years.isna().any():
        positions = np.flatnonzero(years.isna().to_numpy())[:5]
        raise ValueError(
            f"{name} table: {int(years.isna().sum())} row(s) without a {date_column} "
            f"(first at position(s) {', '.join(map(str, positions))}); every case needs a date to be assigned to a year"
        )
    return years.to_numpy(dtype="int64")


def _check_labels(values: pd.Series, allowed: Sequence[str], table: str, column: str, fix: str | None) -> None:
    """Raise naming the unknown labels, so none is silently dropped from a count."""
    unknown = sorted(set(pd.unique(values.dropna())) - set(allowed), key=str)
    missing = int(values.isna().sum())
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown value(s) {', '.join(map(repr, unknown))}")
        if missing:
            parts.append(f"{missing} empty value(s)")
        hint = f"; {fix}" if fix else f"; expected one of {', '.join(allowed)}"
        raise ValueError(f"{table} table, column {column}: {' and '.join(parts)}{hint}")


def _codes(frame: pd.DataFrame) -> np.ndarray:
    """Authority codes as an object array, a missing code as ``""``."""
    return frame["authority_code"].astype(object).where(frame["authority_code"].notna(), "").to_numpy(dtype=object)


def _count_by_label(
    frame: pd.DataFrame,
    years: np.ndarray,
    label_column: str,
    labels: Sequence[str],
    keys: pd.MultiIndex,
    table: str,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Counts per register row (aligned with ``keys``) and label; plus the unassigned cases.

    Returns an int64 array of shape (len(keys), len(labels)) and a frame of
    (year, table, authority_code, count) for cases outside the register.
    """
    codes = _codes(frame)
    row_keys = pd.MultiIndex.from_arrays([years, codes], names=["year", "authority_code"])
    position = keys.get_indexer(row_keys)
    assigned = position >= 0
    label_codes = pd.Categorical(frame[label_column].to_numpy(dtype=object), categories=list(labels)).codes
    counts = np.zeros((len(keys), len(labels)), dtype="int64")
    np.add.at(counts, (position[assigned], label_codes[assigned]), 1)
    return counts, _unassigned_frame(years[~assigned], codes[~assigned], table)


def _count_remedies(frame: pd.DataFrame, years: np.ndarray, keys: pd.MultiIndex) -> np.ndarray:
    """Upheld decisions with a remedy by the authority, per register row."""
    remedy = frame["remedy_by_authority"].astype(object).where(frame["remedy_by_authority"].notna(), False)
    selected = (frame["outcome"].to_numpy(dtype=object) == UPHELD) & remedy.astype(bool).to_numpy()
    row_keys = pd.MultiIndex.from_arrays([years[selected], _codes(frame)[selected]])
    position = keys.get_indexer(row_keys)
    return np.bincount(position[position >= 0], minlength=len(keys)).astype("int64")


def _unassigned_frame(years: np.ndarray, codes: np.ndarray, table: str) -> pd.DataFrame:
    """(year, table, authority_code, count) for cases outside the register."""
    if len(years) == 0:
        return pd.DataFrame(
            {
                "year": pd.Series([], dtype="int64"),
                "table": pd.Series([], dtype=object),
                "authority_code": pd.Series([], dtype=object),
                "count": pd.Series([], dtype="int64"),
            }
        )
    counts = (
        pd.DataFrame({"year": years, "authority_code": codes})
        .groupby(["year", "authority_code"], sort=True)
        .size()
        .rename("count")
        .reset_index()
    )
    counts.insert(1, "table", table)
    counts["count"] = counts["count"].astype("int64")
    counts["year"] = counts["year"].astype("int64")
    return counts


def _register_rows(councils_for_year: RegisterFunction, years: Iterable[int]) -> pd.DataFrame:
    """Each year's register (read once per year), stacked with a ``year`` column."""
    frames = []
    for year in years:
        frame = councils_for_year(year)
        missing = [column for column in _REQUIRED_REGISTER_COLUMNS if column not in frame.columns]
        if missing:
            raise ValueError(f"register for {year} lacks column(s) {', '.join(missing)}")
        duplicated = frame["authority_code"][frame["authority_code"].duplicated()]
        if not duplicated.empty:
            raise ValueError(f"register for {year} lists council(s) {', '.join(map(str, duplicated.unique()))} twice")
        unknown_types = sorted(set(frame["authority_type"].dropna()) - set(AUTHORITY_TYPES))
        if unknown_types or frame["authority_type"].isna().any():
            raise ValueError(
                f"register for {year}: authority_type must be one of {', '.join(AUTHORITY_TYPES)}; "
                f"found {', '.join(map(repr, unknown_types)) or 'empty values'}"
            )
        columns = {column: frame[column].to_numpy(dtype=object) for column in ("authority_code", "authority_name", "authority_type")}
        columns["population"] = pd.to_numeric(frame["population"], errors="coerce").to_numpy(dtype="float64")
        for column in COUNCIL_EXTRA_COLUMNS:
            columns[column] = frame[column].to_numpy() if column in frame.columns else np.full(len(frame), np.nan)
        part = pd.DataFrame(columns)
        part.insert(0, "year", np.full(len(frame), year, dtype="int64"))
        frames.append(part)
    if not frames:
        columns = ["year", "authority_code", "authority_name", "authority_type", "population", *COUNCIL_EXTRA_COLUMNS]
        return pd.DataFrame({column: pd.Series([], dtype="int64" if column == "year" else object) for column in columns})
    return pd.concat(frames, ignore_index=True)


def _with_legacy_rows(
    register_rows: pd.DataFrame, tables: dict[str, pd.DataFrame], case_years: dict[str, np.ndarray],
    all_councils: Callable[[], pd.DataFrame],
) -> pd.DataFrame:
    """The register rows, plus a row for each former council with legacy decisions in a year after its end.

    A legacy decision (or compliance outcome) is one dated after the council was
    abolished, on a complaint made before (``inputs`` checks the rule). Such rows
    are marked ``former`` with their ``successor_codes`` (GSS, comma-separated) and
    follow their year's register rows; without any, the rows are returned unchanged
    (no ``former`` column).
    """
    keys = _register_keys(register_rows)
    pairs = [
        pd.DataFrame({"year": case_years[name], "authority_code": _codes(tables[name])})
        for name in LEGACY_TABLES
    ]
    found = pd.concat(pairs, ignore_index=True).drop_duplicates()
    found = found[keys.get_indexer(pd.MultiIndex.from_frame(found)) < 0] if len(found) else found
    if found.empty:
        return register_rows
    return legacy_register_rows(register_rows, found, all_councils())


def legacy_register_rows(register_rows: pd.DataFrame, pairs: pd.DataFrame, councils: pd.DataFrame) -> pd.DataFrame:
    """``register_rows`` with a ``former`` row for each (year, authority_code) of ``pairs`` whose council ended before that year.

    ``councils`` is ``register.all_councils()``. Pairs of councils that did not end
    before the year (not yet created, or unknown) get no row: they stay unassigned.
    """
    from . import register as council_register

    merged = pairs.merge(councils, on="authority_code", how="inner")
    ended = merged["end_date"].notna() & (pd.to_datetime(merged["end_date"]) < pd.to_datetime(merged["year"].astype(str) + "-03-31"))
    merged = merged[ended].drop_duplicates(["year", "authority_code"], keep="last")
    if merged.empty:
        return register_rows
    rows = merged.loc[:, [c for c in REGISTER_COLUMNS if c in merged.columns]].copy()
    rows["year"] = rows["year"].astype("int64")
    rows["population"] = pd.to_numeric(rows["population"], errors="coerce").astype("float64")
    rows["former"] = True
    rows["successor_codes"] = [",".join(s["authority_code"] for s in council_register.successors(code)) for code in rows["authority_code"]]
    current = register_rows.copy()
    current["former"] = False
    current["successor_codes"] = ""
    stacked = pd.concat([current, rows.loc[:, list(current.columns)]], ignore_index=True)
    order = np.lexsort((stacked["former"].to_numpy(), stacked["year"].to_numpy()))  # a year's register rows, then its former councils
    return stacked.iloc[order].reset_index(drop=True)


def _plain_sources(sources: Any) -> tuple[dict[str, str], ...]:
    """SourceFile objects as plain dicts (so the cache does not depend on the inputs package)."""
    plain = []
    for source in sources or []:
        plain.append({name: str(getattr(source, name, "")) for name in ("table", "path", "sha256")})
    return tuple(plain)


# --------------------------------------------------------------------------- reports and remedies


def _per_row(frame: pd.DataFrame, years: np.ndarray, keys: pd.MultiIndex, mask: np.ndarray) -> np.ndarray:
    """How many rows of ``frame`` selected by ``mask`` fall on each register row (year, council)."""
    position = keys.get_indexer(pd.MultiIndex.from_arrays([years[mask], _codes(frame)[mask]]))
    return np.bincount(position[position >= 0], minlength=len(keys)).astype("int64")


def _report_counts(reports: pd.DataFrame, keys: pd.MultiIndex) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    years = _optional_years(reports, "report_date")
    kinds = reports["kind"].to_numpy(dtype=object)
    counts = {column: _per_row(reports, years, keys, kinds == label) for label, column in REPORT_COLUMNS.items()}
    counts = {"public_reports": sum(counts.values()), **counts}
    return counts, _unassigned_of(reports, years, keys, "reports")


def _remedy_counts(remedies: pd.DataFrame, keys: pd.MultiIndex) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """The remedy counts of the module docstring, per register row; the year end is 31 March of the agreed year."""
    years = _optional_years(remedies, "agreed_date")
    types = remedies["remedy_type"].to_numpy(dtype=object)
    year_end = pd.to_datetime(pd.Series(years).astype(str) + "-03-31").to_numpy()
    due, done = remedies["due_date"].to_numpy(), remedies["completed_date"].to_numpy()
    completed = ~pd.isna(done)
    late = completed & (done > due)
    overdue = ~completed & (due <= year_end)
    everything = np.ones(len(remedies), dtype=bool)
    counts = {"remedies_total": _per_row(remedies, years, keys, everything)}
    counts.update({column: _per_row(remedies, years, keys, types == label) for label, column in REMEDY_COLUMNS.items()})
    counts["service_improvements"] = _per_row(remedies, years, keys, np.isin(types, list(SERVICE_IMPROVEMENT_TYPES)))
    counts["remedies_completed_late"] = _per_row(remedies, years, keys, late)
    counts["remedies_overdue"] = _per_row(remedies, years, keys, overdue)
    counts["remedies_due_or_done"] = _per_row(remedies, years, keys, completed | overdue)
    return counts, _unassigned_of(remedies, years, keys, "remedies")


def _optional_years(frame: pd.DataFrame, date_column: str) -> np.ndarray:
    years = financial_year(frame[date_column]) if len(frame) else pd.Series([], dtype="int64")
    if years.isna().any():
        raise ValueError(f"{date_column}: {int(years.isna().sum())} row(s) without a date; load the table with lgsco_report.inputs.load")
    return years.to_numpy(dtype="int64")


def _unassigned_of(frame: pd.DataFrame, years: np.ndarray, keys: pd.MultiIndex, table: str) -> pd.DataFrame:
    codes = _codes(frame)
    outside = keys.get_indexer(pd.MultiIndex.from_arrays([years, codes])) < 0
    return _unassigned_frame(years[outside], codes[outside], table)


def _report_list(reports: pd.DataFrame | None, register_rows: pd.DataFrame) -> pd.DataFrame | None:
    """Each public report with its year and the council's official name (reports outside the register are left out)."""
    if reports is None:
        return None
    listed = reports.loc[:, ["authority_code", "report_date", "kind", "case_ref"]].copy()
    listed.insert(0, "year", _optional_years(reports, "report_date"))
    names = register_rows.loc[:, ["year", "authority_code", "authority_name"]]
    listed = listed.merge(names, on=["year", "authority_code"], how="inner")
    listed = listed.sort_values(["year", "report_date", "authority_name", "case_ref"], kind="stable").reset_index(drop=True)
    return listed.loc[:, ["year", "authority_code", "authority_name", "report_date", "kind", "case_ref"]]


# --------------------------------------------------------------------------- service categories


def empty_category_frame() -> pd.DataFrame:
    columns = {"year": pd.Series([], dtype="int64"), "category": pd.Series([], dtype=object)}
    columns.update({column: pd.Series([], dtype="int64") for column in CATEGORY_COUNT_COLUMNS})
    return pd.DataFrame(columns)


def _category_counts(
    tables: dict[str, pd.DataFrame], case_years: dict[str, np.ndarray], keys: pd.MultiIndex,
    categories: Sequence[str], years: Sequence[int],
) -> pd.DataFrame:
    """Received and decided cases per (year, category), for councils in that year's register only.

    Cases outside the register are left out here as in every other total, so each
    column adds up to the national figure. A decided table without a ``category``
    column (possible only for hand-built tables) gives missing decision counts.
    """
    index = pd.MultiIndex.from_product([list(years), list(categories)], names=["year", "category"])
    result = pd.DataFrame(index=index)

    def counts(name: str, mask: np.ndarray | None = None) -> np.ndarray:
        frame, frame_years = tables[name], case_years[name]
        if mask is not None:
            frame, frame_years = frame[mask], frame_years[mask]
        in_register = keys.get_indexer(pd.MultiIndex.from_arrays([frame_years, _codes(frame)])) >= 0
        grouped = pd.Series(1, index=pd.MultiIndex.from_arrays(
            [frame_years[in_register], frame["category"].to_numpy(dtype=object)[in_register]])).groupby(level=[0, 1]).sum()
        return grouped.reindex(index, fill_value=0).to_numpy(dtype="int64")

    result["received"] = counts("received")
    decided = tables["decided"]
    if "category" in decided.columns:
        _check_labels(decided["category"], categories, "decided", "category",
                      "pass the data's categories to compute_statistics(categories=...)")
        outcome = decided["outcome"].to_numpy(dtype=object)
        result["decisions"] = counts("decided")
        result["upheld"] = counts("decided", outcome == UPHELD)
        result["not_upheld"] = counts("decided", outcome == NOT_UPHELD)
        result["detailed_investigations"] = result["upheld"] + result["not_upheld"]
    else:
        for column in CATEGORY_COUNT_COLUMNS[1:]:
            result[column] = pd.array([pd.NA] * len(result), dtype="Int64")
    return result.reset_index()


# --------------------------------------------------------------------------- a table of counts -> counts


def counts_from_table(
    table: pd.DataFrame,
    register: RegisterFunction | None = None,
    categories: Sequence[str] | None = None,
    label: str = "counts table",
    is_sample: bool = False,
) -> Counts:
    """Counts from a table that already holds them (another input than case rows): one row per council and year.

    ``table`` has ``year`` (ending 31 March), ``authority_code`` (GSS) and every
    column of ``count_columns(categories)``; a council of that year's register
    without a row counts zero. A missing column, a council outside the register
    or a council given twice in a year is a ``CaseDataError`` naming the row
    (the header is row 1). Service categories get their received counts from the
    ``received_<category>`` columns; their decision counts are unknown (missing).
    """
    categories = tuple(categories) if categories is not None else CATEGORIES
    columns = count_columns(categories)
    missing = [column for column in ("year", "authority_code", *columns) if column not in table.columns]
    if missing:
        needed = ", ".join(("year", "authority_code", *columns))
        raise CaseDataError([Problem(label, 1, column, f"missing column '{column}'; a counts table needs the columns: {needed}") for column in missing])
    years = table["year"].to_numpy(dtype="int64")
    codes = table["authority_code"].to_numpy(dtype=object)
    register_rows = _register_rows(register if register is not None else _default_register(), sorted(set(years.tolist())))
    position = _register_keys(register_rows).get_indexer(pd.MultiIndex.from_arrays([years, codes]))
    _check_table_rows(position, years, codes, label)
    councils = register_rows.copy()
    for column in columns:
        values = np.zeros(len(councils), dtype="int64")
        values[position] = table[column].to_numpy(dtype="int64")
        councils[column] = values
    return Counts(
        councils=councils,
        unassigned=_unassigned_frame(np.empty(0, dtype="int64"), np.empty(0, dtype=object), "counts"),
        years=sorted(set(years.tolist())),
        categories=categories,
        by_category=_category_counts_from_councils(councils, categories, sorted(set(years.tolist()))),
        is_sample=is_sample,
    )


def _check_table_rows(position: np.ndarray, years: np.ndarray, codes: np.ndarray, label: str) -> None:
    """Every row of a counts table is a council of its year's register, given once."""
    problems = [
        Problem(label, row + 2, "authority_code", f"'{codes[row]}' is not a council in the register for the year ending 31 March {years[row]}")
        for row in np.flatnonzero(position < 0)
    ]
    repeated = pd.Series(position).duplicated().to_numpy() & (position >= 0)
    problems += [
        Problem(label, row + 2, "authority_code", f"'{codes[row]}' is given twice for the year ending 31 March {years[row]}; keep one row")
        for row in np.flatnonzero(repeated)
    ]
    if problems:
        raise CaseDataError(problems)


def _category_counts_from_councils(councils: pd.DataFrame, categories: Sequence[str], years: list[int]) -> pd.DataFrame:
    """``Counts.by_category`` from council rows: received per category; decisions by category unknown (missing)."""
    index = pd.MultiIndex.from_product([years, list(categories)], names=["year", "category"])
    sums = councils.groupby("year")[received_columns(categories)].sum().reindex(years, fill_value=0)
    result = pd.DataFrame(index=index)
    result["received"] = sums.to_numpy(dtype="int64").reshape(-1) if len(sums) else np.empty(0, dtype="int64")
    for column in CATEGORY_COUNT_COLUMNS[1:]:
        result[column] = pd.array([pd.NA] * len(result), dtype="Int64")
    return result.reset_index()


# --------------------------------------------------------------------------- council-level figures -> counts


def counts_from_figures(data: Any, register: RegisterFunction | None = None, categories: Sequence[str] | None = None) -> Counts:
    """Counts from a figures folder (``inputs.FiguresData``): every council of each year's register, and former councils' legacy rows.

    A council the figures have no row for (or a row with every count blank)
    keeps its row with ``has_figures`` False and every count NaN (not known, not
    zero); a blank cell stays NaN.
    ``detailed_investigations`` is upheld + not upheld. Count columns are float64.
    """
    categories = tuple(categories) if categories is not None else CATEGORIES
    figures = data.figures
    years = sorted(set(int(y) for y in figures["year"]))
    register_rows = _register_rows(register if register is not None else _default_register(), years)
    keys = _register_keys(register_rows)
    outside = keys.get_indexer(pd.MultiIndex.from_arrays([figures["year"].to_numpy(), figures["authority_code"].to_numpy(dtype=object)])) < 0
    if outside.any() and register is None:
        register_rows = legacy_register_rows(register_rows, figures.loc[outside, ["year", "authority_code"]], _default_former()())
        keys = _register_keys(register_rows)
    position = keys.get_indexer(pd.MultiIndex.from_arrays([figures["year"].to_numpy(), figures["authority_code"].to_numpy(dtype=object)]))
    _check_table_rows(position, figures["year"].to_numpy(), figures["authority_code"].to_numpy(dtype=object), "figures")
    councils = register_rows.copy()
    for column in count_columns(categories):
        values = np.full(len(councils), np.nan)
        if column in figures.columns and column != "detailed_investigations":
            values[position] = figures[column].to_numpy(dtype="float64")
        councils[column] = values
    councils["detailed_investigations"] = councils["upheld"] + councils["not_upheld"]
    # A row whose every count is blank (a template row left empty) holds no figures: as if it were absent.
    given = np.zeros(len(councils), dtype=bool)
    given[position] = figures[[c for c in count_columns(categories) if c in figures.columns]].notna().any(axis=1).to_numpy()
    councils["has_figures"] = given
    return Counts(
        councils=councils,
        unassigned=_unassigned_frame(np.empty(0, dtype="int64"), np.empty(0, dtype=object), "figures"),
        years=years,
        categories=categories,
        by_category=_category_counts_from_figures(councils, categories, years),
        is_sample=False,
        sources=_plain_sources(getattr(data, "sources", None)),
        kind="figures",
        averages=getattr(data, "averages", None),
    )


def _category_counts_from_figures(councils: pd.DataFrame, categories: Sequence[str], years: list[int]) -> pd.DataFrame:
    """Received per (year, category): the sum when every council of the year has that figure, else NaN; decisions by category unknown."""
    columns = received_columns(categories)
    known = councils.groupby("year")[columns].count().reindex(years) == councils.groupby("year").size().reindex(years).to_numpy()[:, None]
    sums = councils.groupby("year")[columns].sum().reindex(years).where(known)
    index = pd.MultiIndex.from_product([years, list(categories)], names=["year", "category"])
    result = pd.DataFrame(index=index)
    result["received"] = sums.to_numpy(dtype="float64").reshape(-1) if len(sums) else np.empty(0)
    for column in CATEGORY_COUNT_COLUMNS[1:]:
        result[column] = pd.array([pd.NA] * len(result), dtype="Int64")
    return result.reset_index()


def figures_coverage(counts: Counts, columns: Sequence[str] = ()) -> pd.DataFrame:
    """Per (year, authority_type) of the year's register: ``councils``, ``with_figures`` and ``covered``.

    ``covered``: every council of that type in that year's register has a figures
    row (and, with ``columns``, a known value in each of them), so its averages can
    be computed; otherwise the published averages are needed. Former councils'
    legacy rows are left out (they are not in the year's register). Counted cases
    cover every type.
    """
    current = counts.councils[~is_former(counts.councils)]
    complete = has_figures(current)
    for column in columns:
        complete = complete & current[column].notna()
    table = pd.DataFrame({"year": current["year"], "authority_type": current["authority_type"], "complete": complete})
    grouped = table.groupby(["year", "authority_type"], sort=True)["complete"]
    result = pd.DataFrame({"councils": grouped.size(), "with_figures": has_figures(current).groupby([current["year"], current["authority_type"]]).sum()})
    result["covered"] = grouped.all()
    return result.reset_index().astype({"councils": "int64", "with_figures": "int64", "covered": bool})
