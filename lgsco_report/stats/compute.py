"""Computing the statistics: cases (or council-level figures) counted, then every rate,
type average and national total derived (the definitions are in ``stats``' docstring).

Everything here hands out numbers; ``formatting`` words them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import metrics
from ..counting import (  # noqa: F401
    CATEGORY_COUNT_COLUMNS,
    COMPLIANCE_COLUMNS,
    COUNCIL_EXTRA_COLUMNS,
    DECISION_COLUMNS,
    REMEDY_COLUMNS,
    REMEDY_COUNT_COLUMNS,
    REPORT_COLUMNS,
    REPORT_COUNT_COLUMNS,
    Counts,
    RegisterFunction,
    count_cases,
    count_columns,
    empty_category_frame,
    is_former,
    received_columns,
)
from ..definitions import (
    AVERAGE_METHODS,
    AUTHORITY_TYPES,
    CATEGORIES,
    SERVICE_IMPROVEMENT_TYPES,
    parse_year,
)
from ..inputs.schema import TABLES
from .averages import figure_averages
from .model import Statistics

PER_100K = 100_000

#: Council types whose area is also covered by councils of another type (a county
#: council's residents all live in its districts): left out of national population totals.
OVERLAPPING_TYPES: tuple[str, ...] = ("County Council",)

#: Published columns added (after the others, in this order) when the reports table is given.
REPORT_PUBLISHED_COLUMNS: tuple[str, ...] = ("public_reports", *REPORT_COLUMNS.values())
#: Published columns added when the remedies table is given.
REMEDY_PUBLISHED_COLUMNS: tuple[str, ...] = (
    "remedies_total", *REMEDY_COLUMNS.values(), "service_improvements", "remedies_completed_late", "remedies_overdue",
    "remedies_due_or_done", "late_or_overdue_rate", "type_avg_late_or_overdue_rate",
)


# --------------------------------------------------------------------------- columns


def published_columns(categories: Sequence[str] = CATEGORIES) -> list[str]:
    """The published table's columns, in the published order (``metrics.published_columns``)."""
    return metrics.published_columns(categories)


def _summary_columns(categories: Sequence[str], key_columns: list[str]) -> list[str]:
    """Columns of ``Statistics.types`` / ``Statistics.national`` (before extras)."""
    return [
        *key_columns,
        "councils",
        *count_columns(categories),
        "population",
        "councils_without_population",
        *rate_columns(),
    ]


def rate_columns() -> list[str]:
    """The council table's rates made from the case tables' counts (``metrics.rates()``), in order."""
    return [m.column for m in metrics.rates()]


# --------------------------------------------------------------------------- compute: count, then derive


def compute_statistics(
    cases: Any,
    average_method: str = "pooled",
    register: RegisterFunction | None = None,
    categories: Sequence[str] | None = None,
) -> Statistics:
    """Compute every council's, type's and the nation's figures for every year.

    ``cases`` is an ``inputs.CaseData`` or any object with ``received``,
    ``decided`` and ``compliance`` frames (``years``, ``is_sample`` and
    ``sources`` are used when present). Years are those in ``cases.years`` plus
    any year a case date falls in. ``register`` maps a year to that year's
    councils (default ``register.councils_for_year``; each year is read once).
    ``categories`` defaults to ``definitions.CATEGORIES``. The cases are counted
    (``counting.count_cases``), then everything is derived from the counts
    (``derive_statistics``).
    """
    _check_average_method(average_method)
    return derive_statistics(count_cases(cases, register=register, categories=categories), average_method)


def _check_average_method(average_method: str) -> None:
    if average_method not in AVERAGE_METHODS:
        raise ValueError(f"average_method must be one of {', '.join(AVERAGE_METHODS)}; got {average_method!r}")


