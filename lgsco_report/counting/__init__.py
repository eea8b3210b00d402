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

The package: ``model`` (the count columns and ``Counts``), ``cases`` (case tables to counts),
``tables`` (tables of counts and council-level figures to counts), ``register_rows`` (the rows
counts are kept in). This module is its face; none of them imports it.
"""

from __future__ import annotations

from .model import (  # noqa: F401
    empty_category_frame,
    CATEGORY_COUNT_COLUMNS,
    COMPLIANCE_COLUMNS,
    COUNCIL_EXTRA_COLUMNS,
    Counts,
    DECISION_COLUMNS,
    REGISTER_COLUMNS,
    REMEDY_COLUMNS,
    REMEDY_COUNT_COLUMNS,
    REPORT_COLUMNS,
    REPORT_COUNT_COLUMNS,
    RegisterFunction,
    count_columns,
    has_figures,
    is_former,
    received_columns,
)
from .register_rows import (  # noqa: F401
    legacy_register_rows,
)
from .cases import (  # noqa: F401
    count_cases,
)
from .tables import (  # noqa: F401
    counts_from_figures,
    counts_from_table,
    figures_coverage,
)
