"""What each page prints, as plain data: figures from the statistics, links, lists and charts.

A page's context is JSON-like (strings, numbers, lists, dicts), so the same
dict is rendered by its template and hashed for the incremental rebuild. No
sentence is made here: the wording is in ``templates/site/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import stats
from ..definitions import year_label
from ..formatting import long_date, percent, per_100k_text
from . import svg
from .directory import Council
from .figures import basis, figure, group_figure, is_former_row, value
from .letters import relative_href

#: The rates a council page shows for each year, with the count that each rests on and its noun.
RATES: tuple[tuple[str, str, str], ...] = (
    ("upheld_rate", "detailed_investigations", "detailed investigation"),
    ("compliance_rate", "compliance_outcomes", "case"),
    ("satisfactory_remedy_rate", "upheld", "upheld complaint"),
)
#: The trend charts: (statistic, title, percent scale?).
CHARTS: tuple[tuple[str, str, bool], ...] = (
    ("upheld_rate", "Uphold rate", True),
    ("upheld_per_100k", "Upheld decisions per 100,000 residents", False),
    ("compliance_rate", "Compliance with recommendations", True),
    ("satisfactory_remedy_rate", "Satisfactory remedies provided by the council", True),
)


@dataclass
class SiteInputs:
    """Everything the pages are made from, gathered once."""

    statistics: Any
    years: list[int]
    groups: dict[str, tuple[str, ...]]
    councils: dict[str, Council]
    letters: dict[int, dict[str, list[tuple[str, Path]]]]
    indexes: dict[int, Path | None]
    reports: dict[tuple[str, int], list[dict[str, Any]]]
    improvements: dict[tuple[str, int], list[dict[str, Any]]]
    out_dir: Path


def _rate_entry(row: dict[str, Any], column: str, base: str, noun: str, year: int) -> dict[str, Any]:
    _, denominator = basis(row, column)
    return {
        "key": column, "value": figure(row, column, year) if denominator else None,
        "average": figure(row, f"type_avg_{column}", year), "base": figure(row, base, year),
        "base_count": denominator, "noun": noun, "small_base": stats.is_small_base(denominator),
    }


def year_entry(inputs: SiteInputs, council: Council, row: dict[str, Any], page_dir: Path) -> dict[str, Any]:
    """One year of a council's page."""
    year = int(row["year"])
    letters = inputs.letters.get(year, {}).get(council.code, [])
    return {
        "year": year, "label": year_label(year), "former": is_former_row(row),
        "groups": {key: group_figure(row, key, outcomes, year) for key, outcomes in inputs.groups.items()},
        "rates": [_rate_entry(row, column, base, noun, year) for column, base, noun in RATES],
        "per_100k": figure(row, "upheld_per_100k", year),
        "type_per_100k": figure(row, "type_avg_upheld_per_100k", year),
        "upheld": figure(row, "upheld", year),
        "letters": [{"label": label, "href": relative_href(path, page_dir)} for label, path in letters],
        "service_improvements": figure(row, "service_improvements", year) if inputs.statistics.has_remedies else None,
        "public_reports": figure(row, "public_reports", year) if inputs.statistics.has_reports else None,
        "reports": inputs.reports.get((council.code, year)) if inputs.statistics.has_reports else None,
        "improvements": inputs.improvements.get((council.code, year)) if inputs.statistics.has_remedies else None,
    }


def _chart(council: Council, rows: list[dict[str, Any]], column: str, title: str, is_percent: bool) -> dict[str, Any]:
    years = [int(r["year"]) for r in rows]
    labels = [year_label(y) for y in years]
    mine = tuple(value(r, column) for r in rows)
    theirs = tuple(value(r, f"type_avg_{column}") for r in rows)
    tick = (lambda v: percent(v) or "") if is_percent else (lambda v: per_100k_text(v) or "")
    table = [{"label": label, "council": figure(r, column, y), "average": figure(r, f"type_avg_{column}", y)}
             for label, y, r in zip(labels, years, rows)]
    shown = ", ".join(f"{t['label']}: {t['council']['text']} (average {t['average']['text']})" for t in table)
    description = f"{title} of {council.name} by year, against the average for {council.authority_type}s: {shown}."
    chart = svg.trend_chart(
        f"chart-{column}", f"{title}, {council.name} and similar councils", description, labels,
        [svg.Series(council.short_name, mine, svg.COUNCIL_COLOUR),
         svg.Series(f"{council.authority_type} average", theirs, svg.AVERAGE_COLOUR, dashed=True)],
        tick, fixed_top=1.0 if is_percent else None,
    )
    return {"key": column, "title": title, "svg": chart, "table": table}


def _neighbours(inputs: SiteInputs, codes: list[str], page_dir: Path) -> list[dict[str, str]]:
    return [{"name": inputs.councils[c].name, "href": relative_href(inputs.out_dir / "councils" / inputs.councils[c].slug / "index.html", page_dir)}
            for c in codes if c in inputs.councils]


def council_context(inputs: SiteInputs, council: Council, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything a council's page prints (``rows``: its records of ``Statistics.councils``, any order)."""
    page_dir = inputs.out_dir / "councils" / council.slug
    oldest_first = sorted(rows, key=lambda r: int(r["year"]))
    return {
        "code": council.code, "name": council.name, "authority_type": council.authority_type,
        "former_codes": list(council.former_codes),
        "last_day": long_date(council.last_day) if council.last_day and council.last_day < _last_site_day(inputs) else None,
        "successors": _neighbours(inputs, council.successors, page_dir),
        "predecessors": _neighbours(inputs, council.predecessors, page_dir),
        "years": [year_entry(inputs, council, row, page_dir) for row in oldest_first[::-1]],
        "charts": [_chart(council, oldest_first, *chart) for chart in CHARTS] if len(oldest_first) > 1 else [],
        "indexes": index_links(inputs, page_dir),
        "home_href": relative_href(inputs.out_dir / "index.html", page_dir),
        "is_sample": bool(inputs.statistics.is_sample),
        "has_reports": bool(inputs.statistics.has_reports), "has_remedies": bool(inputs.statistics.has_remedies),
        "group_keys": list(inputs.groups),
    }


def _last_site_day(inputs: SiteInputs):
    from ..definitions import year_end

    return year_end(max(inputs.years))


def index_links(inputs: SiteInputs, page_dir: Path) -> list[dict[str, str]]:
    return [{"label": year_label(y), "href": relative_href(path, page_dir)}
            for y in sorted(inputs.indexes, reverse=True) if (path := inputs.indexes[y]) is not None]