def derive_statistics(counts: Counts, average_method: str = "pooled") -> Statistics:
    """Rates, averages for similar councils, type and national totals, from the counts alone.

    ``counts`` is a ``counting.Counts`` from any input: case rows
    (``counting.count_cases``), a table of council-level counts
    (``counting.counts_from_table``) or a figures folder (``Counts.kind ==
    "figures"``: averages as in ``stats.averages``). The definitions are in the
    module docstring; former councils' legacy rows are in the national totals
    only, never in a type's totals or averages.
    """
    _check_average_method(average_method)
    categories = counts.categories
    councils = _council_rates(counts.councils, categories)
    former = is_former(counts.councils).to_numpy()
    type_keys = ["year", "authority_type"]
    types = _summarise(councils[~former], type_keys, categories)
    if average_method == "pooled":
        # The pooled average of a type is exactly the rate of the type's totals.
        averages = types.loc[:, [*type_keys, *rate_columns()]]
    else:
        averages = councils[~former].groupby(type_keys, sort=False)[rate_columns()].mean().reset_index()
    averages = averages.rename(columns={rate: f"type_avg_{rate}" for rate in rate_columns()})
    if counts.kind == "figures":
        averages = figure_averages(counts, averages)
    types = types.merge(averages, on=type_keys, how="left", validate="one_to_one")
    councils = councils.merge(averages, on=type_keys, how="left", validate="many_to_one")
    # A former council belongs to no type any more: its average is not applicable.
    councils.loc[former, [f"type_avg_{rate}" for rate in rate_columns()]] = np.nan

    for column in COUNCIL_EXTRA_COLUMNS:
        councils[column] = counts.councils[column].to_numpy()
    councils = councils.loc[:, [*published_columns(categories), *COUNCIL_EXTRA_COLUMNS, *_marker_columns(councils)]]
    national = _national(councils, counts, former)
    councils, types, national = _add_reports_and_remedies(counts, councils, types, national, average_method)

    return Statistics(
        has_reports=counts.has_reports,
        has_remedies=counts.has_remedies,
        report_list=counts.report_list,
        councils=councils,
        types=types,
        national=national,
        unassigned=counts.unassigned,
        average_method=average_method,
        categories=categories,
        is_sample=counts.is_sample,
        sources=counts.sources,
        by_category=_cacheable_categories(counts.by_category),
    )


#: Columns of ``Statistics.councils`` that exist only for some inputs, after the extra columns:
#: ``former`` / ``successor_codes`` when there are former councils' legacy rows, ``has_figures`` for figures.
MARKER_COLUMNS: tuple[str, ...] = ("former", "successor_codes", "has_figures")


def _marker_columns(councils: pd.DataFrame) -> list[str]:
    return [column for column in MARKER_COLUMNS if column in councils.columns]


def _cacheable_categories(by_category: pd.DataFrame) -> pd.DataFrame:
    """Decision counts by category unknown (nullable ``Int64``) as float64 NaN, the cache's kind of missing."""
    nullable = [column for column in by_category.columns if str(by_category[column].dtype) == "Int64"]
    if not nullable:
        return by_category
    result = by_category.copy()
    for column in nullable:
        result[column] = result[column].astype("float64")
    return result


def _council_rates(frame: pd.DataFrame, categories: Sequence[str]) -> pd.DataFrame:
    """Each council's counts and its own rates (``Counts.councils`` -> the start of ``Statistics.councils``).

    Counted cases give int64 counts; figures float64, NaN where not known, and a
    rate with an unknown part is NaN (never made from a blank taken as zero).
    """
    missing = [column for column in count_columns(categories) if column not in frame.columns]
    if missing:
        raise ValueError(f"the counts lack column(s) {', '.join(missing)}; every input must give all of count_columns()")
    count_dtype = "float64" if "has_figures" in frame.columns else "int64"
    columns: dict[str, np.ndarray] = {
        name: frame[name].to_numpy(dtype=object) for name in ("authority_code", "authority_name", "authority_type")
    }
    columns["year"] = frame["year"].to_numpy(dtype="int64")
    for column in count_columns(categories):
        columns[column] = frame[column].to_numpy(dtype=count_dtype)
    columns["population"] = frame["population"].to_numpy(dtype="float64")
    for rate, (numerator, denominator, scale) in _rate_parts(columns).items():
        columns[rate] = _ratio(numerator, denominator, scale)
    result = pd.DataFrame(columns)
    if "former" in frame.columns:
        result["former"] = frame["former"].to_numpy(dtype=bool)
        result["successor_codes"] = frame["successor_codes"].to_numpy(dtype=object)
    if "has_figures" in frame.columns:
        result["has_figures"] = frame["has_figures"].to_numpy(dtype=bool)
    return result


