"""The national review's figures: DataFrames read from ``Statistics``, never recomputed.

Why the type averages come from ``Statistics.types`` only: every letter quotes
"the average for similar councils" from the ``type_avg_*`` columns; the
national review reads the very same cells, so the two documents agree to the
last digit whichever ``average_method`` was used. Which rates are key rates,
and the columns of each table, are read from ``metrics`` when a function
runs (never copied at import), so a metric added there reaches the review.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import metrics
from ..definitions import AUTHORITY_TYPES, SERVICE_IMPROVEMENT_TYPES, parse_year, year_label
from ..counting import is_former
from ..stats import REMEDY_COLUMNS, SMALL_BASE, Statistics, category_table
from .cells import printed_gap

__all__ = [
    "KeyRate", "abolished_councils", "category_table", "category_total", "check_year", "columns", "key_rate", "key_rates", "map_councils", "national_row",
    "national_totals", "non_compliance", "outliers", "public_reports", "remedies_by_type", "small_base_councils",
    "summary", "type_averages", "year_councils",
]


@dataclass(frozen=True)
class KeyRate:
    """A rate compared with similar councils, and the count it is a share of."""

    column: str
    label: str
    basis_column: str
    basis_label: str


def key_rates() -> tuple[KeyRate, ...]:
    """The key rates (``metrics.key_rates``), in letter order, each with its basis (denominator) count."""
    return tuple(
        KeyRate(m.column, title, m.denominator[0], m.basis_title or title) for m, title in metrics.view("national_key_rates")
    )


def key_rate(column: str) -> KeyRate:
    """The key rate of ``column``; a ValueError naming the key rates for any other."""
    for rate in key_rates():
        if rate.column == column:
            return rate
    raise ValueError(f"rate {column!r} is not a key rate; use one of {', '.join(r.column for r in key_rates())}")


#: How each display of ``metrics.DISPLAYS`` is called in the review's tables.
_KINDS = {"count": "count", "residents": "count", "percent": "rate", "per_100k": "per100k"}


def columns(view: str, average: bool = False) -> tuple[tuple[str, str, str], ...]:
    """(column, title, kind) of each metric in ``metrics.view(view)`` (``average``: its ``type_avg_*`` column)."""
    return tuple(
        (m.average_column if average else m.column, title, _KINDS[m.display]) for m, title in metrics.view(view)
    )


def check_year(statistics: Statistics, year: int | str) -> int:
    """``year`` as a year ending March, refused (ValueError naming the years there are) when not in the data."""
    year = parse_year(year)
    if year not in statistics.years:
        raise ValueError(
            f"no statistics for {year_label(year)} (year ending 31 March {year}); "
            f"years in the data: {', '.join(year_label(y) for y in statistics.years) or 'none'}"
        )
    return year


def year_councils(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """``Statistics.councils`` rows of the year's councils: a former council's legacy decisions are counted
    in England's totals (``Statistics.national``), not among the councils the charts, map and lists compare."""
    year = check_year(statistics, year)
    councils = statistics.councils[statistics.councils["year"] == year]
    return councils[~is_former(councils)]


def national_row(statistics: Statistics, year: int | str) -> pd.Series:
    """England's ``Statistics.national`` row of one year."""
    return statistics.national.set_index("year").loc[check_year(statistics, year)]


def national_totals(statistics: Statistics, year: int | str, n_years: int = 5) -> pd.DataFrame:
    """``Statistics.national`` rows for up to ``n_years`` years ending ``year``, oldest first."""
    year = check_year(statistics, year)
    national = statistics.national
    rows = national[national["year"].between(year - n_years + 1, year)]
    return rows.sort_values("year").reset_index(drop=True)


