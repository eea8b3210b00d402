"""What counting produces: the count columns' names (the counts table is their definition; ``stats`` imports
them from here) and :class:`Counts`, a year-by-council table of counts, whichever input it came from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from .. import metrics
from ..definitions import (
    CATEGORIES,
    FURTHER_REPORT,
    PUBLIC_INTEREST_REPORT,
    REMEDY_TYPES,
    snake_case,
)


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
    from .. import register  # imported late: the register module reads its data on first use

    return register.councils_for_year


def _default_former() -> Callable[[], pd.DataFrame]:
    from .. import register

    return register.all_councils

def empty_category_frame() -> pd.DataFrame:
    columns = {"year": pd.Series([], dtype="int64"), "category": pd.Series([], dtype=object)}
    columns.update({column: pd.Series([], dtype="int64") for column in CATEGORY_COUNT_COLUMNS})
    return pd.DataFrame(columns)
