"""Case tables to counts: each case counted once, against its council and the year its date falls in
(the rules are in the ``stats`` module docstring); reports, remedies and service categories too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..definitions import (
    CATEGORIES,
    COMPLIANCE_OUTCOMES,
    DECISION_OUTCOMES,
    NOT_UPHELD,
    SERVICE_IMPROVEMENT_TYPES,
    UPHELD,
    financial_year,
)
from ..inputs.schema import DATE_COLUMN, LOADED_COLUMNS, OPTIONAL_TABLES, TABLES
from .model import CATEGORY_COUNT_COLUMNS, COMPLIANCE_COLUMNS, Counts, DECISION_COLUMNS, REMEDY_COLUMNS, REPORT_COLUMNS, RegisterFunction, _COUNTED_BY, _default_former, _default_register, received_columns
from .register_rows import _codes, _plain_sources, _register_keys, _register_rows, _unassigned_frame, _with_legacy_rows
from .tables import counts_from_figures


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
