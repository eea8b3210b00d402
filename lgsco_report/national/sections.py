"""The national review's sections: each one template, ``templates/national/<section>.html.j2``.

``section(name, statistics, year)`` gathers the section's figures (from
``figures``) and rows of cells (from ``cells``), and renders its template,
which holds every word: headings, captions, the sentences above and below each
table, the words of an empty table. A template receives numbers and rows,
never sentences, and writes a number through the environment's filters
(``count``, ``year_label``, ``long_date``; ``percent_of``), which are
``formatting``'s, so a figure is written one way in every document.

All HTML is rendered by Jinja2 with autoescaping on: council names and every
other value from the data are escaped. Templates whose names start with "_"
are partials (the table frame, shared phrases), not sections.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import jinja2
import markupsafe
import pandas as pd

from .. import charts, metrics, wording
from ..definitions import year_label
from ..documents import SAMPLE_BANNER, average_method_text
from ..formatting import NO_FIGURE, count_text, long_date, long_time, percent_of
from ..stats import SMALL_BASE, Statistics, category_table
from ..yearparams import review_parameters
from . import figures
from .cells import (
    Cell, Row, change_cell, count_cell, difference_cell, gap_places, rate_cell, table_class, text_cell, value_cell,
)

#: The review's wording: one template per section.
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "national"

AUTHOR = "Local Government and Social Care Ombudsman"


class HTMLSection(str):
    """A section's HTML, already escaped by its template, displayed as HTML in notebooks."""

    def _repr_html_(self) -> str:
        return str(self)


def _count(value: Any) -> str:
    return count_text(value) or NO_FIGURE


def _percent_of(numerator: int, denominator: int) -> str:
    return percent_of(numerator, denominator) or NO_FIGURE


