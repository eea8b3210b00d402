"""Every figure a letter prints, for every council of every year, in one pass.

``compute_statistics`` turns the three validated case tables (``inputs.CaseData``)
and the council register into per-council, per-type and national tables, in two
steps: ``counting.count_cases`` counts the cases of every council and year, and
``derive_statistics`` derives every rate, average and total from those counts
alone (so another input only has to produce the counts: docs/adding-an-input.md).
The work is done with pandas group-bys over all councils and years at once, so a
batch of ~340 letters computes its figures once and looks them up.

Definitions (domain.md; these are what the letters and the published table mean)
-------------------------------------------------------------------------------
Year
    The year ending 31 March Y (``definitions.financial_year``). A row belongs to
    the year its own date falls in: received cases by ``received_date``,
    decisions by ``decision_date``, compliance outcomes by ``compliance_date``.
    So a complaint received in one year and decided in the next is counted as
    received in the first and decided in the second.
Councils
    Every council in the register for year Y (``register.councils_for_year``)
    gets one row, with zeros and missing rates when it had no cases, so every
    council gets a letter.
Received
    Complaints and enquiries received: ``received_total`` and one
    ``received_<category>`` count per category (``definitions.CATEGORIES`` order).
Decisions
    One count per decision outcome; ``detailed_investigations`` = upheld + not
    upheld; ``decisions_total`` = all outcomes.
Uphold rate
    ``upheld / detailed_investigations``.
Satisfactory remedy rate
    ``satisfactory_remedies / upheld``, where ``satisfactory_remedies`` counts
    upheld decisions with ``remedy_by_authority`` true (a remedy flag on a
    decision that was not upheld is not counted: the denominator is upheld cases).
Compliance rate
    ``(complied + complied_late) / compliance_outcomes``. ``complied`` is on-time
    compliance only; the late count is kept in ``complied_late``.
Upheld per 100,000 residents
    ``upheld / population * 100000``; missing when the register has no
    population for the council. Nationally each resident is counted once:
    county councils overlap the districts inside them, so England's
    population is the sum over single-tier and lower-tier councils
    (``OVERLAPPING_TYPES`` are left out of the population total), while the
    upheld decisions of every council with a known population, counties
    included, are in the numerator. Within one type nothing overlaps, so a
    type's population is the plain sum over its councils.
Missing rates
    A rate whose denominator is zero (or an unknown population) is NaN, never 0
    and never an error. The letters say so in words (``percent`` returns None).
Average for similar authorities (``type_avg_*``)
    For each of the four rates, the average over the councils of the same
    ``authority_type`` in the same year. ``average_method="pooled"`` (default):
    sum of numerators / sum of denominators over those councils (for the
    per-100,000 figure only councils with a known population take part).
    ``average_method="mean"``: the plain mean of the council rates, leaving out
    councils whose rate is missing (zero denominator or unknown population).
    Either way a type with no usable council has a missing average.
Cases outside the register
    A case whose authority is not in that year's register (an unknown code, or
    a council that did not exist that year) is not dropped silently: it is
    counted in ``Statistics.unassigned`` (year, table, authority_code, count) and
    in the ``unassigned_*`` columns of ``Statistics.national``, and left out of
    the council rows.
National and type totals
    ``Statistics.national`` (one row per year) and ``Statistics.types`` (one row
    per year and authority type) are sums of the council rows, so they always
    reconcile with the published table; their rates are the pooled rates of those
    totals. ``Statistics.types`` also carries the ``type_avg_*`` columns the
    letters print, so there is one source for the comparison figures.
Former councils (legacy rows; docs/adding-an-input.md)
    A council abolished before the year can still have decisions and compliance
    outcomes in it, on complaints made before it ceased. Its row of the year
    (after the register's rows) has ``former`` True and ``successor_codes`` (the
    successors' GSS codes, comma-separated); both columns exist only when there
    is such a row. It is counted in ``Statistics.national`` (its upheld cases,
    not its residents: they live in the successors' areas), never in
    ``Statistics.types`` or any ``type_avg_*`` (its own are NaN: "n/a"), and it
    gets no letter; the successor's letter says how many decisions there were.
Figures (``Counts.kind == "figures"``; docs/adding-an-input.md)
    Counts are float64, NaN where the figures table left a cell blank or had no
    row for the council (``has_figures`` False: no letter). A rate with an
    unknown part is NaN. A type or national total is the sum over the councils
    that gave that figure (NaN when none did), with ``councils_with_figures``
    beside it; pooled rates take the councils whose parts are all known. A
    type's average is computed as above where the figures cover every council
    of the type (``counting.figures_coverage``) and checked against a published
    one within the rounding; elsewhere it is the published average
    (``stats.averages``).
Service categories (``Statistics.by_category``)
    One row per (year, category) for the councils in that year's register:
    ``received`` (by ``received_date``), and the decisions of the year by the
    decision's own category: ``decisions``, ``upheld``, ``not_upheld``,
    ``detailed_investigations``. Column sums equal the national totals.
    ``category_table`` adds each category's share of complaints received, its
    uphold rate and the change on the previous year.

Public reports and remedies (only when the optional ``reports`` / ``remedies`` tables are given)
    Without those tables none of these columns exists, and the tables and the
    published table are exactly as before. With them (each one independently):
    ``public_interest_reports`` and ``further_reports`` count the reports about
    the council whose ``report_date`` falls in the year; ``public_reports`` is
    their sum. ``remedies_<type>`` counts the remedies of each type
    (``definitions.REMEDY_TYPES``) whose ``agreed_date`` falls in the year, and
    ``remedies_total`` all of them. ``service_improvements`` = procedure or
    policy changes + staff training + other service improvements.
    ``remedies_completed_late``: remedies of the year completed after their due
    date. ``remedies_overdue`` (overdue at the year end): remedies of the year
    with no ``completed_date`` whose ``due_date`` is on or before 31 March Y, the
    year's last day. A remedy completed late after the year end is counted as
    completed late, not overdue, so the two never overlap. A remedy not done and
    due after the year end is neither (its timeliness is not yet known).
    ``remedies_due_or_done``: remedies of the year that were completed, or due
    by the year end (those whose timeliness is known).
    ``late_or_overdue_rate`` = (completed late + overdue) / due_or_done, with
    ``type_avg_late_or_overdue_rate`` averaged like the other rates (pooled by
    default). Rows for a council not in the year's register are counted in
    ``Statistics.unassigned`` (tables ``reports`` / ``remedies``).

The rates are unrounded fractions (0-1) in every table, and everything here
hands out numbers only; ``formatting.percent`` / ``percent_of`` /
``per_100k_text`` round them for display (half up, exactly) where a document
words them.

The package: ``stats.compute`` computes; ``stats.model`` is the result
(``Statistics``); ``stats.cache`` writes and checks the JSON cache behind
``Statistics.save`` / ``Statistics.load``; ``stats.load`` gives a notebook its
statistics (``load_statistics``: a cache file or the data folder, remembered per
process); ``stats.published`` makes the published table; ``stats.averages`` a
figures folder's averages. This module is only the package's face: it imports
from those, and none of them imports it.
"""

from __future__ import annotations

# The count columns are defined with the counting; stats re-exports them for callers.
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
from . import cache  # noqa: F401  (callers use stats.cache)
from .compute import (  # noqa: F401
    MARKER_COLUMNS,
    PER_100K,
    REMEDY_PUBLISHED_COLUMNS,
    REPORT_PUBLISHED_COLUMNS,
    SMALL_BASE,
    _count_based_rates,
    category_table,
    compute_statistics,
    derive_statistics,
    is_small_base,
    published_columns,
    rate_basis,
    rate_columns,
    reports_and_remedies,
)
from .load import load_statistics
from .model import AVERAGE_METHODS, Statistics
from .published import optional_columns, published_table, write_published_table

__all__ = [
    "AVERAGE_METHODS",
    "SMALL_BASE",
    "Statistics",
    "category_table",
    "compute_statistics",
    "derive_statistics",
    "is_small_base",
    "load_statistics",
    "optional_columns",
    "published_columns",
    "published_table",
    "rate_basis",
    "reports_and_remedies",
    "write_published_table",
]
