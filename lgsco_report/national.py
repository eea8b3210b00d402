"""The national review: the year's figures for England, by council type and by council.

``notebooks/national_review.ipynb`` is a thin sequence of cells, each calling one
function here and displaying what it returns (an HTML string or a
:class:`charts.Chart`), so the notebook and the tests run the same code.

Why the type averages come from ``Statistics.types`` only: every letter quotes
"the average for similar councils" from the ``type_avg_*`` columns; the
national review reads the very same cells (never recomputes them), so the two
documents agree to the last digit whichever ``average_method`` was used.

All HTML is rendered by Jinja2 with autoescaping on: council names and every
other value from the data are escaped. Rate cells carry the unrounded value in
``data-value`` (``repr`` of the float, empty when missing), so a reader's tools
and the tests can check the printed percentage against the data.
"""

from __future__ import annotations

from decimal import Decimal

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from . import charts
from .definitions import AUTHORITY_TYPES, SAMPLE_BANNER, parse_year, year_label
from .stats import Statistics, load_statistics, per_100k_text, percent

__all__ = [
    "DOCUMENT_MIMETYPE",
    "KEY_RATES",
    "NationalReview",
    "distribution_chart",
    "document_metadata",
    "map_chart",
    "national_totals",
    "national_totals_html",
    "non_compliance",
    "non_compliance_html",
    "notes_html",
    "outliers",
    "outliers_html",
    "prepare_review",
    "sample_banner_html",
    "title_html",
    "type_averages",
    "type_averages_html",
]

DOCUMENT_MIMETYPE = "application/vnd.lgsco-report.document+json"
AUTHOR = "Local Government and Social Care Ombudsman"
NO_FIGURE = "no figure"


@dataclass(frozen=True)
class KeyRate:
    """A rate compared with similar councils, and the count it is a share of."""

    column: str
    label: str
    basis_column: str
    basis_label: str


#: The three key rates, in letter order, each with its basis (denominator) count.
KEY_RATES: tuple[KeyRate, ...] = (
    KeyRate("upheld_rate", "Uphold rate", "detailed_investigations", "Detailed investigations"),
    KeyRate("satisfactory_remedy_rate", "Satisfactory remedy rate", "upheld", "Upheld decisions"),
    KeyRate("compliance_rate", "Compliance rate", "compliance_outcomes", "Compliance outcomes"),
)

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Cell:
    """One table cell: the text shown and, for rates, the unrounded value."""

    text: str
    value: str | None = None  # repr of the unrounded float; "" when missing; None for non-rates
    numeric: bool = True


def _rate_cell(rate: object) -> Cell:
    if charts.is_missing(rate):
        return Cell(NO_FIGURE, "")
    return Cell(percent(float(rate)) or NO_FIGURE, repr(float(rate)))


def _per_100k_cell(value: object) -> Cell:
    if charts.is_missing(value):
        return Cell(NO_FIGURE, "")
    return Cell(per_100k_text(float(value)) or NO_FIGURE, repr(float(value)))


def _count_cell(value: object) -> Cell:
    return Cell(f"{int(value):,}")


def _text_cell(value: object) -> Cell:
    return Cell(str(value), numeric=False)


_TABLE_TEMPLATE = _ENV.from_string(
    """<section class="lgsco-section {{ css_class }}">
{% if heading %}<h2>{{ heading }}</h2>
{% endif %}
{% for paragraph in intro %}<p>{{ paragraph }}</p>
{% endfor %}
{% if rows %}
<table class="lgsco-table {{ css_class }}-table">
<caption>{{ caption }}</caption>
<thead><tr>{% for column in columns %}<th scope="col">{{ column.title }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}
<tr{% for name, value in row.attributes %} data-{{ name }}="{{ value }}"{% endfor %}>
{%- for cell in row.cells -%}
{%- set column = columns[loop.index0] -%}
{%- if loop.first -%}<th scope="row">{{ cell.text }}</th>
{%- else -%}<td data-column="{{ column.key }}"{% if cell.value is not none %} data-value="{{ cell.value }}"{% endif %}{% if cell.numeric %} class="lgsco-number"{% endif %}>{{ cell.text }}</td>
{%- endif -%}
{%- endfor -%}
</tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p class="lgsco-empty">{{ empty }}</p>
{% endif %}
</section>"""
)


