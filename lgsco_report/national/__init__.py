"""The national review: the year's figures for England, by council type and by council.

``notebooks/national_review.ipynb`` reads like the letter notebook: it calls
:func:`prepare_review` once, then shows one section a cell,
``review.section("outliers")``, so the notebook and the tests run the same code.

- ``figures``: the DataFrames (totals, summary, type averages, outliers,
  non-compliance, remedies, public reports, abolished councils, the map's
  councils), read from ``Statistics`` and never recomputed;
- ``cells``: each figure as the text a table cell prints (through ``formatting``);
- ``sections``: one template per section (``templates/national/<section>.html.j2``),
  which holds every sentence; ``section(name, ...)`` renders it.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..definitions import parse_year
from ..documents import DOCUMENT_MIMETYPE, SAMPLE_BANNER, parse_generated_at, review_metadata
from ..stats import SMALL_BASE, Statistics, load_statistics
from . import cells, figures, sections
from .figures import (
    KeyRate, abolished_councils, key_rates, national_totals, non_compliance, outliers, public_reports, remedies_by_type,
    summary, type_averages,
)
from .sections import (
    AUTHOR, MAX_TIED_ROWS, SECTIONS, TEMPLATE_DIR, HTMLSection, distribution_chart, distribution_charts, map_chart, section,
)

__all__ = [
    "AUTHOR", "DOCUMENT_MIMETYPE", "MAX_TIED_ROWS", "SECTIONS", "SMALL_BASE", "TEMPLATE_DIR", "DataFile", "HTMLSection",
    "KeyRate", "NationalReview", "abolished_councils", "abolished_councils_html", "categories_html", "cells",
    "distribution_chart", "distribution_charts", "distribution_note_html", "document_metadata", "figures", "key_rates",
    "map_chart", "map_html", "national_totals", "national_totals_html", "non_compliance", "non_compliance_html",
    "notes_html", "outliers", "outliers_html", "prepare_review", "public_reports", "public_reports_html",
    "remedies_by_type", "remedies_html", "report_title", "sample_banner_html", "section", "sections", "summary",
    "summary_html", "title_html", "type_averages", "type_averages_html",
]


@dataclass(frozen=True)
class DataFile:
    """One input table the figures were computed from: table, file name (no folders), SHA-256."""

    table: str
    name: str
    sha256: str


def report_title(year: int, template_dir: str | os.PathLike[str] | None = None) -> str:
    """The review's title (``report_title`` in ``_phrases.html.j2``), also its document metadata's, as plain text."""
    return sections.phrase("report_title", template_dir, year=year)


@dataclass(frozen=True)
class NationalReview:
    """What every cell of the national notebook needs: the figures, the year, provenance, the templates."""

    statistics: Statistics
    year: int
    is_sample: bool
    generated_at: _dt.datetime
    data_files: tuple[DataFile, ...] = ()
    template_dir: Path | None = None  # None: the package's templates/national

    @property
    def title(self) -> str:
        return report_title(self.year, self.template_dir)

    def section(self, name: str, **options: Any) -> HTMLSection:
        """One section of the review (``sections.SECTIONS``), "" when it has nothing to show."""
        return section(name, self.statistics, self.year, template_dir=self.template_dir, review=self, **options)

    def distribution_charts(self) -> list:
        """One chart per key rate: each council type's spread of councils (``charts.rate_distribution_chart``)."""
        return distribution_charts(self.statistics, self.year)

    def document_metadata(self) -> dict[str, dict[str, Any]]:
        return document_metadata(self)


def data_files(statistics: Statistics) -> tuple[DataFile, ...]:
    """The case tables behind ``statistics``, named by file (never by folder or cache file)."""
    return tuple(
        DataFile(str(source.get("table", "")), Path(str(source.get("path", ""))).name, str(source.get("sha256", "")))
        for source in statistics.sources
    )


def prepare_review(
    year: int | str,
    data_dir: str | os.PathLike[str] = "",
    stats_file: str | os.PathLike[str] = "",
    generated_at: str | _dt.datetime | None = "",
    average_method: str = "pooled",
    template_dir: str | os.PathLike[str] | None = None,
) -> NationalReview:
    """Load or compute the statistics the review is built from (the notebook's first step).

    ``stats_file`` (a cache written by ``Statistics.save`` in this program's own
    batch) wins over ``data_dir``; an empty ``data_dir`` means the labelled
    sample data (``sample.ensure_sample_data()``). ``template_dir``: a folder
    holding an edited copy of ``templates/national`` (default: the package's).
    """
    parse_year(year)  # a mistyped year is said before the statistics are loaded
    statistics = load_statistics(data_dir, stats_file, average_method)
    return NationalReview(
        statistics=statistics,
        year=figures.check_year(statistics, year),
        is_sample=bool(statistics.is_sample),
        generated_at=parse_generated_at(generated_at),
        data_files=data_files(statistics),
        template_dir=Path(template_dir) if template_dir else None,
    )


def document_metadata(review: NationalReview) -> dict[str, dict[str, Any]]:
    """The display bundle the exporters read: ``display(document_metadata(r), raw=True)``."""
    from ..yearparams import unconfirmed_facts

    metadata = review_metadata(
        title=review.title, year=review.year, author=AUTHOR, is_sample=review.is_sample,
        # The year's unconfirmed facts make this review a DRAFT, like the year's letters.
        unconfirmed=unconfirmed_facts(review.year),
        generated_at=review.generated_at.isoformat(),
        data_files=[{"table": f.table, "name": f.name, "sha256": f.sha256} for f in review.data_files],
    )
    return {DOCUMENT_MIMETYPE: dict(metadata)}


# ---------------------------------------------------------------------------
# each section as a function of (statistics, year), for callers without a review


def sample_banner_html(is_sample: bool) -> str:
    """The sample-data banner (empty string for real data)."""
    return sections.render("sample_banner", text=SAMPLE_BANNER) if is_sample else ""


def title_html(review: NationalReview) -> HTMLSection:
    return review.section("title")


def notes_html(review: NationalReview) -> HTMLSection:
    return review.section("notes")


def summary_html(statistics: Statistics, year: int | str) -> HTMLSection:
    return section("summary", statistics, year)


def national_totals_html(statistics: Statistics, year: int | str, n_years: int = 5) -> HTMLSection:
    return section("totals", statistics, year, n_years=n_years)


def categories_html(statistics: Statistics, year: int | str) -> HTMLSection:
    return section("categories", statistics, year)


def type_averages_html(statistics: Statistics, year: int | str) -> HTMLSection:
    return section("type_averages", statistics, year)


def distribution_note_html(statistics: Statistics, year: int | str) -> HTMLSection:
    return section("distribution_note", statistics, year)


def outliers_html(statistics: Statistics, year: int | str, n: int = 5, min_basis: int = SMALL_BASE) -> HTMLSection:
    return section("outliers", statistics, year, n=n, min_basis=min_basis)


def non_compliance_html(statistics: Statistics, year: int | str) -> HTMLSection:
    return section("non_compliance", statistics, year)


def remedies_html(statistics: Statistics, year: int | str) -> HTMLSection:
    return section("remedies", statistics, year)


def public_reports_html(statistics: Statistics, year: int | str) -> HTMLSection:
    return section("public_reports", statistics, year)


def abolished_councils_html(statistics: Statistics, year: int | str) -> HTMLSection:
    return section("abolished", statistics, year)


def map_html(statistics: Statistics, year: int | str) -> HTMLSection:
    return section("map", statistics, year)
