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
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from . import charts, metrics
from .definitions import AUTHORITY_TYPES, SERVICE_IMPROVEMENT_TYPES, parse_year, year_label
from .documents import DOCUMENT_MIMETYPE, SAMPLE_BANNER, average_method_text, parse_generated_at, review_metadata
from .formatting import NO_FIGURE, long_date, per_100k_text, percent, percent_of
from .stats import REMEDY_COLUMNS, SMALL_BASE, Statistics, category_table, load_statistics

__all__ = [
    "DOCUMENT_MIMETYPE",
    "KEY_RATES",
    "NationalReview",
    "categories_html",
    "distribution_chart",
    "distribution_charts",
    "distribution_note_html",
    "document_metadata",
    "map_chart",
    "map_html",
    "national_totals",
    "national_totals_html",
    "non_compliance",
    "non_compliance_html",
    "notes_html",
    "outliers",
    "outliers_html",
    "prepare_review",
    "sample_banner_html",
    "summary",
    "summary_html",
    "title_html",
    "type_averages",
    "type_averages_html",
]

AUTHOR = "Local Government and Social Care Ombudsman"


@dataclass(frozen=True)
class KeyRate:
    """A rate compared with similar councils, and the count it is a share of."""

    column: str
    label: str
    basis_column: str
    basis_label: str


def key_rates() -> tuple[KeyRate, ...]:
    """The key rates (``metrics.key_rates``), in letter order, each with its basis (denominator) count."""
    return tuple(
        KeyRate(m.column, title, m.denominator[0], m.basis_title or title) for m, title in metrics.view("national_key_rates")
    )


#: The key rates when this module was imported (the functions here call ``key_rates()``).
KEY_RATES: tuple[KeyRate, ...] = key_rates()

#: How each display of ``metrics.DISPLAYS`` is called in this module's tables.
_KINDS = {"count": "count", "residents": "count", "percent": "rate", "per_100k": "per100k"}


def _columns(view: str, average: bool = False) -> tuple[tuple[str, str, str], ...]:
    """(column, title, kind) of each metric in ``view`` (``average``: its ``type_avg_*`` column)."""
    return tuple(
        (m.average_column if average else m.column, title, _KINDS[m.display]) for m, title in metrics.view(view)
    )

#: The review's wording: one template per section (``templates/national/<section>.html.j2``).
TEMPLATE_DIR = Path(__file__).parent / "templates" / "national"


