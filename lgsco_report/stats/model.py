"""``Statistics``: what the statistics are once computed, and how they are kept.

The figures are computed in ``stats.compute``; this module holds only the result
(the four tables and what they were made from), its accessors, and its save/load
through the JSON codec in ``stats.cache``. It imports no other part of ``stats``
at import time, so the codec and the loader can build a ``Statistics`` without an
import cycle.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..counting import empty_category_frame
from ..definitions import AVERAGE_METHODS, CATEGORIES, parse_year

__all__ = ["AVERAGE_METHODS", "Statistics"]

@dataclass(eq=False)
class Statistics:
    """All figures for all councils and years; see the module docstring for definitions.

    ``councils``: one row per (council, year), published-table columns plus
    ``short_name``, ``region``, ``lat``, ``long``; sorted by year, then register
    order (official name). ``types``: one row per (year, authority_type) with
    totals, pooled rates and the ``type_avg_*`` figures the letters print.
    ``national``: one row per year, with the ``unassigned_*`` counts beside the
    totals. ``unassigned``: cases outside that year's register.
    """

    councils: pd.DataFrame
    types: pd.DataFrame
    national: pd.DataFrame
    unassigned: pd.DataFrame
    average_method: str = "pooled"
    categories: tuple[str, ...] = CATEGORIES
    is_sample: bool = False
    sources: tuple[dict[str, str], ...] = field(default_factory=tuple)
    by_category: pd.DataFrame = field(default_factory=lambda: empty_category_frame())
    #: Whether the optional reports / remedies tables were given (their columns exist only then).
    has_reports: bool = False
    has_remedies: bool = False
    #: Every public report (None without the reports table): year, authority_code, authority_name,
    #: report_date, kind, case_ref; sorted by year, date, council. For the national review's list.
    report_list: pd.DataFrame | None = None

    @property
    def years(self) -> list[int]:
        """Years (ending 31 March) covered, ascending."""
        return [int(y) for y in self.national["year"]]

    def council(self, code: str, year: int | str) -> pd.Series:
        """The row for council ``code`` (GSS) in ``year``; KeyError naming both if absent."""
        year = parse_year(year)
        rows = self.councils[(self.councils["year"] == year) & (self.councils["authority_code"] == code)]
        if rows.empty:
            raise KeyError(
                f"no statistics for council {code!r} in the year ending 31 March {year}; "
                f"years available: {', '.join(map(str, self.years)) or 'none'}"
            )
        return rows.iloc[0].copy()

    def type_row(self, authority_type: str, year: int | str) -> pd.Series:
        """The ``types`` row for one authority type and year (KeyError if absent)."""
        year = parse_year(year)
        rows = self.types[(self.types["year"] == year) & (self.types["authority_type"] == authority_type)]
        if rows.empty:
            raise KeyError(f"no {authority_type!r} councils in the year ending 31 March {year}")
        return rows.iloc[0].copy()

    def trend(self, code: str, year: int | str, n: int = 5) -> pd.DataFrame:
        """The council's rows for up to ``n`` years ending ``year``, oldest first.

        Years in which the council was not in the register (not yet created, or
        abolished) have no row and are skipped rather than shown as zeros.
        """
        year = parse_year(year)
        if n < 1:
            raise ValueError(f"trend length n must be at least 1, got {n}")
        frame = self.councils
        selected = (frame["authority_code"] == code) & frame["year"].between(year - n + 1, year)
        return frame[selected].sort_values("year", kind="stable").reset_index(drop=True)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the batch's cache (atomically) as JSON: reading it back can never run code (``stats.cache``)."""
        from .cache import write_statistics

        return write_statistics(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Statistics:
        """Read a cache written by ``save``, checking every part; ``ValueError`` naming the file if anything is off."""
        from .cache import read_statistics

        return read_statistics(path, cls)