def _national(councils: pd.DataFrame, counts: Counts, former: np.ndarray) -> pd.DataFrame:
    """One row per year (a year whose register is empty gets a row of zeros), with the unassigned cases beside.

    Former councils' legacy rows are in the totals; their residents are not (they
    live in the successors' areas, counted there).
    """
    categories = counts.categories
    national = _summarise(councils, ["year"], categories, overlapping_types=OVERLAPPING_TYPES, residents_elsewhere=former)
    national = national.set_index("year").reindex(counts.years).rename_axis("year").reset_index()
    figures = counts.kind == "figures"
    zero_columns = ["councils", *([] if figures else count_columns(categories)), "councils_without_population"]
    national[zero_columns] = national[zero_columns].fillna(0).astype("int64")
    national["population"] = national["population"].fillna(0.0)
    for table in TABLES:
        national[f"unassigned_{table}"] = _unassigned_per_year(national, counts.unassigned, table)
    return national


def _unassigned_per_year(national: pd.DataFrame, unassigned: pd.DataFrame, table: str) -> pd.Series:
    counts = unassigned.loc[unassigned["table"] == table].groupby("year")["count"].sum()
    return national["year"].map(counts).fillna(0).astype("int64")


def _late_rate(frame: Any) -> np.ndarray:
    return _ratio(frame["remedies_completed_late"] + frame["remedies_overdue"], frame["remedies_due_or_done"])