@functools.lru_cache(maxsize=4)
def _environment(template_dir: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=True,  # every value is data: escaped unless the template says otherwise
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["count"] = _count
    env.filters["year_label"] = year_label
    env.filters["long_date"] = long_date
    env.filters["long_time"] = long_time
    env.globals["percent_of"] = _percent_of
    # Counts in a sentence agree with their nouns, as in the letters ("one other", "3 others").
    env.filters["counted"] = wording.count_phrase
    env.filters["upper_first"] = wording.upper_first
    env.globals["in_numerals"] = wording.in_numerals
    return env


def render(section: str, template_dir: str | Path | None = None, **context: Any) -> HTMLSection:
    """One section of the review from its template (``<template_dir>/<section>.html.j2``)."""
    template = _environment(str(template_dir or TEMPLATE_DIR)).get_template(f"{section}.html.j2")
    return HTMLSection(template.render(**context).strip())


def _phrases(template_dir: str | Path | None) -> Any:
    """The macros of ``_phrases.html.j2``: the words inside table cells."""
    return _environment(str(template_dir or TEMPLATE_DIR)).get_template("_phrases.html.j2").module


def phrase(name: str, template_dir: str | Path | None = None, **arguments: Any) -> str:
    """One macro of ``_phrases.html.j2`` as plain text (for the document metadata, not HTML)."""
    return markupsafe.Markup(getattr(_phrases(template_dir), name)(**arguments)).unescape()


def _attribute(name: str, value: object) -> tuple[tuple[str, str], ...]:
    return ((name, str(value)),)


# ---------------------------------------------------------------------------
# charts shown by the review


def distribution_chart(statistics: Statistics, year: int | str, rate: str = "upheld_rate") -> charts.Chart:
    """Spread of councils' ``rate`` within each type, beside the type's average and England's rate."""
    key = figures.key_rate(rate)
    types = figures.type_averages(statistics, year)
    averages = dict(zip(types["authority_type"], types[f"type_avg_{key.column}"]))
    return charts.rate_distribution_chart(
        figures.year_councils(statistics, year), key.column, key.label, basis_column=key.basis_column,
        type_averages=averages, national=figures.national_row(statistics, year)[key.column],
        small_base=SMALL_BASE, basis_label=key.basis_label,
    )


def distribution_charts(statistics: Statistics, year: int | str) -> list[charts.Chart]:
    """One distribution chart per key rate, in letter order."""
    return [distribution_chart(statistics, year, key.column) for key in figures.key_rates()]


def map_chart(statistics: Statistics, year: int | str) -> charts.Chart:
    """Every council's uphold rate as an area of the map (boundaries carried with the package)."""
    return charts.uphold_map(figures.map_councils(statistics, year))


# ---------------------------------------------------------------------------
# each section's context: numbers and rows


def _title(statistics, year, phrases, review, **_) -> dict[str, Any]:
    banner = markupsafe.Markup(render("sample_banner", review.template_dir, text=SAMPLE_BANNER) if review.is_sample else "")
    return dict(banner=banner, title=review.title, author=AUTHOR, year=year, generated_at=review.generated_at)


def _carried(spec, year: int):
    """The columns of ``spec`` ((key, title, kind), ...) the year's review carries (``yearparams.ReviewFigures``)."""
    carried, _ = review_parameters(year)
    return tuple(column for column in spec if carried.per_100k or column[2] != "per100k")


def _summary(statistics, year, phrases, **_) -> dict[str, Any]:
    carried, code = review_parameters(year)
    rows = [
        Row({"measure": text_cell(record["label"]), "previous": value_cell(record["kind"], record["previous"]),
             "current": value_cell(record["kind"], record["current"]),
             "change": change_cell(record["kind"], record["current"], record["previous"])},
            _attribute("measure", record["measure"]))
        for _, record in figures.summary(statistics, year).iterrows()
        if carried.per_100k or record["kind"] != "per100k"
    ]
    national = figures.national_row(statistics, year)
    return dict(year=year, rows=rows, population=int(national["population"]), per_100k=carried.per_100k,
                councils_without_population=int(national["councils_without_population"]),
                complaint_handling_code=code is not None, code_applies_from=code.confirmed_start if code else None)


def _totals(statistics, year, phrases, n_years: int = 5, **_) -> dict[str, Any]:
    frame = figures.national_totals(statistics, year, n_years)
    spec = figures.columns("national_totals")
    rows = [
        Row({"year": text_cell(year_label(int(record["year"]))), **{key: value_cell(kind, record[key]) for key, _, kind in spec}},
            _attribute("year", int(record["year"])))
        for _, record in frame.iterrows()
    ]
    current = frame[frame["year"] == year].iloc[0]
    unassigned = sum(int(current.get(f"unassigned_{table}", 0) or 0) for table in ("received", "decided", "compliance"))
    return dict(
        year=year, first_year=int(frame["year"].min()), metric_columns=[(key, title) for key, title, _ in spec], rows=rows,
        received=current["received_total"], decisions=current["decisions_total"],
        investigations=current["detailed_investigations"], unassigned=unassigned,
    )


def _categories(statistics, year, phrases, **_) -> dict[str, Any]:
    rows = [
        Row({
            "category": text_cell(record["category"]), "received": count_cell(record["received"]),
            "received_share": rate_cell(record["received_share"]),
            "received_change": change_cell("count", record["received"], record["previous_received"]),
            "detailed_investigations": count_cell(record["detailed_investigations"]), "upheld": count_cell(record["upheld"]),
            "upheld_rate": rate_cell(record["upheld_rate"]),
            "upheld_rate_change": change_cell("rate", record["upheld_rate"], record["previous_upheld_rate"], unit=False),
        }, _attribute("category", record["category"]))
        for _, record in category_table(statistics, year).iterrows()
    ]
    total = figures.category_total(statistics, year)
    rows.append(Row({
        "category": text_cell(phrases.all_categories()), "received": count_cell(total["received_total"]),
        "received_share": rate_cell(total["received_share"]),
        "received_change": change_cell("count", total["received_total"], total["previous_received_total"]),
        "detailed_investigations": count_cell(total["detailed_investigations"]), "upheld": count_cell(total["upheld"]),
        "upheld_rate": rate_cell(total["upheld_rate"]),
        "upheld_rate_change": change_cell("rate", total["upheld_rate"], total["previous_upheld_rate"], unit=False),
    }, css_class="lgsco-total"))
    return dict(year=year, rows=rows)


def _type_rows(frame: pd.DataFrame, spec) -> list[Row]:
    return [
        Row({"authority_type": text_cell(record["authority_type"]), **{key: value_cell(kind, record[key]) for key, _, kind in spec}},
            _attribute("authority-type", record["authority_type"]))
        for _, record in frame.iterrows()
    ]


def _type_averages(statistics, year, phrases, **_) -> dict[str, Any]:
    frame = figures.type_averages(statistics, year)
    averages = (("councils", "Councils", "count"), *_carried(figures.columns("national_types", average=True), year))
    basis = _carried(figures.columns("national_type_basis"), year)
    return dict(
        year=year, method=average_method_text(statistics.average_method, "report"),
        average_columns=[(key, title) for key, title, _ in averages[1:]], average_rows=_type_rows(frame, averages),
        basis_columns=[(key, title) for key, title, _ in basis], basis_rows=_type_rows(frame, basis),
    )


def _distribution_note(statistics, year, phrases, **_) -> dict[str, Any]:
    return dict(year=year, small_base=SMALL_BASE, small=figures.small_base_councils(statistics, year),
                total=len(figures.year_councils(statistics, year)))


#: A tie of more councils than this is shown as one row (its words: ``tied_councils`` in ``_phrases.html.j2``).
MAX_TIED_ROWS = 3


def _is_one_row_tie(group: pd.DataFrame, key: figures.KeyRate) -> bool:
    return len(group) > MAX_TIED_ROWS and group["authority_type"].nunique() == 1 and group[key.column].nunique() == 1


def _council_cells(council: pd.Series, key: figures.KeyRate, places: int) -> dict[str, Any]:
    """A council's rate, its type's average and the printed difference (``places`` decimals), by column."""
    average_column = f"type_avg_{key.column}"
    return {
        key.column: rate_cell(council[key.column]), average_column: rate_cell(council[average_column]),
        "difference": difference_cell(council["printed_difference"], places, council["difference"]),
    }


def _outlier_rows(frame: pd.DataFrame, key: figures.KeyRate, phrases) -> list[Row]:
    """One row per council, largest difference first; a large tie as one row naming the first few."""
    rows, places = [], gap_places(frame["printed_difference"])
    for _, group in frame.groupby("rank", sort=True):
        if _is_one_row_tie(group, key):
            names, basis = list(group["authority_name"]), group[key.basis_column]
            rows.append(Row({
                "authority_name": text_cell(phrases.tied_councils(names[:MAX_TIED_ROWS], len(names) - MAX_TIED_ROWS)),
                "authority_type": text_cell(group["authority_type"].iloc[0]),
                key.basis_column: Cell(phrases.basis_range(int(basis.min()), int(basis.max()))),
                **_council_cells(group.iloc[0], key, places),
            }, (("tied", str(len(group))), ("authority-codes", " ".join(group["authority_code"]))), "lgsco-tie"))
            continue
        for _, council in group.iterrows():
            rows.append(Row({
                "authority_name": text_cell(council["authority_name"]),
                "authority_type": text_cell(council["authority_type"]), key.basis_column: count_cell(council[key.basis_column]),
                **_council_cells(council, key, places),
            }, (("authority-code", str(council["authority_code"])), ("tied", str(int(council["tied"])))),
                "lgsco-tie" if len(group) > 1 else ""))
    return rows


def _ties(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each tie shown as one row, with every name (so every council is printed somewhere)."""
    return [
        {"rank": int(group["rank"].iloc[0]), "names": list(group["authority_name"])}
        for _, group in frame.groupby("rank", sort=True)
        if len(group) > MAX_TIED_ROWS and group["authority_type"].nunique() == 1
    ]


def _all_tied(frame: pd.DataFrame, key: figures.KeyRate, n: int) -> dict[str, Any] | None:
    """A tie said in a sentence instead of a table: more than ``n`` councils tied at the largest
    difference, or every council of the table at one printed difference (None otherwise)."""
    top = frame[frame["rank"] == 1]
    if not (len(top) > n or (len(frame) > 1 and len(top) == len(frame))):
        return None
    rates = {rate_cell(value).text for value in top[key.column]}
    gap = top["printed_difference"].iloc[0]
    return dict(count=len(top), names=list(top["authority_name"]), rate=rates.pop() if len(rates) == 1 else None,
                difference=difference_cell(gap, gap_places([gap]), float(top["difference"].iloc[0])).text)


def _outliers(statistics, year, phrases, n: int = 5, min_basis: int = SMALL_BASE, **_) -> dict[str, Any]:
    tables = []
    for key in figures.key_rates():
        above, below = figures.outliers(statistics, year, key.column, n=n, min_basis=min_basis)
        for direction, frame in (("above", above), ("below", below)):
            tie = _all_tied(frame, key, n)
            tables.append(dict(
                direction=direction, column=key.column, label=key.label, basis_column=key.basis_column,
                basis_label=key.basis_label, tie=tie, rows=[] if tie else _outlier_rows(frame, key, phrases),
                ties=[] if tie else _ties(frame),
            ))
    return dict(year=year, n=n, min_basis=min_basis, tables=tables)


def _non_compliance(statistics, year, phrases, **_) -> dict[str, Any]:
    rows = [
        Row({
            "authority_name": text_cell(record["authority_name"]), "authority_type": text_cell(record["authority_type"]),
            **{column: count_cell(record[column]) for column in ("compliance_outcomes", "complied", "complied_late", "not_complied")},
            "compliance_rate": rate_cell(record["compliance_rate"]),
        }, _attribute("authority-code", record["authority_code"]))
        for _, record in figures.non_compliance(statistics, year).iterrows()
    ]
    return dict(year=year, rows=rows, table_class=table_class(rows))


def _remedies(statistics, year, phrases, **_) -> dict[str, Any] | None:
    frame = figures.remedies_by_type(statistics, year)
    if frame is None:
        return None
    row = figures.national_row(statistics, year)
    rows = [
        Row({"remedy_type": text_cell(phrases.remedy_type(record["remedy_type"], record["service_improvement"])),
             "remedies": count_cell(record["remedies"]), "share": rate_cell(record["share"])},
            _attribute("remedy-type", record["remedy_type"]))
        for _, record in frame.iterrows()
    ]
    rows.append(Row({"remedy_type": text_cell(phrases.all_remedies()), "remedies": count_cell(row["remedies_total"]),
                     "share": rate_cell(1.0 if row["remedies_total"] else None)}, css_class="lgsco-total"))
    late, overdue, due_or_done = (int(row[c]) for c in ("remedies_completed_late", "remedies_overdue", "remedies_due_or_done"))
    return dict(year=year, rows=rows, service_improvements=row["service_improvements"], remedies_total=row["remedies_total"],
                late=late, overdue=overdue, due_or_done=due_or_done, late_remedies=review_parameters(year)[0].late_remedies)


def _public_reports(statistics, year, phrases, **_) -> dict[str, Any] | None:
    frame = figures.public_reports(statistics, year)
    if frame is None:
        return None
    rows = [
        Row({"authority_name": text_cell(record["authority_name"]), "report_date": text_cell(long_date(record["report_date"])),
             "kind": text_cell(record["kind"]), "case_ref": text_cell(record["case_ref"])},
            _attribute("authority-code", record["authority_code"]))
        for _, record in frame.iterrows()
    ]
    return dict(year=year, rows=rows, table_class=table_class(rows))


def _abolished(statistics, year, phrases, **_) -> dict[str, Any] | None:
    frame = figures.abolished_councils(statistics, year)
    if frame.empty:
        return None
    rows = [
        Row({"authority_name": text_cell(record["authority_name"]), "abolished": text_cell(long_date(record["abolished"])),
             "successors": text_cell(phrases.names(record["successors"]) if record["successors"] else NO_FIGURE)},
            _attribute("authority-code", record["authority_code"]))
        for _, record in frame.iterrows()
    ]
    return dict(year=year, rows=rows)


def _map(statistics, year, phrases, **_) -> dict[str, Any]:
    return dict(year=year, figure=markupsafe.Markup(map_chart(statistics, year).to_html()))


def _notes(statistics, year, phrases, review, **_) -> dict[str, Any]:
    return dict(
        method=average_method_text(statistics.average_method, "report"), year=year, is_sample=review.is_sample,
        compliance_definition=metrics.rate("compliance_rate").definition, per_100k=review_parameters(year)[0].per_100k,
        files=review.data_files, produced=review.generated_at,
    )


#: Each section, in the review's order: the function giving its template's context (None: the section is
#: left out, as remedies and public reports are without their optional tables).
SECTIONS: dict[str, Callable[..., dict[str, Any] | None]] = {
    "title": _title, "summary": _summary, "totals": _totals, "categories": _categories,
    "type_averages": _type_averages, "distribution_note": _distribution_note, "outliers": _outliers,
    "non_compliance": _non_compliance, "remedies": _remedies, "public_reports": _public_reports,
    "abolished": _abolished, "map": _map, "notes": _notes,
}


def section(
    name: str, statistics: Statistics, year: int | str, *, template_dir: str | Path | None = None, review: Any = None,
    **options: Any,
) -> HTMLSection:
    """One section of the review as HTML ("" when it has nothing to show); ``options`` go to its figures (``n``...)."""
    if name not in SECTIONS:
        raise KeyError(f"the national review has no section {name!r}; it has {', '.join(SECTIONS)}")
    if name in ("title", "notes") and review is None:
        raise ValueError(f"the {name} section needs the review (prepare_review): its dates and data files")
    year = figures.check_year(statistics, year)
    context = SECTIONS[name](statistics, year, _phrases(template_dir), review=review, **options)
    return HTMLSection("") if context is None else render(name, template_dir, **context)
