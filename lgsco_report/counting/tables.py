"""Counts from tables that already hold counts: ``counts_from_table`` (a council-level counts table) and
``counts_from_figures`` (the Ombudsman's council-level figures, a blank cell *not known*, never zero),
and ``figures_coverage`` (whether the figures cover every council of a type and year)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..definitions import (
    CATEGORIES,
)
from ..errors import CaseDataError
from ..inputs.problems import Problem
from .model import CATEGORY_COUNT_COLUMNS, Counts, RegisterFunction, _default_former, _default_register, count_columns, has_figures, is_former, received_columns
from .register_rows import _plain_sources, _register_keys, _register_rows, _unassigned_frame, legacy_register_rows


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