def _add_reports_and_remedies(
    counts: Counts, councils: pd.DataFrame, types: pd.DataFrame, national: pd.DataFrame, average_method: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Append the report and remedy columns (module docstring) to the tables; nothing when neither table is given."""
    present = [*(REPORT_COUNT_COLUMNS if counts.has_reports else ()), *(REMEDY_COUNT_COLUMNS if counts.has_remedies else ())]
    if not present:
        return councils, types, national
    # ``councils`` is in register order, the order of ``counts.councils``.
    councils = councils.copy()
    for column in present:
        councils[column] = counts.councils[column].to_numpy()
    current = ~is_former(counts.councils).to_numpy()  # former councils: national totals only
    sums = {group: councils[rows].groupby(by, sort=False)[present].sum().reset_index() for group, by, rows in
            (("types", ["year", "authority_type"], current), ("national", ["year"], slice(None)))}
    if counts.has_remedies:
        councils["late_or_overdue_rate"] = _late_rate(councils)
        for frame in sums.values():
            frame["late_or_overdue_rate"] = _late_rate(frame)
        if average_method == "pooled":
            averages = sums["types"][["year", "authority_type", "late_or_overdue_rate"]]
        else:
            averages = councils[current].groupby(["year", "authority_type"], sort=False)[["late_or_overdue_rate"]].mean().reset_index()
        averages = averages.rename(columns={"late_or_overdue_rate": "type_avg_late_or_overdue_rate"})
        councils = councils.merge(averages, on=["year", "authority_type"], how="left", validate="many_to_one")
        councils.loc[~current, "type_avg_late_or_overdue_rate"] = np.nan
        sums["types"] = sums["types"].merge(averages, on=["year", "authority_type"], how="left", validate="one_to_one")
    types = types.merge(sums["types"], on=["year", "authority_type"], how="left", validate="one_to_one")
    national = national.merge(sums["national"], on="year", how="left", validate="one_to_one")
    national[present] = national[present].fillna(0).astype("int64")
    for table, given in (("reports", counts.has_reports), ("remedies", counts.has_remedies)):
        if given:
            national[f"unassigned_{table}"] = _unassigned_per_year(national, counts.unassigned, table)
    return councils, types, national


def category_table(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """Complaints received and upheld by service category for ``year``, with shares, rates and changes.

    One row per category (the data's category order) with the counts of
    ``Statistics.by_category``, ``received_share`` (of all complaints received
    in the year), ``upheld_rate`` (upheld / detailed investigations, NaN without
    any) and, for the previous year (NaN/NA when it is not in the data):
    ``previous_received``, ``previous_upheld``, ``previous_upheld_rate``,
    ``received_change`` (count) and ``upheld_rate_change`` (fraction).
    """
    year = parse_year(year)
    if year not in statistics.years:
        raise ValueError(
            f"no statistics for the year ending 31 March {year}; "
            f"years available: {', '.join(map(str, statistics.years)) or 'none'}"
        )
    table = statistics.by_category
    current = table[table["year"] == year].set_index("category").reindex(list(statistics.categories)).copy()
    total = current["received"].sum()
    current["received_share"] = _ratio(current["received"], np.full(len(current), total))
    current["upheld_rate"] = _ratio(current["upheld"].astype("float64"), current["detailed_investigations"].astype("float64"))
    previous = table[table["year"] == year - 1].set_index("category").reindex(list(statistics.categories))
    has_previous = (year - 1) in statistics.years
    current["previous_received"] = previous["received"] if has_previous else pd.NA
    current["previous_upheld"] = previous["upheld"] if has_previous else pd.NA
    current["previous_upheld_rate"] = (
        _ratio(previous["upheld"].astype("float64"), previous["detailed_investigations"].astype("float64"))
        if has_previous else np.nan
    )
    current["received_change"] = (current["received"] - previous["received"]) if has_previous else pd.NA
    current["upheld_rate_change"] = current["upheld_rate"] - current["previous_upheld_rate"]
    return current.reset_index().drop(columns="year")


def _rate_parts(frame: Any) -> dict[str, tuple[Any, Any, int]]:
    """Rate name -> (numerator, denominator, scale) over a table (or dict of arrays) of counts (``metrics.rates()``)."""
    return {
        m.column: (metrics.add_parts(frame, m.numerator), metrics.add_parts(frame, m.denominator), m.scale)
        for m in metrics.rates()
    }


def _count_based_rates() -> list[str]:
    """Rates whose denominator counts cases (not residents): the ones a letter words as "13 of 21"."""
    counts = set(metrics.count_columns())
    return [m.column for m in metrics.rates() if set(m.denominator) <= counts]


def rate_basis(figures: Any, rate: str) -> tuple[int, int]:
    """The counts one council's rate is made of: ``(numerator, denominator)``.

    For a count-based rate (``upheld_rate``, ``satisfactory_remedy_rate``,
    ``compliance_rate``), from a row of ``Statistics.councils``; the letter words
    its sentences ("all 11", "13 of 21") from these, so its counts and rates
    share one definition.
    """
    if rate not in _count_based_rates():
        raise ValueError(f"rate_basis() takes a count-based rate ({', '.join(_count_based_rates())}), not {rate!r}")
    metric = metrics.rate(rate)
    return int(metrics.add_parts(figures, metric.numerator)), int(metrics.add_parts(figures, metric.denominator))


def _ratio(numerator: Any, denominator: Any, scale: int = 1) -> np.ndarray:
    """numerator / denominator * scale as float64; NaN where the denominator is 0 or missing."""
    numerator = np.asarray(numerator, dtype="float64")
    denominator = np.asarray(denominator, dtype="float64")
    result = np.full(numerator.shape, np.nan)
    usable = denominator > 0  # False for NaN (unknown population)
    np.divide(numerator, denominator, out=result, where=usable)
    result[usable] *= scale
    return result


def _summarise(
    councils: pd.DataFrame, keys: list[str], categories: Sequence[str], overlapping_types: Sequence[str] = (),
    residents_elsewhere: np.ndarray | None = None,
) -> pd.DataFrame:
    """Totals (sums of council rows) and pooled rates per group of ``keys``, in one group-by.

    A pooled rate is sum of numerators / sum of denominators over the group's
    councils whose own rate exists: a zero denominator (or, for figures, an
    unknown part) adds nothing to either sum, and for the per 100,000 figure a
    council with unknown population is left out of both (its upheld cases are
    still in the ``upheld`` total). Councils of ``overlapping_types`` and rows
    marked ``residents_elsewhere`` (former councils) add their upheld cases but
    not their residents (already counted in the councils beneath or after
    them), so the group's population counts each resident once. With figures
    (float64 counts) a total is the sum over the councils that gave that figure,
    NaN when none did; ``councils_with_figures`` says how many councils had figures.
    """
    counts = count_columns(categories)
    figures = "has_figures" in councils.columns
    population = councils["population"].to_numpy(dtype="float64")
    work: dict[str, np.ndarray] = {key: councils[key].to_numpy() for key in keys}
    work["councils"] = np.ones(len(councils), dtype="int64")
    for column in counts:
        work[column] = councils[column].to_numpy(dtype="float64" if figures else "int64")
    work["population"] = np.nan_to_num(population, nan=0.0)
    work["councils_without_population"] = np.isnan(population).astype("int64")
    if figures:
        work["councils_with_figures"] = councils["has_figures"].to_numpy(dtype="int64")
    scales = {}
    for rate, (numerator, denominator, scale) in _rate_parts(councils).items():
        numerator, denominator = np.asarray(numerator, dtype="float64"), np.asarray(denominator, dtype="float64")
        usable = (denominator > 0) & ~np.isnan(numerator)
        work[f"_num_{rate}"] = np.where(usable, numerator, 0.0)
        work[f"_den_{rate}"] = np.where(usable, denominator, 0.0)
        scales[rate] = scale
    overlapping = councils["authority_type"].isin(list(overlapping_types)).to_numpy()
    if residents_elsewhere is not None:
        overlapping = overlapping | residents_elsewhere
    work["population"] = np.where(overlapping, 0.0, work["population"])
    for metric in metrics.rates():
        if "population" in metric.denominator:  # each resident once: an overlapping council's are counted beneath it
            work[f"_den_{metric.column}"] = np.where(overlapping, 0.0, work[f"_den_{metric.column}"])
    grouped = pd.DataFrame(work).groupby(keys, sort=True)
    sums = grouped.sum(min_count=1) if figures else grouped.sum()
    for rate, scale in scales.items():
        sums[rate] = _ratio(sums[f"_num_{rate}"], sums[f"_den_{rate}"], scale)
    totals = sums.reset_index()
    if "authority_type" in keys:
        order = {name: position for position, name in enumerate(AUTHORITY_TYPES)}
        totals = totals.sort_values(
            ["year", "authority_type"], key=lambda s: s.map(order) if s.name == "authority_type" else s, kind="stable"
        ).reset_index(drop=True)
    totals["year"] = totals["year"].astype("int64")
    return totals.loc[:, [*_summary_columns(categories, keys), *(["councils_with_figures"] if figures else [])]]


# --------------------------------------------------------------------------- for the letter


#: A council's rate resting on fewer than this many cases in its denominator is
#: "a small base": the letters and charts say so, because one case moves it a lot.
SMALL_BASE = 10


def is_small_base(denominator: int) -> bool:
    """True when a rate rests on at least one but fewer than ``SMALL_BASE`` cases."""
    return 0 < denominator < SMALL_BASE


def reports_and_remedies(statistics: Statistics, code: str, year: int | str) -> dict[str, Any] | None:
    """What the letter says about public reports and remedies for one council, or None when neither table was given.

    ``reports`` (None without the reports table): ``total``, ``public_interest``,
    ``further``. ``remedies`` (None without the remedies table): ``total``,
    ``service_improvements`` and ``service_improvements_by_type`` (``(label,
    count)`` for each service-improvement type with a count, in
    ``SERVICE_IMPROVEMENT_TYPES`` order), ``completed_late``, ``overdue``,
    ``late_or_overdue``, ``due_or_done`` (the rate's base), ``late_or_overdue_rate``
    and ``type_avg_late_or_overdue_rate`` (fractions, NaN when missing: nothing was
    due) and ``small_base`` (``is_small_base``). Numbers only: the letter's context
    words them (``formatting``).
    """
    if not (getattr(statistics, "has_reports", False) or getattr(statistics, "has_remedies", False)):
        return None
    figures = statistics.council(code, year)
    result: dict[str, Any] = {"reports": None, "remedies": None}
    if statistics.has_reports:
        result["reports"] = {
            "total": int(figures["public_reports"]),
            "public_interest": int(figures["public_interest_reports"]),
            "further": int(figures["further_reports"]),
        }
    if statistics.has_remedies:
        late, overdue, base = (int(figures[c]) for c in ("remedies_completed_late", "remedies_overdue", "remedies_due_or_done"))
        by_type = [(label, int(figures[REMEDY_COLUMNS[label]])) for label in SERVICE_IMPROVEMENT_TYPES]
        result["remedies"] = {
            "total": int(figures["remedies_total"]),
            "service_improvements": int(figures["service_improvements"]),
            "service_improvements_by_type": [(label, count) for label, count in by_type if count],
            "completed_late": late,
            "overdue": overdue,
            "late_or_overdue": late + overdue,
            "due_or_done": base,
            "late_or_overdue_rate": float(figures["late_or_overdue_rate"]),
            "type_avg_late_or_overdue_rate": float(figures["type_avg_late_or_overdue_rate"]),
            "small_base": is_small_base(base),
        }
    return result
