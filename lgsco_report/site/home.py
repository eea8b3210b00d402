"""The home page's data: every council with its latest year's key rates, and England by year."""

from __future__ import annotations

from typing import Any


from ..definitions import AUTHORITY_TYPES, year_label
from .context import SiteInputs, index_links
from .figures import figure, value

#: The key rates of the home page's table (each beside its type's average), in column order.
HOME_RATES: tuple[str, ...] = ("upheld_rate", "upheld_per_100k", "compliance_rate", "satisfactory_remedy_rate")
#: England's figures by year.
NATIONAL_FIGURES: tuple[str, ...] = (
    "received_total", "decisions_total", "detailed_investigations", "upheld_rate", "upheld_per_100k",
    "compliance_rate", "satisfactory_remedy_rate",
)


def _sort_value(row: dict[str, Any], column: str) -> str:
    number = value(row, column)
    return "" if number is None else repr(number)


def _council_row(inputs: SiteInputs, code: str, row: dict[str, Any]) -> dict[str, Any]:
    council = inputs.councils[code]
    year = int(row["year"])
    return {
        "code": code, "name": council.name, "type": council.authority_type,
        "href": f"councils/{council.slug}/index.html", "search": council.search_text,
        "former": council.last_day is not None and year < max(inputs.years),
        "year": year, "year_label": year_label(year),
        "rates": [{"council": figure(row, c, year), "average": figure(row, f"type_avg_{c}", year),
                   "sort": _sort_value(row, c)} for c in HOME_RATES],
    }


def home_context(inputs: SiteInputs) -> dict[str, Any]:
    """What the home page prints."""
    frame = inputs.statistics.councils
    rows = frame[frame["year"].isin(inputs.years)].sort_values("year", kind="stable")
    latest = rows.drop_duplicates("authority_code", keep="last")
    table = sorted((_council_row(inputs, str(r["authority_code"]), r) for r in latest.to_dict("records")),
                   key=lambda r: (r["name"], r["code"]))
    national = inputs.statistics.national
    national = national[national["year"].isin(inputs.years)].sort_values("year", ascending=False, kind="stable")
    return {
        "councils": table,
        "types": [t for t in AUTHORITY_TYPES if any(r["type"] == t for r in table)],
        "rate_columns": list(HOME_RATES),
        "latest_year": year_label(max(inputs.years)), "first_year": year_label(min(inputs.years)),
        "national": [{"year": int(r["year"]), "label": year_label(int(r["year"])),
                      "figures": [figure(r, c, int(r["year"])) for c in NATIONAL_FIGURES]}
                     for r in national.to_dict("records")],
        "national_columns": list(NATIONAL_FIGURES),
        "indexes": index_links(inputs, inputs.out_dir),
        "is_sample": bool(inputs.statistics.is_sample), "home_href": "index.html",
    }
