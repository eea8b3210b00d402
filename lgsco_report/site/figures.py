"""One figure as every page prints it: its text by the letters' rules, and the statistic it is.

Every number on the site goes through ``figure``: a count with thousands
separators, a rate from its own counts (``formatting.percent_of``: exact, never
a false 100% or 0%), a type average or per-100,000 figure by its metric's
display, and "no figure" where there is nothing to base it on. Each carries
the name of its statistic (a column of ``Statistics.councils`` or
``Statistics.national``, or ``group.<heading>``), so a test can check every
figure on every page against the statistics.
"""

from __future__ import annotations

from typing import Any

from .. import metrics
from ..formatting import NO_FIGURE, NOT_APPLICABLE, count_text, is_missing, percent_of


def _count_based(metric: metrics.Metric) -> bool:
    key = (metric.column, id(metrics.METRICS))
    if key not in _COUNT_BASED:
        _COUNT_BASED[key] = metric.is_rate and set(metric.denominator) <= set(metrics.count_columns())
    return _COUNT_BASED[key]


#: (rate, registry) -> whether its denominator counts cases (asked tens of thousands of times a site).
_COUNT_BASED: dict[tuple[str, int], bool] = {}


def basis(row: Any, column: str) -> tuple[int, int]:
    """``(numerator, denominator)`` of a count-based rate in a row of the statistics."""
    metric = metrics.rate(column)
    return int(metrics.add_parts(row, metric.numerator)), int(metrics.add_parts(row, metric.denominator))


def figure_text(row: Any, column: str) -> str:
    """``row[column]`` as the letters print it (``NO_FIGURE`` when missing)."""
    metric = _metric(column)
    if metric is None:
        raise KeyError(f"{column!r} is not a statistic the site knows")
    if column.startswith("type_avg_") and is_former_row(row):
        return NOT_APPLICABLE  # its legacy decisions are compared with no type (stats leaves them out of every average)
    if metric.display == "count" or metric.display == "residents":
        return count_text(row[column]) or NO_FIGURE
    if _count_based(metric):
        numerator, denominator = basis(row, column)
        return percent_of(numerator, denominator) or NO_FIGURE
    value = row[column]
    return metrics.display_text(metric.display, None if is_missing(value) else float(value)) or NO_FIGURE


def is_former_row(row: Any) -> bool:
    """Whether a row of the statistics is a former council's legacy decisions (``former`` exists only then)."""
    former = row.get("former") if hasattr(row, "get") else None
    return bool(former) and not is_missing(former)


def _metric(column: str) -> metrics.Metric | None:
    key = (column, id(metrics.METRICS))
    if key not in _METRICS:
        _METRICS[key] = metrics.find(column)
    return _METRICS[key]


_METRICS: dict[tuple[str, int], metrics.Metric | None] = {}


def figure(row: Any, column: str, year: int) -> dict[str, Any]:
    """``{"stat", "year", "text"}``: what a page prints for ``column`` in ``year``."""
    return {"stat": column, "year": int(year), "text": figure_text(row, column)}


def group_figure(row: Any, key: str, outcomes: tuple[str, ...], year: int) -> dict[str, Any]:
    """A heading of ``decision_groups`` (``group.<key>``): the sum of its outcomes' counts."""
    columns = metrics.label_columns("decided")
    return {"stat": f"group.{key}", "year": int(year), "text": count_text(group_count(row, outcomes, columns))}


def group_count(row: Any, outcomes: tuple[str, ...], columns: dict[str, str] | None = None) -> int:
    columns = columns or metrics.label_columns("decided")
    return sum(int(row[columns[label]]) for label in outcomes)


def value(row: Any, column: str) -> float | None:
    """The unrounded value (for charts), None when missing."""
    item = row[column]
    return None if is_missing(item) else float(item)
