"""Every count and rate of the statistics, declared once.

Each :class:`Metric` says what a column is (title, definition, how it is
displayed), and for a rate what it is made of (numerator and denominator
counts, scale). ``stats`` builds the rates, the type averages and the published
column order from ``METRICS``; the letter, the charts, the national review, the
index page and the statistics pack loop over it for their rows, titles and
number formats. Adding a statistic is one entry here (and, for the letter, one
sentence in its template): see ``docs/adding-a-statistic.md``.

Where a metric shows beyond the published table
    A *key rate* (``key_rate=True``) is in every view of ``KEY_RATE_VIEWS``: the
    letter's key-rates chart and its similar-councils sentences, the index page,
    the national review's summary, totals, type averages, distribution charts
    and outlier tables. Any other view takes a metric through a :class:`Shown`
    entry, which can also give the metric another title there, or place it
    before another column (by default a view follows the order of ``METRICS``,
    which is the published order).

Code reads ``METRICS`` when it runs (never a copy made at import), so a test
can extend the registry and see the new entry everywhere.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .definitions import (
    ADVICE_GIVEN,
    CATEGORIES,
    CLOSED_AFTER_INITIAL_ENQUIRIES,
    COMPLIED,
    COMPLIED_LATE,
    INCOMPLETE_INVALID,
    NOT_COMPLIED,
    NOT_UPHELD,
    REFERRED_BACK,
    REMEDY_TYPES,
    UPHELD,
    snake_case,
)
from .formatting import count_text, per_100k_text, percent

__all__ = [
    "COMPLIANCE_RATE_DEFINITION", "DISPLAYS", "KEY_RATE_VIEWS", "METRICS", "VIEWS", "WHERE", "Metric", "Shown", "all_metrics", "count_columns", "display_text",
    "find", "key_rates", "label_columns", "letter_rates", "published_columns", "rate", "rates", "view",
]

#: How a column is displayed: ``label`` (text or a year: no number format), ``count`` (whole
#: cases, ``1,234``), ``residents`` (a population, ``1,234``), ``percent`` (a 0-1 rate, by
#: ``formatting.percent``), ``per_100k`` (one decimal place), ``change`` (a change in a rate, a fraction).
DISPLAYS: tuple[str, ...] = ("label", "count", "residents", "percent", "per_100k", "change")

#: Views every key rate is in (see the module docstring).
KEY_RATE_VIEWS: tuple[str, ...] = (
    "key_rates_chart", "index", "national_key_rates", "national_summary", "national_totals", "national_types",
    "letter_type_averages",
)

#: Every view a ``Shown`` may name: ``counts`` orders the count columns of the type and national tables;
#: the others are documents' tables and charts (``national_type_basis``: the counts behind the type averages).
VIEWS: tuple[str, ...] = ("counts", "national_type_basis", *KEY_RATE_VIEWS)

#: Where a metric's column lives: the council table (published; counts summed and rates pooled for
#: types and England), the type and national tables only, or the category table only.
WHERE: tuple[str, ...] = ("councils", "summary", "categories")


@dataclass(frozen=True)
class Shown:
    """A metric in a view beyond the published table: its title there and its place."""

    view: str
    title: str | None = None  # None: the metric's own title
    before: str | None = None  # a column of the view this one comes just before; None: registry order


@dataclass(frozen=True)
class Metric:
    """One column of the statistics: a count, a rate or a label.

    ``numerator`` and ``denominator`` (rates only) are count columns added
    together; the rate is numerator / denominator * ``scale``, missing when the
    denominator is 0. Every rate of the council table has a ``type_avg_<column>``
    beside it (the average for similar councils). ``letter_key`` names the
    printed figure in the letter's context (its type average is
    ``type_avg_<letter_key>``); ``basis`` names the numerator and denominator
    counts there (count-based rates only). ``label`` is the case-table label a
    count counts (a category or an outcome); ``source`` the case table it counts.
    ``requires`` names the optional table (``reports`` / ``remedies``) without
    which the column does not exist.
    """

    column: str
    title: str
    definition: str
    display: str
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    scale: int = 1
    where: str = "councils"
    requires: str | None = None
    key_rate: bool = False
    letter_key: str | None = None
    basis: tuple[str, str] | None = None
    basis_title: str | None = None  # how the denominator is named beside the rate ("Detailed investigations")
    average_definition: str | None = None  # the type average's definition, when not the usual sentence
    source: str | None = None
    label: str | None = None
    per_category: bool = False  # a template: one column per received category ("{category}", "{snake}")
    shown: tuple[Shown, ...] = ()

    @property
    def is_rate(self) -> bool:
        return bool(self.numerator)

    @property
    def average_column(self) -> str:
        return f"type_avg_{self.column}"

    def average(self) -> Metric:
        """The ``type_avg_*`` column of this rate (the average for similar councils)."""
        return replace(
            self, column=self.average_column, title=f"{self.title}, similar councils",
            definition=self.average_definition or f"{self.title} of similar councils, as the letters print it.",
            numerator=(), denominator=(), key_rate=False, letter_key=None, basis=None, shown=(),
        )

    def place(self, view: str) -> Shown | None:
        """How this metric is shown in ``view``, or None when it is not in it."""
        for shown in self.shown:
            if shown.view == view:
                return shown
        return Shown(view) if self.key_rate and view in KEY_RATE_VIEWS else None


def _label(column: str, title: str, definition: str) -> Metric:
    return Metric(column, title, definition, "label")


def _count(column: str, title: str, definition: str, **more: Any) -> Metric:
    return Metric(column, title, definition, "count", **more)


def _decision(label: str, column: str, title: str, definition: str, **more: Any) -> Metric:
    return _count(column, title, definition, source="decided", label=label, **more)


def _compliance(label: str, column: str, title: str, definition: str, **more: Any) -> Metric:
    return _count(column, title, definition, source="compliance", label=label, **more)


_DETAILED = "detailed_investigations"
_SATISFACTORY = "satisfactory_remedy_rate"

#: What the compliance rate is, as the letters' notes print it (complied on time or late over compliance outcomes).
COMPLIANCE_RATE_DEFINITION = (
    "Cases in which the council carried out our recommendations, on time or late, as a share of the cases whose "
    "compliance outcome we recorded in the year. It counts cases, not single recommendations."
)


#: The council table's columns in published order, then the optional tables' columns, then the
#: columns of the type / national tables and of the category table.
METRICS: tuple[Metric, ...] = (
    _label("authority_code", "Authority code (GSS)", "GSS code of the council (the register's code for the year)."),
    _label("authority_name", "Council", "Official name of the council."),
    _label("authority_type", "Council type", "Comparison group: County Council, District Council, Metropolitan Borough, Unitary Council or London Borough."),
    _label("year", "Year ending March", "Year ending 31 March (2020 = 1 April 2019 to 31 March 2020)."),
    _count("received_total", "Complaints and enquiries received", "Complaints and enquiries received in the year (by date received).",
           source="received", shown=(Shown("national_summary"), Shown("national_totals"))),
    _count("received_{snake}", "Received: {category}", "Complaints and enquiries received in the year about {category}.",
           source="received", per_category=True),
    _count("decisions_total", "Decisions made", "Decisions made in the year, every outcome (by decision date).",
           source="decided", shown=(Shown("national_summary"), Shown("national_totals"))),
    _decision(UPHELD, "upheld", "Upheld", "Decisions upheld: fault found, including when the council had already remedied it.",
              shown=(Shown("national_totals"), Shown("national_type_basis"))),
    _decision(NOT_UPHELD, "not_upheld", "Not upheld", "Decisions not upheld after a detailed investigation."),
    _count(_DETAILED, "Detailed investigations", "Upheld + not upheld: the decisions made after a detailed investigation.",
           shown=(Shown("counts", before="satisfactory_remedies"), Shown("national_summary"),
                  Shown("national_totals", before="upheld"),
                  Shown("national_type_basis", before="upheld"))),
    _decision(ADVICE_GIVEN, "advice_given", "Advice given", "Decisions: advice given."),
    _decision(CLOSED_AFTER_INITIAL_ENQUIRIES, "closed_after_initial_enquiries", "Closed after initial enquiries",
              "Decisions: closed after initial enquiries."),
    _decision(INCOMPLETE_INVALID, "incomplete_invalid", "Incomplete/Invalid", "Decisions: incomplete or invalid."),
    _decision(REFERRED_BACK, "referred_back", "Referred back for local resolution",
              "Decisions: referred back to the council for local resolution."),
    Metric("upheld_rate", "Uphold rate", "Upheld / detailed investigations.", "percent",
           numerator=("upheld",), denominator=(_DETAILED,), key_rate=True, letter_key="uphold_pct",
           basis=("upheld", "investigations"), basis_title="Detailed investigations",
           average_definition="Uphold rate of similar councils (same type, same year), as the letters print it.",
           shown=(Shown("index", "Upheld"),)),
    _count("satisfactory_remedies", "Satisfactory remedies by the council",
           "Upheld decisions where the council had already offered a remedy the Ombudsman found suitable.",
           source="decided", shown=(Shown("national_type_basis", "Satisfactory remedies"),)),
    Metric(_SATISFACTORY, "Satisfactory remedy rate", "Satisfactory remedies / upheld decisions.", "percent",
           numerator=("satisfactory_remedies",), denominator=("upheld",), key_rate=True, letter_key="remedy_pct",
           basis=("satisfactory_remedies", "upheld"), basis_title="Upheld decisions",
           shown=(Shown("index", "Satisfactory remedy"), Shown("national_totals"))),
    _count("compliance_outcomes", "Compliance outcomes recorded", "Compliance outcomes recorded in the year (by compliance date).",
           source="compliance", shown=(Shown("national_type_basis", "Compliance outcomes"),)),
    _compliance(COMPLIED, "complied", "Complied on time", "Cases whose recommendations the council carried out on time."),
    _compliance(COMPLIED_LATE, "complied_late", "Complied late", "Cases whose recommendations the council carried out late (counted as compliance in the rate)."),
    _compliance(NOT_COMPLIED, "not_complied", "Not complied", "Cases whose recommendations the council did not carry out.",
                shown=(Shown("national_type_basis"),)),
    # The one definition every document prints (the letters' notes, the review's notes, the pack, the index):
    # each compliance outcome is one case, so the rate counts cases, not single recommendations.
    Metric("compliance_rate", "Compliance rate", COMPLIANCE_RATE_DEFINITION, "percent",
           numerator=("complied", "complied_late"), denominator=("compliance_outcomes",), key_rate=True,
           letter_key="compliance_pct", basis=("complied_total", "compliance_outcomes"), basis_title="Compliance outcomes",
           shown=(Shown("key_rates_chart", before=_SATISFACTORY), Shown("index", "Compliance", before=_SATISFACTORY),
                  Shown("national_totals"))),
    Metric("population", "Population", "Residents (register's 2020 figure). National: single-tier and district councils only, so county residents are counted once.", "residents"),
    Metric("upheld_per_100k", "Upheld per 100,000 residents", "Upheld decisions per 100,000 residents: upheld / population x 100,000.",
           "per_100k", numerator=("upheld",), denominator=("population",), scale=100_000, letter_key="upheld_per_100k",
           average_definition="Upheld per 100,000 residents for similar councils, as the letters print it.",
           shown=(Shown("index", "Upheld per 100k"), Shown("national_summary", "Upheld decisions per 100,000 residents"),
                  Shown("national_types"))),
    # The optional tables' columns (appended to the published table when those tables are given).
    _count("public_reports", "Public reports", "Public reports issued about the council in the year (by report date): public interest + further reports.", requires="reports"),
    _count("public_interest_reports", "Public interest reports", "Public interest reports issued in the year.", requires="reports"),
    _count("further_reports", "Further reports", "Further reports issued in the year (when a council has not complied with recommendations).", requires="reports"),
    _count("remedies_total", "Remedies agreed", "Remedies agreed in the year (by agreed date), every type.", requires="remedies"),
    *(_count(f"remedies_{snake_case(label)}", f"Remedies: {label.lower()}", f"Remedies agreed in the year of the type '{label}'.",
             requires="remedies", label=label) for label in REMEDY_TYPES),
    _count("service_improvements", "Service improvements agreed", "Procedure or policy changes + staff training + other service improvements agreed in the year.", requires="remedies"),
    _count("remedies_completed_late", "Remedies completed late", "Remedies agreed in the year and completed after their due date.", requires="remedies"),
    _count("remedies_overdue", "Remedies overdue at the year end", "Remedies agreed in the year, not completed, and due on or before 31 March of the year (overdue at the year end).", requires="remedies"),
    _count("remedies_due_or_done", "Remedies done or due by the year end", "Remedies agreed in the year that were completed, or were due by the year end (the base of the late or overdue rate).", requires="remedies"),
    Metric("late_or_overdue_rate", "Late or overdue rate", "(Completed late + overdue at the year end) / remedies done or due by the year end.",
           "percent", numerator=("remedies_completed_late", "remedies_overdue"), denominator=("remedies_due_or_done",),
           requires="remedies"),
    # Columns of the type and national tables only.
    _count("councils", "Councils", "Number of councils in the group.", where="summary"),
    _count("councils_without_population", "Councils without a population figure", "Councils with no population in the register (left out of per-100,000 figures).", where="summary"),
    _count("unassigned_received", "Received cases outside the register", "Received cases naming an authority not in the year's register (left out of every figure).", where="summary"),
    _count("unassigned_decided", "Decided cases outside the register", "Decided cases naming an authority not in the year's register (left out of every figure).", where="summary"),
    _count("unassigned_compliance", "Compliance outcomes outside the register", "Compliance outcomes naming an authority not in the year's register (left out of every figure).", where="summary"),
    _count("unassigned_reports", "Public reports outside the register", "Public reports naming an authority not in the year's register (left out of every figure).", where="summary", requires="reports"),
    _count("unassigned_remedies", "Remedies outside the register", "Remedies naming an authority not in the year's register (left out of every figure).", where="summary", requires="remedies"),
    # Columns of the category table (``stats.category_table``) not in the council table.
    Metric("category", "Service category", "Service category of the complaint (received) or of the decision (decided).",
           "label", where="categories"),
    _count("received", "Received", "Complaints and enquiries received in the category.", where="categories"),
    _count("decisions", "Decisions made", "Decisions made in the category.", where="categories"),
    Metric("received_share", "Share of complaints received", "The category's share of all complaints and enquiries received in the year.", "percent", where="categories"),
    _count("previous_received", "Received, previous year", "Received in the category in the year before (empty if that year is not in the data).", where="categories"),
    _count("previous_upheld", "Upheld, previous year", "Upheld in the category in the year before.", where="categories"),
    Metric("previous_upheld_rate", "Uphold rate, previous year", "Uphold rate of the category in the year before.", "percent", where="categories"),
    _count("received_change", "Change in received on the previous year", "Received this year minus received the year before.", where="categories"),
    Metric("upheld_rate_change", "Change in uphold rate on the previous year (fraction)", "Uphold rate this year minus the year before (a fraction: 0.05 = 5 percentage points).", "change", where="categories"),
)


# --------------------------------------------------------------------------- lookups


#: categories -> (the ``METRICS`` it was expanded from, the expansion): looked up hundreds of times a
#: batch; checked against ``METRICS`` itself, so a registry extended at run time is expanded again.
_EXPANDED: dict[tuple[str, ...], tuple[tuple[Metric, ...], tuple[Metric, ...]]] = {}


def all_metrics(categories: Sequence[str] = CATEGORIES) -> tuple[Metric, ...]:
    """``METRICS`` with each per-category template made one metric per category (in the given order)."""
    key = tuple(categories)
    cached = _EXPANDED.get(key)
    if cached is None or cached[0] is not METRICS:
        cached = _EXPANDED[key] = (METRICS, _expand(METRICS, key))
    return cached[1]


def _expand(registry: tuple[Metric, ...], categories: tuple[str, ...]) -> tuple[Metric, ...]:
    expanded: list[Metric] = []
    for metric in registry:
        if not metric.per_category:
            expanded.append(metric)
            continue
        for category in categories:
            names = {"category": category, "snake": snake_case(category)}
            expanded.append(replace(
                metric, column=metric.column.format(**names), title=metric.title.format(**names),
                definition=metric.definition.format(**names), label=category, per_category=False,
            ))
    return tuple(expanded)


def find(column: str, categories: Sequence[str] = CATEGORIES) -> Metric | None:
    """The metric of ``column`` (a ``type_avg_*`` column gives its rate's average), or None."""
    for metric in all_metrics(categories):
        if metric.column == column:
            return metric
        if metric.is_rate and metric.where == "councils" and metric.average_column == column:
            return metric.average()
    return None


def rate(column: str) -> Metric:
    """The rate ``column`` of the council table; ``KeyError`` naming the rates when it is not one."""
    for metric in rates(requires=None) + rates(requires="reports") + rates(requires="remedies"):
        if metric.column == column:
            return metric
    raise KeyError(f"{column!r} is not a rate; rates: {', '.join(m.column for m in rates())}")


def rates(requires: str | None = None) -> tuple[Metric, ...]:
    """The council table's rates made from counts (of the case tables, or of the ``requires`` table), in order."""
    return tuple(m for m in METRICS if m.is_rate and m.where == "councils" and m.requires == requires)


def key_rates() -> tuple[Metric, ...]:
    """The key rates, in the order of ``METRICS`` (the letter's order)."""
    return tuple(m for m in METRICS if m.key_rate)


def letter_rates() -> tuple[Metric, ...]:
    """The rates the letter prints (each with its ``letter_key``)."""
    return tuple(m for m in rates() if m.letter_key)


def label_columns(source: str) -> dict[str, str]:
    """Label -> column of the counts of one case table's labels (``decided``: the decision outcomes)."""
    return {m.label: m.column for m in METRICS if m.source == source and m.label is not None and not m.per_category}


def count_columns(categories: Sequence[str] = CATEGORIES) -> list[str]:
    """Every count of the council table from the case tables (summed for types and England), in table order."""
    counts = [m for m in all_metrics(categories) if m.display == "count" and m.where == "councils" and m.requires is None]
    return [m.column for m in _ordered(counts, "counts")]


def published_columns(categories: Sequence[str] = CATEGORIES, requires: str | None = None) -> list[str]:
    """The council table's columns in published order: each rate followed by its ``type_avg_*``.

    ``requires``: the columns of that optional table instead (appended after the others when given).
    """
    columns = []
    for metric in all_metrics(categories):
        if metric.where == "councils" and metric.requires == requires:
            columns.append(metric.column)
            if metric.is_rate:
                columns.append(metric.average_column)
    return columns


def view(name: str, categories: Sequence[str] = CATEGORIES) -> list[tuple[Metric, str]]:
    """The metrics shown in view ``name``, in order, each with its title there."""
    members = [m for m in all_metrics(categories) if m.place(name) is not None]
    return [(m, m.place(name).title or m.title) for m in _ordered(members, name)]


def _ordered(members: list[Metric], name: str) -> list[Metric]:
    """``members`` in registry order, except those a ``Shown(name, before=...)`` places before another."""
    ordered = list(members)
    for metric in members:
        shown = metric.place(name)
        before = shown.before if shown is not None else None
        if before is not None and before in [m.column for m in ordered]:
            ordered.remove(metric)
            ordered.insert([m.column for m in ordered].index(before), metric)
    return ordered


def display_text(display: str, value: object) -> str | None:
    """``value`` as the documents print a figure of this display; None when it is missing."""
    if display == "percent":
        return percent(value)
    if display == "per_100k":
        return per_100k_text(value)
    if display in ("count", "residents"):
        return count_text(value)
    raise ValueError(f"no text for display {display!r}; displays: {', '.join(DISPLAYS)}")


def add_parts(frame: Any, columns: tuple[str, ...]) -> Any:
    """The sum of ``frame``'s ``columns`` (one column: itself, unchanged)."""
    return functools.reduce(operator.add, (frame[column] for column in columns))