@dataclass(frozen=True)
class Column:
    key: str
    title: str


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    attributes: tuple[tuple[str, str], ...] = ()


def _render_table(
    *,
    heading: str | None,
    caption: str,
    columns: list[Column],
    rows: list[Row],
    css_class: str,
    intro: tuple[str, ...] = (),
    empty: str = "",
) -> str:
    return _TABLE_TEMPLATE.render(
        heading=heading, caption=caption, columns=columns, rows=rows, css_class=css_class, intro=intro, empty=empty
    )


# ---------------------------------------------------------------------------
# loading


@dataclass(frozen=True)
class NationalReview:
    """What every cell of the national notebook needs: the figures, the year, provenance."""

    statistics: Statistics
    year: int
    is_sample: bool
    generated_at: _dt.datetime
    data_source: str


def _check_year(statistics: Statistics, year: int | str) -> int:
    year = parse_year(year)
    if year not in statistics.years:
        raise ValueError(
            f"no statistics for {year_label(year)} (year ending 31 March {year}); "
            f"years in the data: {', '.join(year_label(y) for y in statistics.years) or 'none'}"
        )
    return year


def _parse_generated_at(generated_at: str | _dt.datetime | None) -> _dt.datetime:
    if isinstance(generated_at, _dt.datetime):
        return generated_at
    if not generated_at:
        return _dt.datetime.now().astimezone().replace(microsecond=0)
    try:
        return _dt.datetime.fromisoformat(str(generated_at).strip())
    except ValueError as exc:
        raise ValueError(
            f"generated_at {generated_at!r} is not an ISO date-time; write e.g. '2020-07-29T09:00:00+01:00' or leave it empty for now"
        ) from exc


def prepare_review(
    year: int | str,
    data_dir: str | os.PathLike[str] = "",
    stats_file: str | os.PathLike[str] = "",
    generated_at: str | _dt.datetime | None = "",
    average_method: str = "pooled",
) -> NationalReview:
    """Load or compute the statistics the review is built from (the notebook's first step).

    ``stats_file`` (a cache written by ``Statistics.save`` in this program's own
    batch) wins over ``data_dir``; an empty ``data_dir`` means the labelled
    sample data (``sample.ensure_sample_data()``).
    """
    statistics = load_statistics(data_dir, stats_file, average_method)
    if stats_file:
        source = f"statistics cache {Path(stats_file).name}"
    else:
        source = f"case tables in {Path(data_dir).name if data_dir else 'the sample data'}"
    checked_year = _check_year(statistics, year)
    return NationalReview(
        statistics=statistics,
        year=checked_year,
        is_sample=bool(statistics.is_sample),
        generated_at=_parse_generated_at(generated_at),
        data_source=source,
    )


def report_title(year: int) -> str:
    return f"Review of local government complaints {year_label(year)}"


def document_metadata(review: NationalReview) -> dict[str, dict[str, Any]]:
    """The display bundle the exporters read: ``display(document_metadata(r), raw=True)``."""
    return {
        DOCUMENT_MIMETYPE: {
            "title": report_title(review.year),
            "author": AUTHOR,
            "subject": (
                f"Complaints about councils in England in the year ending 31 March {review.year}, "
                "by council type and by council"
            ),
            "lang": "en-GB",
            "council": None,
            "is_sample": bool(review.is_sample),
            "kind": "report",
        }
    }


# ---------------------------------------------------------------------------
# opening: banner, title


def sample_banner_html(is_sample: bool) -> str:
    """The sample-data banner (empty string for real data)."""
    if not is_sample:
        return ""
    return _ENV.from_string('<div class="lgsco-sample-banner" role="note">{{ text }}</div>').render(text=SAMPLE_BANNER)


def _long_date(moment: _dt.datetime | _dt.date) -> str:
    return f"{moment.day} {moment:%B %Y}"