@functools.lru_cache(maxsize=4)
def _environment(template_dir: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=True,  # every value is data: escaped unless the template says otherwise
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_section(section: str, **context: Any) -> str:
    """One section of the review from its template (``templates/national/<section>.html.j2``)."""
    return _environment(str(TEMPLATE_DIR)).get_template(f"{section}.html.j2").render(**context)


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


#: Table classes the report stylesheet styles: a small table is kept on one page;
#: a long one may break between rows and repeats its header row on each page.
KEEP_TOGETHER = "lgsco-keep"
LONG_TABLE = "lgsco-long"


@dataclass(frozen=True)
class Column:
    key: str
    title: str


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    attributes: tuple[tuple[str, str], ...] = ()
    css_class: str = ""


def _render_table(
    *,
    heading: str | None,
    caption: str,
    columns: list[Column],
    rows: list[Row],
    css_class: str,
    intro: tuple[str, ...] = (),
    empty: str = "",
    table_class: str = KEEP_TOGETHER,
    outro: tuple[str, ...] = (),
) -> str:
    return render_section(
        "table", heading=heading, caption=caption, columns=columns, rows=rows, css_class=css_class, intro=intro, empty=empty,
        table_class=table_class, outro=outro,
    )


# ---------------------------------------------------------------------------
# loading


@dataclass(frozen=True)
class DataFile:
    """One input table the figures were computed from: table, file name (no folders), SHA-256."""

    table: str
    name: str
    sha256: str


@dataclass(frozen=True)
class NationalReview:
    """What every cell of the national notebook needs: the figures, the year, provenance."""

    statistics: Statistics
    year: int
    is_sample: bool
    generated_at: _dt.datetime
    data_files: tuple[DataFile, ...] = ()


def data_files(statistics: Statistics) -> tuple[DataFile, ...]:
    """The case tables behind ``statistics``, named by file (never by folder or cache file)."""
    return tuple(
        DataFile(str(source.get("table", "")), Path(str(source.get("path", ""))).name, str(source.get("sha256", "")))
        for source in statistics.sources
    )


def _check_year(statistics: Statistics, year: int | str) -> int:
    year = parse_year(year)
    if year not in statistics.years:
        raise ValueError(
            f"no statistics for {year_label(year)} (year ending 31 March {year}); "
            f"years in the data: {', '.join(year_label(y) for y in statistics.years) or 'none'}"
        )
    return year


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
    parse_year(year)  # a mistyped year is said before the statistics are loaded
    statistics = load_statistics(data_dir, stats_file, average_method)
    checked_year = _check_year(statistics, year)
    return NationalReview(
        statistics=statistics,
        year=checked_year,
        is_sample=bool(statistics.is_sample),
        generated_at=parse_generated_at(generated_at),
        data_files=data_files(statistics),
    )


def report_title(year: int) -> str:
    return f"Review of local government complaints {year_label(year)}"


def document_metadata(review: NationalReview) -> dict[str, dict[str, Any]]:
    """The display bundle the exporters read: ``display(document_metadata(r), raw=True)``."""
    from .yearparams import unconfirmed_facts

    metadata = review_metadata(
        title=report_title(review.year), year=review.year, author=AUTHOR, is_sample=review.is_sample,
        # The year's unconfirmed facts make this review a DRAFT, like the year's letters.
        unconfirmed=unconfirmed_facts(review.year),
        generated_at=review.generated_at.isoformat(),
        data_files=[{"table": f.table, "name": f.name, "sha256": f.sha256} for f in review.data_files],
    )
    return {DOCUMENT_MIMETYPE: dict(metadata)}


# ---------------------------------------------------------------------------
# opening: banner, title


def sample_banner_html(is_sample: bool) -> str:
    """The sample-data banner (empty string for real data)."""
    if not is_sample:
        return ""
    return render_section("sample_banner", text=SAMPLE_BANNER)


_long_date = long_date


def period_text(year: int) -> str:
    """The period a year's figures cover: "1 April 2019 to 31 March 2020"."""
    return f"1 April {year - 1} to 31 March {year}"


def title_html(review: NationalReview) -> str:
    """Title page: banner (if sample), title, the period covered and the date of production, each labelled."""
    return render_section(
        "title",
        banner=sample_banner_html(review.is_sample),
        title=report_title(review.year),
        author=AUTHOR,
        label=year_label(review.year),
        period=period_text(review.year),
        produced=_long_date(review.generated_at),
    )


# ---------------------------------------------------------------------------
# national totals


# The totals table is ``metrics.view("national_totals")``; its titles there carry soft hyphens (\u00ad)
# that let the long words wrap so eight columns fit an A4 page.


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
    spec = _columns("national_totals")
    columns = [Column("year", "Year")] + [Column(key, title) for key, title, _ in spec]
    rows = []
    for _, record in frame.iterrows():
        cells = [_text_cell(year_label(int(record["year"])))]
        for key, _, kind in spec:
            cells.append(_value_cell(kind, record[key]))
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


#: The summary at the top of the review: (column, label, kind), in reading order (``metrics.view("national_summary")``
#: when this module was imported; ``summary`` reads the registry when it runs).
SUMMARY_MEASURES: tuple[tuple[str, str, str], ...] = _columns("national_summary")


def summary(statistics: Statistics, year: int | str) -> pd.DataFrame:
    """England's key figures for ``year`` and the year before: measure, label, kind, current, previous.

    ``previous`` is NaN when the year before is not in the data. Values come
    from ``Statistics.national`` unchanged.
    """
    year = _check_year(statistics, year)
    national = statistics.national.set_index("year")
    current = national.loc[year]
    previous = national.loc[year - 1] if (year - 1) in national.index else None
    rows = [
        {"measure": column, "label": label, "kind": kind, "current": current[column],
         "previous": float("nan") if previous is None else previous[column]}
        for column, label, kind in _columns("national_summary")
    ]
    return pd.DataFrame(rows)


def _printed_number(kind: str, value: object) -> Decimal | None:
    if charts.is_missing(value):
        return None
    text = percent(float(value)) if kind == "rate" else per_100k_text(float(value)) if kind == "per100k" else f"{int(value)}"
    return Decimal(text.rstrip("%")) if text else None


def _change_cell(kind: str, current: object, previous: object, unit: bool = True) -> Cell:
    """Change from the printed previous figure to the printed current one (so the row reads consistently)."""
    now, before = _printed_number(kind, current), _printed_number(kind, previous)
    if now is None or before is None:
        return Cell(NO_FIGURE, "")
    gap = now - before
    sign = "+" if gap > 0 else "\u2212" if gap < 0 else ""
    if kind == "rate":
        suffix = ("" if not unit else " point" if abs(gap) == 1 else " points")
        text = f"{sign}{abs(gap)}{suffix}"
    elif kind == "count":
        text = f"{sign}{abs(int(gap)):,}"
    else:
        text = f"{sign}{abs(gap)}"
    return Cell(text, repr(float(current) - float(previous)))


def _value_cell(kind: str, value: object) -> Cell:
    if kind == "rate":
        return _rate_cell(value)
    if kind == "per100k":
        return _per_100k_cell(value)
    return Cell(NO_FIGURE, "") if charts.is_missing(value) else _count_cell(value)


def summary_html(statistics: Statistics, year: int | str) -> str:
    """The year at a glance: each key figure for England, the year before, and the change."""
    year = _check_year(statistics, year)
    frame = summary(statistics, year)
    columns = [Column("measure", "Measure"), Column("previous", year_label(year - 1)),
               Column("current", year_label(year)), Column("change", "Change")]
    rows = [
        Row([_text_cell(record["label"]), _value_cell(record["kind"], record["previous"]),
             _value_cell(record["kind"], record["current"]),
             _change_cell(record["kind"], record["current"], record["previous"])],
            (("measure", str(record["measure"])),))
        for _, record in frame.iterrows()
    ]
    national = statistics.national.set_index("year").loc[year]
    intro = (
        f"England's figures for {year_label(year)} ({period_text(year)}) beside those for {year_label(year - 1)}. "
        "Changes in rates are in percentage points, between the whole percentages shown.",
        f"Upheld decisions per 100,000 residents counts each resident once: {int(national['population']):,} residents "
        "of the single-tier and district councils (county councils' residents live in their districts and are "
        "not counted again)."
        + (f" The {int(national['councils_without_population'])} councils without a population figure in the register "
           "are left out of this figure, residents and upheld decisions alike."
           if int(national["councils_without_population"]) else ""),
    )
    return _render_table(
        heading=f"{year_label(year)} at a glance", caption=f"England's key figures, {year_label(year - 1)} and {year_label(year)}",
        columns=columns, rows=rows, css_class="lgsco-summary", intro=intro,
    )


def categories_html(statistics: Statistics, year: int | str) -> str:
    """Complaints received and upheld by service category, each with its share, uphold rate and change."""
    year = _check_year(statistics, year)
    frame = category_table(statistics, year)
    previous_label = year_label(year - 1)
    columns = [
        Column("category", "Service category"), Column("received", "Received"),
        Column("received_share", "Share of received"), Column("received_change", f"Change on {previous_label}"),
        # A soft hyphen lets the long word wrap, so nine columns fit an A4 page.
        Column("detailed_investigations", "Investi\u00adgations"), Column("upheld", "Upheld"),
        Column("upheld_rate", "Uphold rate"), Column("upheld_rate_change", f"Points on {previous_label}"),
    ]
    rows = []
    for _, record in frame.iterrows():
        previous_received = record["previous_received"]
        rows.append(Row([
            _text_cell(record["category"]), _count_cell(record["received"]), _rate_cell(record["received_share"]),
            _change_cell("count", record["received"], previous_received),
            _count_cell(record["detailed_investigations"]), _count_cell(record["upheld"]),
            _rate_cell(record["upheld_rate"]),
            _change_cell("rate", record["upheld_rate"], record["previous_upheld_rate"], unit=False),
        ], (("category", str(record["category"])),)))
    return _render_table(
        heading="Complaints by service category",
        caption=f"Complaints received and upheld by service category, {year_label(year)}",
        columns=columns, rows=rows, css_class="lgsco-categories",
        intro=(
            "Complaints received are counted in the year they arrived; decisions in the year they were made, under "
            "the category of the decision. The share is of all complaints and enquiries received in the year. "
            "Investigations are detailed investigations (upheld and not upheld decisions). Changes are on the year "
            "before: in cases for complaints received, in percentage points for the uphold rate.",
        ),
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


#: The averages the letters quote (one table: the number of councils, then ``metrics.view("national_types")``) ...
def _type_columns() -> tuple[tuple[str, str, str], ...]:
    return (("councils", "Councils", "count"), *_columns("national_types", average=True))


#: ... and the counts behind them (a second table, so each fits an A4 page: ``metrics.view("national_type_basis")``).
def _type_basis_columns() -> tuple[tuple[str, str, str], ...]:
    return _columns("national_type_basis")


def _method_sentence(statistics: Statistics) -> str:
    return average_method_text(statistics.average_method, "report")


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
                _type_columns(),
                f"Averages for similar councils by council type, {year_label(year)}",
                "lgsco-type-averages",
                heading="Averages for similar councils",
                intro=(
                    "These are the figures each council's annual review letter compares it with.",
                    _method_sentence(statistics),
                ),
            ),
            table(
                _type_basis_columns(),
                f"Cases behind the averages, by council type, {year_label(year)}",
                "lgsco-type-counts",
            ),
        ]
    )


