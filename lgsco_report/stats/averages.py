"""Averages for similar councils from a figures folder: computed where the figures cover a type, published where not.

A figures table may hold every council of a type (then the average is computed
from the figures, exactly as from counted cases) or only some (then an average
over them would be an average of some councils, not of the type, and the
published average is used: the averages table, ``Counts.averages``). When both
exist they must agree to within the published rounding, else one of them is
wrong and the letters must not print either: the averages file's row and
column are named. A type and year with neither is refused, naming them.

Tolerances (``TOLERANCE``): a rate is published as a whole percent (sometimes
with one decimal), so a computed rate may differ from it by up to half a
percentage point (0.005); upheld decisions per 100,000 residents are published
with one decimal, so by up to 0.05. A difference larger than that (plus a hair
for floating point) is a problem.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .. import metrics
from ..counting import Counts, figures_coverage
from ..definitions import year_label
from ..errors import CaseDataError
from ..inputs.problems import Problem

#: Largest difference between a computed and a published average that is only rounding (see the module docstring).
TOLERANCE: dict[str, float] = {"percent": 0.005, "per_100k": 0.05}
_FLOAT_HAIR = 1e-9
#: Averages a figures folder can give (the remedies' rate needs the remedies table, which figures do not have).
FIGURE_AVERAGE_RATES: tuple[str, ...] = ("upheld_rate", "satisfactory_remedy_rate", "compliance_rate", "upheld_per_100k")


def averages_label(counts: Counts) -> str:
    """The averages file's name, as the problems name it (``averages.csv`` when there is none)."""
    for source in counts.sources:
        if source.get("table") == "averages":
            return Path(source.get("path", "")).name or "averages.csv"
    return "averages.csv"


def figure_averages(counts: Counts, computed: pd.DataFrame) -> pd.DataFrame:
    """``computed`` (year, authority_type, ``type_avg_<rate>``) with each average checked or replaced, as the module says.

    Raises ``CaseDataError`` listing every average that differs from the published
    one and every type and year that has neither.
    """
    result = computed.copy()
    problems: list[Problem] = []
    for rate in FIGURE_AVERAGE_RATES:
        metric = metrics.rate(rate)
        parts = [column for column in (*metric.numerator, *metric.denominator) if column != "population"]
        coverage = figures_coverage(counts, parts).set_index(["year", "authority_type"])
        column = metric.average_column
        for position, (year, kind) in enumerate(zip(result["year"].tolist(), result["authority_type"].tolist())):
            published, row = published_average(counts, int(year), kind, rate)
            covered = bool(coverage["covered"].get((year, kind), False))
            if covered:
                problem = _disagreement(counts, metric, float(result[column].iat[position]), published, row, int(year), kind)
                problems += [problem] if problem else []
            elif not math.isnan(published):
                result.iloc[position, result.columns.get_loc(column)] = published
            else:
                problems.append(_missing(counts, metric, int(year), kind, coverage.loc[(year, kind)], row, parts))
    if problems:
        raise CaseDataError(problems)
    return result


def published_average(counts: Counts, year: int, authority_type: str, rate: str) -> tuple[float, int | None]:
    """The published average (NaN when not given) and its row in the averages file (None without a row)."""
    table = counts.averages
    if table is None or rate not in table.columns:
        return math.nan, None
    rows = table[(table["year"] == year) & (table["authority_type"] == authority_type)]
    if rows.empty:
        return math.nan, None
    row = int(rows["row"].iat[0]) if "row" in rows.columns else None
    return float(rows[rate].iat[0]), row


def _shown(metric: metrics.Metric, value: float) -> str:
    return f"{value * 100:.1f}%" if metric.display == "percent" else f"{value:.2f}"


def _disagreement(counts: Counts, metric: metrics.Metric, computed: float, published: float, row: int | None,
                  year: int, kind: str) -> Problem | None:
    """A problem when a computed average and the published one differ by more than the rounding."""
    if math.isnan(published) or math.isnan(computed):
        return None
    tolerance = TOLERANCE.get(metric.display, TOLERANCE["percent"])
    if abs(computed - published) <= tolerance + _FLOAT_HAIR:
        return None
    return Problem(
        averages_label(counts), row, metric.column,
        f"the published average for {kind}s in {year_label(year)} is {_shown(metric, published)}, but the figures, which "
        f"cover every {kind} of the year, give {_shown(metric, computed)}; more than the rounding apart "
        f"({_shown(metric, tolerance)}): correct the average or the councils' figures",
    )


def _missing(counts: Counts, metric: metrics.Metric, year: int, kind: str, coverage: pd.Series, row: int | None,
             parts: list[str]) -> Problem:
    """The problem for a type and year whose average can be neither computed nor read."""
    where = "the averages table has no value for it" if row is not None else (
        "there is no averages table" if counts.averages is None else f"the averages table has no row for {kind} in {year}")
    return Problem(
        averages_label(counts), row, metric.column,
        f"no average {metric.column} for {kind}s in {year_label(year)}: the figures give {', '.join(parts)} for "
        f"{int(coverage['with_figures'])} of the {int(coverage['councils'])} councils of that type, not all of them, and {where}; "
        f"add the published average (a row {year},{kind}) or the figures of every {kind}",
    )