def title_html(review: NationalReview) -> str:
    """Title page: banner (if sample), title, period covered, generation date."""
    template = _ENV.from_string(
        """{{ banner | safe }}<section class="lgsco-title-page">
<h1 class="lgsco-report-title">{{ title }}</h1>
<p>Complaints and enquiries about councils in England made to the {{ author }}, and the decisions made on them, from 1 April {{ year - 1 }} to 31 March {{ year }}.</p>
<p>Figures for each council are compared with the average for councils of the same type ("similar councils"), the comparison every annual review letter for {{ label }} makes.</p>
<p class="lgsco-generated">Produced {{ produced }}.</p>
</section>"""
    )
    return template.render(
        banner=sample_banner_html(review.is_sample),
        title=report_title(review.year),
        author=AUTHOR,
        year=review.year,
        label=year_label(review.year),
        produced=_long_date(review.generated_at),
    )


# ---------------------------------------------------------------------------
# national totals


_TOTAL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("received_total", "Complaints and enquiries received", "count"),
    ("decisions_total", "Decisions made", "count"),
    ("detailed_investigations", "Detailed investigations", "count"),
    ("upheld", "Upheld", "count"),
    ("upheld_rate", "Uphold rate", "rate"),
    ("satisfactory_remedy_rate", "Satisfactory remedy rate", "rate"),
    ("compliance_rate", "Compliance rate", "rate"),
)


def national_totals(statistics: Statistics, year: int | str, n_years: int = 5) -> pd.DataFrame:
    """``Statistics.national`` rows for up to ``n_years`` years ending ``year``, oldest first."""
    year = _check_year(statistics, year)
    national = statistics.national
    rows = national[national["year"].between(year - n_years + 1, year)]
    return rows.sort_values("year").reset_index(drop=True)


def national_totals_html(statistics: Statistics, year: int | str, n_years: int = 5) -> str:
    """England's totals and pooled rates for the year and the years before it."""
    year = _check_year(statistics, year)
    frame = national_totals(statistics, year, n_years)
    columns = [Column("year", "Year")] + [Column(key, title) for key, title, _ in _TOTAL_COLUMNS]
    rows = []
    for _, record in frame.iterrows():
        cells = [_text_cell(year_label(int(record["year"])))]
        for key, _, kind in _TOTAL_COLUMNS:
            cells.append(_rate_cell(record[key]) if kind == "rate" else _count_cell(record[key]))
        rows.append(Row(cells, (("year", str(int(record["year"]))),)))
    current = frame[frame["year"] == year].iloc[0]
    intro = [
        f"In {year_label(year)} the Ombudsman received {int(current['received_total']):,} complaints and enquiries "
        f"about councils in England and made {int(current['decisions_total']):,} decisions, "
        f"{int(current['detailed_investigations']):,} of them after a detailed investigation.",
    ]
    unassigned = sum(int(current.get(f"unassigned_{table}", 0) or 0) for table in ("received", "decided", "compliance"))
    if unassigned:
        intro.append(
            f"{unassigned:,} case records name an authority that is not in this year's register of councils; "
            "they are left out of every figure below."
        )
    return _render_table(
        heading="England: totals and rates",
        caption=f"Complaints about councils in England, {year_label(int(frame['year'].min()))} to {year_label(year)}",
        columns=columns,
        rows=rows,
        css_class="lgsco-national-totals",
        intro=tuple(intro),
    )


# ---------------------------------------------------------------------------
# type averages


def type_averages(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """``Statistics.types`` for the year, in letter order of council types (no recomputation)."""
    year = _check_year(statistics, year)
    types = statistics.types[statistics.types["year"] == year].copy()
    order = {name: index for index, name in enumerate(AUTHORITY_TYPES)}
    types["_order"] = types["authority_type"].map(order).fillna(len(order))
    return types.sort_values(["_order", "authority_type"]).drop(columns="_order").reset_index(drop=True)


#: The averages the letters quote (one table) ...
_TYPE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("councils", "Councils", "count"),
    ("type_avg_upheld_rate", "Uphold rate", "rate"),
    ("type_avg_satisfactory_remedy_rate", "Satisfactory remedy rate", "rate"),
    ("type_avg_compliance_rate", "Compliance rate", "rate"),
    ("type_avg_upheld_per_100k", "Upheld per 100,000 residents", "per100k"),
)
#: ... and the counts behind them (a second table, so each fits an A4 page).
_TYPE_BASIS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("detailed_investigations", "Detailed investigations", "count"),
    ("upheld", "Upheld", "count"),
    ("satisfactory_remedies", "Satisfactory remedies", "count"),
    ("compliance_outcomes", "Compliance outcomes", "count"),
    ("not_complied", "Not complied", "count"),
)