def distribution_chart(statistics: Statistics, year: int | str, rate: str = "upheld_rate") -> charts.Chart:
    """Spread of councils' ``rate`` within each type, beside the type's average and England's rate."""
    year = _check_year(statistics, year)
    key = _key_rate(rate)
    councils = statistics.councils[statistics.councils["year"] == year]
    types = type_averages(statistics, year)
    averages = dict(zip(types["authority_type"], types[f"type_avg_{key.column}"]))
    national = statistics.national.set_index("year").loc[year, key.column]
    return charts.rate_distribution_chart(
        councils, key.column, key.label, basis_column=key.basis_column, type_averages=averages, national=national,
        small_base=SMALL_BASE, missing_reason=f"with no {key.basis_label.lower()}",
    )


def distribution_charts(statistics: Statistics, year: int | str) -> list[charts.Chart]:
    """One distribution chart per key rate, in letter order."""
    return [distribution_chart(statistics, year, key.column) for key in key_rates()]


def distribution_note_html(statistics: Statistics, year: int | str) -> str:
    """How to read the distribution charts, and why small numbers need care."""
    year = _check_year(statistics, year)
    councils = statistics.councils[statistics.councils["year"] == year]
    small = int(((councils["detailed_investigations"] > 0) & (councils["detailed_investigations"] < SMALL_BASE)).sum())
    return render_section(
        "distribution_note", small_base=SMALL_BASE, label=year_label(year), small=small, total=len(councils)
    )