def summary(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """England's key figures for ``year`` and the year before: measure, label, kind, current, previous.

    ``previous`` is NaN when the year before is not in the data. Values come
    from ``Statistics.national`` unchanged; the measures are ``metrics.view("national_summary")``.
    """
    year = check_year(statistics, year)
    national = statistics.national.set_index("year")
    current = national.loc[year]
    previous = national.loc[year - 1] if (year - 1) in national.index else None
    rows = [
        {"measure": column, "label": label, "kind": kind, "current": current[column],
         "previous": float("nan") if previous is None else previous[column]}
        for column, label, kind in columns("national_summary")
    ]
    return pd.DataFrame(rows)


def category_total(statistics: Statistics, year: int | str) -> dict:
    """The category table's total row: England's received, detailed investigations, upheld and uphold rate
    (``Statistics.national``), and the year before's (NaN when it is not in the data)."""
    year = check_year(statistics, year)
    national = statistics.national.set_index("year")
    current = national.loc[year]
    previous = national.loc[year - 1] if (year - 1) in national.index else None
    total = {column: current[column] for column in ("received_total", "detailed_investigations", "upheld", "upheld_rate")}
    total["received_share"] = 1.0 if current["received_total"] else float("nan")
    for column in ("received_total", "upheld_rate"):
        total[f"previous_{column}"] = float("nan") if previous is None else previous[column]
    return total


def type_averages(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """``Statistics.types`` for the year, in letter order of council types (no recomputation)."""
    year = check_year(statistics, year)
    types = statistics.types[statistics.types["year"] == year].copy()
    order = {name: index for index, name in enumerate(AUTHORITY_TYPES)}
    types["_order"] = types["authority_type"].map(order).fillna(len(order))
    return types.sort_values(["_order", "authority_type"]).drop(columns="_order").reset_index(drop=True)


def small_base_councils(statistics: Statistics, year: int | str) -> int:
    """How many councils' uphold rate rests on at least one but fewer than ``SMALL_BASE`` detailed investigations."""
    councils = year_councils(statistics, year)
    return int(((councils["detailed_investigations"] > 0) & (councils["detailed_investigations"] < SMALL_BASE)).sum())


def map_councils(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """The councils the map draws: every council of the year, with its uphold rate and location."""
    return year_councils(statistics, year)


def outliers(
    statistics: Statistics, year: int | str, rate: str, n: int = 5, min_basis: int = SMALL_BASE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The councils with the largest differences above and below their type's average on ``rate``.

    Only councils whose basis count (the rate's denominator) is at least
    ``min_basis`` (default ``stats.SMALL_BASE``) take part, so a rate resting on
    a few cases is not ordered. Councils are ordered on ``printed_difference``
    (``cells.printed_gap``: the printed rate minus the printed average, a Decimal
    in points), the difference the review prints, so the printed order and the
    printed figures agree; ``difference`` keeps the unrounded gap (a fraction).
    ``rank`` is 1 for the largest; councils printed at the same difference share
    it, and ``tied`` counts them. Every council whose rank is at most ``n`` is
    returned, so a tie at the cut-off is never split alphabetically. Returns
    ``(above, below)``, each largest first (ties by name).
    """
    year = check_year(statistics, year)
    key = key_rate(rate)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    councils = statistics.councils[statistics.councils["year"] == year]
    average_column = f"type_avg_{key.column}"
    eligible = councils[
        (councils[key.basis_column] >= min_basis) & councils[key.column].notna() & councils[average_column].notna()
    ].copy()
    eligible["difference"] = eligible[key.column] - eligible[average_column]
    eligible["printed_difference"] = [
        printed_gap(value, average) for value, average in zip(eligible[key.column], eligible[average_column])
    ]
    eligible["_gap"] = eligible["printed_difference"].map(float)
    kept = ["authority_code", "authority_name", "authority_type", key.basis_column, key.column, average_column,
            "difference", "printed_difference", "rank", "tied"]

    def ranked(frame: pd.DataFrame, largest_first: bool) -> pd.DataFrame:
        frame = frame.sort_values(["_gap", "authority_name"], ascending=[not largest_first, True]).copy()
        frame["rank"] = frame["_gap"].rank(method="min", ascending=not largest_first).astype("int64")
        frame["tied"] = frame.groupby("_gap")["_gap"].transform("size").astype("int64")
        return frame[frame["rank"] <= n][kept].reset_index(drop=True)

    return ranked(eligible[eligible["_gap"] > 0], True), ranked(eligible[eligible["_gap"] < 0], False)


def non_compliance(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """Councils whose compliance rate for the year is below 100%, lowest first (ties by name)."""
    councils = year_councils(statistics, year)
    below = councils[councils["compliance_rate"].notna() & (councils["compliance_rate"] < 1)]
    kept = [
        "authority_code", "authority_name", "authority_type", "compliance_outcomes",
        "complied", "complied_late", "not_complied", "compliance_rate",
    ]
    return below.sort_values(["compliance_rate", "authority_name"])[kept].reset_index(drop=True)


def abolished_councils(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """Councils in the year's letters that ceased before the letter date (its letter goes to the successor).

    Columns ``authority_code``, ``authority_name``, ``abolished`` (the last day, a date) and
    ``successors`` (their names, a list; empty when the register names none); the letter date is
    the one in the year's parameters file.
    """
    from .. import register

    year = check_year(statistics, year)
    letter_day = register.letter_date(year, None)  # the year's parameters file (the review has no other)
    councils = statistics.councils[statistics.councils["year"] == year].sort_values("authority_name")
    records = []
    for code, name in zip(councils["authority_code"], councils["authority_name"]):
        ended = register.abolished_before(code, letter_day) if letter_day is not None else None
        if ended:
            records.append({"authority_code": code, "authority_name": name, "abolished": ended[0],
                            "successors": [row["authority_name"] for row in ended[1]]})
    return pd.DataFrame(records, columns=["authority_code", "authority_name", "abolished", "successors"])


def remedies_by_type(statistics: Statistics, year: int | str) -> pd.DataFrame | None:
    """England's remedies agreed in the year by type: remedy_type, remedies, share, service_improvement (bool).

    None when the data had no remedies table. Counts come from ``Statistics.national``.
    """
    year = check_year(statistics, year)
    if not getattr(statistics, "has_remedies", False):
        return None
    row = statistics.national.set_index("year").loc[year]
    total = int(row["remedies_total"])
    records = [
        {
            "remedy_type": label, "remedies": int(row[column]),
            "share": int(row[column]) / total if total else float("nan"),
            "service_improvement": label in SERVICE_IMPROVEMENT_TYPES,
        }
        for label, column in REMEDY_COLUMNS.items()
    ]
    return pd.DataFrame(records)


def public_reports(statistics: Statistics, year: int | str) -> pd.DataFrame | None:
    """The public reports issued in the year (council, date, kind, case reference); None without a reports table."""
    year = check_year(statistics, year)
    listed = getattr(statistics, "report_list", None)
    if listed is None:
        return None
    return listed[listed["year"] == year].reset_index(drop=True)