def _method_sentence(statistics: Statistics) -> str:
    if statistics.average_method == "mean":
        return (
            "Each average is the mean of the rates of the councils of that type, leaving out councils "
            "that have no figure for that rate."
        )
    return (
        "Each average is pooled: all the councils of that type taken together (for example, every upheld "
        "decision of that type divided by every detailed investigation of that type)."
    )


def type_averages_html(statistics: Statistics, year: int | str) -> str:
    """Each council type's averages (the "similar councils" figures the letters quote) and their counts."""
    year = _check_year(statistics, year)
    frame = type_averages(statistics, year)
    makers = {"count": _count_cell, "rate": _rate_cell, "per100k": _per_100k_cell}

    def table(spec, caption, css_class, heading=None, intro=()):
        columns = [Column("authority_type", "Council type")] + [Column(key, title) for key, title, _ in spec]
        rows = []
        for _, record in frame.iterrows():
            cells = [_text_cell(record["authority_type"])]
            cells += [makers[kind](record[key]) for key, _, kind in spec]
            rows.append(Row(cells, (("authority-type", str(record["authority_type"])),)))
        return _render_table(
            heading=heading, caption=caption, columns=columns, rows=rows, css_class=css_class, intro=intro
        )

    return "\n".join(
        [
            table(
                _TYPE_COLUMNS,
                f"Averages for similar councils by council type, {year_label(year)}",
                "lgsco-type-averages",
                heading="Averages for similar councils",
                intro=(
                    "These are the figures each council's annual review letter compares it with.",
                    _method_sentence(statistics),
                ),
            ),
            table(
                _TYPE_BASIS_COLUMNS,
                f"Cases behind the averages, by council type, {year_label(year)}",
                "lgsco-type-counts",
            ),
        ]
    )


def distribution_chart(statistics: Statistics, year: int | str) -> charts.Chart:
    """Spread of council uphold rates within each type, with the type average marked."""
    year = _check_year(statistics, year)
    councils = statistics.councils[statistics.councils["year"] == year]
    averages = dict(zip(type_averages(statistics, year)["authority_type"], type_averages(statistics, year)["type_avg_upheld_rate"]))
    return charts.uphold_distribution_chart(councils, type_averages=averages)


def map_chart(statistics: Statistics, year: int | str) -> charts.Chart:
    """Every council's uphold rate by location."""
    year = _check_year(statistics, year)
    return charts.uphold_map(statistics.councils[statistics.councils["year"] == year])


# ---------------------------------------------------------------------------
# outliers


def _key_rate(column: str) -> KeyRate:
    for rate in KEY_RATES:
        if rate.column == column:
            return rate
    raise ValueError(f"rate {column!r} is not a key rate; use one of {', '.join(r.column for r in KEY_RATES)}")