def map_chart(statistics: Statistics, year: int | str) -> charts.Chart:
    """Every council's uphold rate as an area of the map (boundaries carried with the package)."""
    year = _check_year(statistics, year)
    return charts.uphold_map(statistics.councils[statistics.councils["year"] == year])


def map_html(statistics: Statistics, year: int | str) -> str:
    """The map under its own heading (the chart's HTML is escaped by ``Chart.to_html``)."""
    chart = map_chart(statistics, year)
    heading = render_section("map_heading", label=year_label(_check_year(statistics, year)))
    return f'<section class="lgsco-section lgsco-map">\n{heading}\n{chart.to_html()}\n</section>'


# ---------------------------------------------------------------------------
# outliers


def _key_rate(column: str) -> KeyRate:
    for rate in key_rates():
        if rate.column == column:
            return rate
    raise ValueError(f"rate {column!r} is not a key rate; use one of {', '.join(r.column for r in key_rates())}")


def outliers(
    statistics: Statistics, year: int | str, rate: str, n: int = 5, min_basis: int = SMALL_BASE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The councils furthest above and below their type's average on ``rate``, ties kept together.

    Only councils whose basis count (the rate's denominator) is at least
    ``min_basis`` (default ``stats.SMALL_BASE``) take part, so a rate resting on
    a few cases is not ranked. Returns ``(above, below)``, each sorted furthest
    first with ``difference`` (council rate minus type average, a fraction),
    ``rank`` (1 = furthest; tied councils share a rank) and ``tied`` (how many
    councils share that exact difference). Every council whose rank is at most
    ``n`` is returned, so a tie at the cut-off is never split alphabetically.
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
    columns = ["authority_code", "authority_name", "authority_type", key.basis_column, key.column, average_column,
               "difference", "rank", "tied"]

    def ranked(frame: pd.DataFrame, furthest_first: bool) -> pd.DataFrame:
        frame = frame.sort_values(["difference", "authority_name"], ascending=[not furthest_first, True]).copy()
        frame["rank"] = frame["difference"].rank(method="min", ascending=not furthest_first).astype("int64")
        frame["tied"] = frame.groupby("difference")["difference"].transform("size").astype("int64")
        return frame[frame["rank"] <= n][columns].reset_index(drop=True)

    return ranked(eligible[eligible["difference"] > 0], True), ranked(eligible[eligible["difference"] < 0], False)


def _points(rate: float, average: float) -> str:
    """Gap between the two printed percentages, in points, signed.

    Taken from the rounded figures so the row reads consistently (90% against
    49% is "+41 points"); the unrounded gap stays in ``data-value``.
    """
    gap = Decimal((percent(float(rate)) or "0").rstrip("%")) - Decimal((percent(float(average)) or "0").rstrip("%"))
    unit = "point" if abs(gap) == 1 else "points"
    if gap == 0:
        return "0 points"
    return f"+{gap} {unit}" if gap > 0 else f"\u2212{-gap} {unit}"


#: A tie of more councils than this is shown as one row ("A, B, C and N others at the same figure").
MAX_TIED_ROWS = 3


def _outlier_rows(frame: pd.DataFrame, key: KeyRate) -> list[Row]:
    """One row per council; a large tie as one row naming the first few and counting the rest."""
    rows = []
    for _, group in frame.groupby("rank", sort=True):
        record = group.iloc[0]
        average = record[f"type_avg_{key.column}"]
        shared = [
            _rate_cell(record[key.column]), _rate_cell(average),
            Cell(_points(record[key.column], average), repr(float(record["difference"]))),
        ]
        rank_text = f"={int(record['rank'])}" if len(group) > 1 else str(int(record["rank"]))
        if len(group) > MAX_TIED_ROWS and group["authority_type"].nunique() == 1 and group[key.column].nunique() == 1:
            names = list(group["authority_name"])
            shown = ", ".join(names[:MAX_TIED_ROWS])
            low, high = int(group[key.basis_column].min()), int(group[key.basis_column].max())
            rows.append(Row(
                [_text_cell(rank_text), _text_cell(f"{shown} and {len(names) - MAX_TIED_ROWS} others at the same figure"),
                 _text_cell(record["authority_type"]), Cell(f"{low:,} to {high:,}" if low != high else f"{low:,}"), *shared],
                (("tied", str(len(group))), ("authority-codes", " ".join(group["authority_code"]))), "lgsco-tie",
            ))
            continue
        for _, council in group.iterrows():
            rows.append(Row(
                [_text_cell(rank_text), _text_cell(council["authority_name"]), _text_cell(council["authority_type"]),
                 _count_cell(council[key.basis_column]), _rate_cell(council[key.column]),
                 _rate_cell(council[f"type_avg_{key.column}"]),
                 Cell(_points(council[key.column], council[f"type_avg_{key.column}"]), repr(float(council["difference"])))],
                (("authority-code", str(council["authority_code"])), ("tied", str(int(council["tied"])))),
                "lgsco-tie" if len(group) > 1 else "",
            ))
    return rows


def _tie_notes(frame: pd.DataFrame) -> tuple[str, ...]:
    """The full list of councils in a tie shown as one row (every name is printed somewhere)."""
    notes = []
    for _, group in frame.groupby("rank", sort=True):
        if len(group) > MAX_TIED_ROWS and group["authority_type"].nunique() == 1:
            notes.append(f"Tied at ={int(group['rank'].iloc[0])}: {', '.join(group['authority_name'])}.")
    return tuple(notes)


def outliers_html(statistics: Statistics, year: int | str, n: int = 5, min_basis: int = SMALL_BASE) -> str:
    """For each key rate, the councils furthest above and below similar councils, with their counts."""
    year = _check_year(statistics, year)
    sections = [
        render_section("outliers_intro", n=n, min_basis=min_basis)
    ]
    for key in key_rates():
        above, below = outliers(statistics, year, key.column, n=n, min_basis=min_basis)
        for direction, frame in (("above", above), ("below", below)):
            columns = [
                Column("rank", "Place"),
                Column("authority_name", "Council"),
                Column("authority_type", "Council type"),
                Column(key.basis_column, key.basis_label),
                Column(key.column, key.label),
                Column(f"type_avg_{key.column}", "Similar councils"),
                Column("difference", "Difference"),
            ]
            rows = _outlier_rows(frame, key)
            sections.append(
                _render_table(
                    heading=None,
                    caption=f"{key.label}: councils furthest {direction} similar councils, {year_label(year)}",
                    columns=columns,
                    rows=rows,
                    css_class=f"lgsco-outliers lgsco-outliers-{direction}",
                    intro=(f"{key.label}, furthest {direction} similar councils:",) if not rows else (),
                    empty=f"No council with at least {min_basis} {key.basis_label.lower()} is {direction} the average for its type.",
                    outro=_tie_notes(frame),
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
        Column("compliance_outcomes", "Compli\u00adance outcomes"),
        Column("complied", "Complied on time"),
        Column("complied_late", "Complied late"),
        Column("not_complied", "Not complied"),
        Column("compliance_rate", "Compli\u00adance rate"),
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
        table_class=LONG_TABLE if len(rows) > 12 else KEEP_TOGETHER,
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
    letter_day = register.letter_date(year, None)  # the year's parameters file (the review has no other)
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
    """How the figures were made: definitions, averaging method, the data files and their SHA-256, dates."""
    return render_section(
        "notes",
        method=_method_sentence(review.statistics),
        period=period_text(review.year),
        is_sample=review.is_sample,
        files=review.data_files,
        produced=review.generated_at.isoformat(timespec="minutes"),
    )


# ---------------------------------------------------------------------------
# remedies, service improvements and public reports (only when those optional tables were given)


def remedies_by_type(statistics: Statistics, year: int | str) -> pd.DataFrame | None:
    """England's remedies agreed in the year by type: remedy_type, remedies, share, service_improvement (bool).

    None when the data had no remedies table. Counts come from ``Statistics.national``.
    """
    year = _check_year(statistics, year)
    if not getattr(statistics, "has_remedies", False):
        return None
    row = statistics.national.set_index("year").loc[year]
    total = int(row["remedies_total"])
    records = [
        {
            "remedy_type": label, "remedies": int(row[column]),
            "share": int(row[column]) / total if total else float("nan"),
            "service_improvement": label in SERVICE_IMPROVEMENT_TYPES,
        }
        for label, column in REMEDY_COLUMNS.items()
    ]
    return pd.DataFrame(records)


def remedies_html(statistics: Statistics, year: int | str) -> str:
    """Remedies and service improvements by type, with the late-or-overdue figures; "" without a remedies table."""
    frame = remedies_by_type(statistics, year)
    if frame is None:
        return ""
    year = _check_year(statistics, year)
    row = statistics.national.set_index("year").loc[year]
    columns = [Column("remedy_type", "Remedy type"), Column("remedies", "Remedies agreed"), Column("share", "Share")]
    rows = [
        Row([_text_cell(record["remedy_type"] + (" (service improvement)" if record["service_improvement"] and "service" not in record["remedy_type"] else "")),
             _count_cell(record["remedies"]), _rate_cell(record["share"])], (("remedy-type", record["remedy_type"]),))
        for _, record in frame.iterrows()
    ]
    rows.append(Row([_text_cell("All remedies"), _count_cell(row["remedies_total"]), _rate_cell(1.0 if row["remedies_total"] else None)],
                    css_class="lgsco-total"))
    late, overdue, base = (int(row[c]) for c in ("remedies_completed_late", "remedies_overdue", "remedies_due_or_done"))
    rate = percent_of(late + overdue, base)
    return _render_table(
        heading="Remedies and service improvements",
        caption=f"Remedies agreed by councils by type, {year_label(year)}",
        columns=columns, rows=rows, css_class="lgsco-remedies",
        intro=(
            f"Councils agreed {int(row['service_improvements']):,} service improvements in {year_label(year)} "
            "(procedure or policy changes, staff training and other service improvements), among "
            f"{int(row['remedies_total']):,} remedies in all. A remedy counts in the year it was agreed.",
        ),
        outro=(
            f"Of the {base:,} remedies that were done or due by the year end, {late:,} were completed late and "
            f"{overdue:,} were overdue at the year end (due on or before 31 March and not done): "
            f"{rate or NO_FIGURE} late or overdue.",
        ),
    )


def public_reports(statistics: Statistics, year: int | str) -> pd.DataFrame | None:
    """The public reports issued in the year (council, date, kind, case reference); None without a reports table."""
    year = _check_year(statistics, year)
    listed = getattr(statistics, "report_list", None)
    if listed is None:
        return None
    return listed[listed["year"] == year].reset_index(drop=True)


def public_reports_html(statistics: Statistics, year: int | str) -> str:
    """The list of public reports issued in the year; "" without a reports table."""
    frame = public_reports(statistics, year)
    if frame is None:
        return ""
    year = _check_year(statistics, year)
    columns = [Column("authority_name", "Council"), Column("report_date", "Date"), Column("kind", "Kind of report"),
               Column("case_ref", "Case reference")]
    rows = [
        Row([_text_cell(record["authority_name"]), _text_cell(_long_date(record["report_date"])),
             _text_cell(record["kind"]), _text_cell(record["case_ref"])],
            (("authority-code", str(record["authority_code"])),))
        for _, record in frame.iterrows()
    ]
    return _render_table(
        heading="Public reports",
        caption=f"Public reports issued about councils, {year_label(year)}",
        columns=columns, rows=rows, css_class="lgsco-public-reports",
        table_class=LONG_TABLE if len(rows) > 12 else KEEP_TOGETHER,
        intro=(
            "We publish a public interest report when a case raises issues others can learn from, and a further "
            "report when a council has not complied with our recommendations. A report counts in the year of its date.",
        ),
        empty=f"We issued no public reports about councils in {year_label(year)}.",
    )