def outliers(
    statistics: Statistics, year: int | str, rate: str, n: int = 5, min_basis: int = 5
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` councils furthest above and below their type's average on ``rate``.

    Only councils whose basis count (the rate's denominator) is at least
    ``min_basis`` take part, so a rate built on two or three cases is not
    over-read. Returns ``(above, below)``, each with ``difference`` (council
    rate minus type average, as a fraction) and sorted furthest first, ties by
    council name.
    """
    year = _check_year(statistics, year)
    key = _key_rate(rate)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    councils = statistics.councils[statistics.councils["year"] == year]
    average_column = f"type_avg_{key.column}"
    eligible = councils[
        (councils[key.basis_column] >= min_basis) & councils[key.column].notna() & councils[average_column].notna()
    ].copy()
    eligible["difference"] = eligible[key.column] - eligible[average_column]
    columns = ["authority_code", "authority_name", "authority_type", key.basis_column, key.column, average_column, "difference"]
    above = eligible[eligible["difference"] > 0].sort_values(["difference", "authority_name"], ascending=[False, True])
    below = eligible[eligible["difference"] < 0].sort_values(["difference", "authority_name"], ascending=[True, True])
    return above.head(n)[columns].reset_index(drop=True), below.head(n)[columns].reset_index(drop=True)


def _points(rate: float, average: float) -> str:
    """Gap between the two printed whole percentages, in points, signed.

    Taken from the rounded figures so the row reads consistently (90% against
    49% is "+41 points"); the unrounded gap stays in ``data-value``.
    """
    gap = Decimal((percent(float(rate)) or "0").rstrip("%")) - Decimal((percent(float(average)) or "0").rstrip("%"))
    unit = "point" if abs(gap) == 1 else "points"
    if gap == 0:
        return "0 points"
    return f"+{gap} {unit}" if gap > 0 else f"\u2212{-gap} {unit}"


def outliers_html(statistics: Statistics, year: int | str, n: int = 5, min_basis: int = 5) -> str:
    """For each key rate, the councils furthest above and below similar councils, with their counts."""
    year = _check_year(statistics, year)
    sections = [
        _ENV.from_string(
            """<section class="lgsco-section lgsco-outliers-intro">
<h2>Councils furthest from similar councils</h2>
<p>For each key rate, the {{ n }} councils furthest above and the {{ n }} furthest below the average for their type. Only councils with at least {{ min_basis }} cases behind the rate are included, and the number of cases is shown beside each rate: a rate based on few cases can move a long way with one decision.</p>
</section>"""
        ).render(n=n, min_basis=min_basis)
    ]
    for key in KEY_RATES:
        above, below = outliers(statistics, year, key.column, n=n, min_basis=min_basis)
        for direction, frame in (("above", above), ("below", below)):
            columns = [
                Column("authority_name", "Council"),
                Column("authority_type", "Council type"),
                Column(key.basis_column, key.basis_label),
                Column(key.column, key.label),
                Column(f"type_avg_{key.column}", "Similar councils"),
                Column("difference", "Difference"),
            ]
            rows = [
                Row(
                    [
                        _text_cell(record["authority_name"]),
                        _text_cell(record["authority_type"]),
                        _count_cell(record[key.basis_column]),
                        _rate_cell(record[key.column]),
                        _rate_cell(record[f"type_avg_{key.column}"]),
                        Cell(
                            _points(record[key.column], record[f"type_avg_{key.column}"]),
                            repr(float(record["difference"])),
                        ),
                    ],
                    (("authority-code", str(record["authority_code"])),),
                )
                for _, record in frame.iterrows()
            ]
            sections.append(
                _render_table(
                    heading=None,
                    caption=f"{key.label}: councils furthest {direction} similar councils, {year_label(year)}",
                    columns=columns,
                    rows=rows,
                    css_class=f"lgsco-outliers lgsco-outliers-{direction}",
                    intro=(f"{key.label}, furthest {direction} similar councils:",) if not rows else (),
                    empty=f"No council with at least {min_basis} {key.basis_label.lower()} is {direction} the average for its type.",
                )
            )
    return "\n".join(sections)


# ---------------------------------------------------------------------------
# compliance


def non_compliance(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """Councils whose compliance rate for the year is below 100%, lowest first (ties by name)."""
    year = _check_year(statistics, year)
    councils = statistics.councils[statistics.councils["year"] == year]
    below = councils[councils["compliance_rate"].notna() & (councils["compliance_rate"] < 1)]
    columns = [
        "authority_code", "authority_name", "authority_type", "compliance_outcomes",
        "complied", "complied_late", "not_complied", "compliance_rate",
    ]
    return below.sort_values(["compliance_rate", "authority_name"])[columns].reset_index(drop=True)


def non_compliance_html(statistics: Statistics, year: int | str) -> str:
    """Every council that did not comply with all the recommendations recorded in the year."""
    year = _check_year(statistics, year)
    frame = non_compliance(statistics, year)
    columns = [
        Column("authority_name", "Council"),
        Column("authority_type", "Council type"),
        Column("compliance_outcomes", "Compliance outcomes"),
        Column("complied", "Complied on time"),
        Column("complied_late", "Complied late"),
        Column("not_complied", "Not complied"),
        Column("compliance_rate", "Compliance rate"),
    ]
    rows = [
        Row(
            [
                _text_cell(record["authority_name"]),
                _text_cell(record["authority_type"]),
                _count_cell(record["compliance_outcomes"]),
                _count_cell(record["complied"]),
                _count_cell(record["complied_late"]),
                _count_cell(record["not_complied"]),
                _rate_cell(record["compliance_rate"]),
            ],
            (("authority-code", str(record["authority_code"])),),
        )
        for _, record in frame.iterrows()
    ]
    return _render_table(
        heading="Councils that did not comply with every recommendation",
        caption=f"Councils with a compliance rate below 100%, {year_label(year)}",
        columns=columns,
        rows=rows,
        css_class="lgsco-non-compliance",
        intro=(
            "Late compliance counts as compliance in the rate; the late count is shown beside it.",
        ),
        empty=f"Every council complied with all the recommendations whose outcome was recorded in {year_label(year)}.",
    )


# ---------------------------------------------------------------------------
# letters of abolished councils


def abolished_councils(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """Councils in the year's letters that ceased before the letter date (its letter goes to the successor).

    Columns ``authority_code``, ``authority_name``, ``abolished`` (e.g. "abolished 31 March 2020;
    successor: Buckinghamshire Council"); the letter date is the one in the year's parameters file.
    """
    from . import register

    year = _check_year(statistics, year)
    letter_day = register.letter_date(year)
    councils = statistics.councils[statistics.councils["year"] == year].sort_values("authority_name")
    notes = [register.abolition_note(code, letter_day) for code in councils["authority_code"]]
    frame = councils.assign(abolished=notes)[["authority_code", "authority_name", "abolished"]]
    return frame[frame["abolished"].notna()].reset_index(drop=True)


def abolished_councils_html(statistics: Statistics, year: int | str) -> str:
    """A short table marking the letters written to councils that no longer exist (empty when none)."""
    frame = abolished_councils(statistics, year)
    if frame.empty:
        return ""
    rows = [
        Row([_text_cell(record["authority_name"]), _text_cell(record["abolished"])],
            (("authority-code", str(record["authority_code"])),))
        for _, record in frame.iterrows()
    ]
    return _render_table(
        heading="Letters for councils that no longer exist",
        caption=f"Councils abolished before the {year_label(int(year))} letters were sent",
        columns=[Column("authority_name", "Council"), Column("abolished", "Abolished; successor")],
        rows=rows,
        css_class="lgsco-abolished",
        intro=("These councils' letters cover their last year and are addressed to their successors' chief executives.",),
        empty="",
    )


# ---------------------------------------------------------------------------
# notes


def notes_html(review: NationalReview) -> str:
    """How the figures were made: definitions, averaging method, source, generation time."""
    template = _ENV.from_string(
        """<section class="lgsco-section lgsco-notes">
<h2>Notes</h2>
<ul>
<li>Uphold rate: upheld decisions as a share of detailed investigations (upheld and not upheld decisions).</li>
<li>Satisfactory remedy rate: the share of upheld cases in which the council had already offered a remedy the Ombudsman found suitable.</li>
<li>Compliance rate: recommendations the council carried out, on time or late, as a share of compliance outcomes recorded in the year.</li>
<li>{{ method }}</li>
<li>A council with no cases behind a rate has no figure for it; it is never shown as 0%. Percentages are whole numbers, with halves rounded up.</li>
<li>Figures computed from the {{ source }}{% if is_sample %}, which are sample data and not real Ombudsman figures{% endif %}, on {{ generated }}.</li>
</ul>
</section>"""
    )
    return template.render(
        method=_method_sentence(review.statistics),
        source=review.data_source,
        is_sample=review.is_sample,
        generated=review.generated_at.isoformat(timespec="minutes"),
    )
