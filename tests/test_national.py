"""National review: the notebook, its building blocks and the statistics pack.

The end-to-end tests run the real notebook with papermill on the labelled sample
data (written to a temporary folder through ``LGSCO_REPORT_DATA``, so the
default ``data_dir=""`` path is the one exercised) and check that every type
average it prints is, to the last digit, the one in ``Statistics.types`` and in
``statistics.xlsx``.
"""

from __future__ import annotations

import dataclasses
import html.parser
import json
import os
import re
import shutil
from pathlib import Path

import markupsafe
import nbformat
import openpyxl
import pandas as pd
import papermill
import pytest
from pypdf import PdfReader

from lgsco_report import formatting, metrics, national, statistics_pack
from lgsco_report.inputs import load as load_cases
from lgsco_report.definitions import AUTHORITY_TYPES, REMEDY_TYPES
from lgsco_report.documents import SAMPLE_BANNER
from lgsco_report.documents import DOCUMENT_MIMETYPE
from lgsco_report.exporters import export_letter
from lgsco_report.formatting import per_100k_text, percent
from lgsco_report.stats import compute_statistics, published_table

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "national_review.ipynb"
YEAR = 2020
GENERATED_AT = "2020-07-29T09:00:00+01:00"
HOSTILE = "<script>alert(1)</script>"

TYPE_RATE_COLUMNS = (
    "type_avg_upheld_rate",
    "type_avg_satisfactory_remedy_rate",
    "type_avg_compliance_rate",
)


# ---------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def executed(sample_dir, tmp_path_factory):
    """The notebook run by papermill with data_dir="" (sample data via LGSCO_REPORT_DATA)."""
    out = tmp_path_factory.mktemp("run") / "national_review.ipynb"
    previous = os.environ.get("LGSCO_REPORT_DATA")
    os.environ["LGSCO_REPORT_DATA"] = str(sample_dir)
    try:
        papermill.execute_notebook(
            str(NOTEBOOK),
            str(out),
            parameters={"year": "2019-20", "generated_at": GENERATED_AT},
            kernel_name="python3",
            cwd=str(REPO),
            progress_bar=False,
        )
    finally:
        if previous is None:
            os.environ.pop("LGSCO_REPORT_DATA", None)
        else:
            os.environ["LGSCO_REPORT_DATA"] = previous
    return nbformat.read(out, as_version=4)


@pytest.fixture(scope="module")
def pack(statistics, tmp_path_factory) -> list[Path]:
    return statistics_pack.write_statistics_pack(statistics, "2019-20", tmp_path_factory.mktemp("pack"))


def html_outputs(nb) -> list[str]:
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                value = data["text/html"]
                texts.append("".join(value) if isinstance(value, list) else value)
    return texts


class CellCollector(html.parser.HTMLParser):
    """Collect (row attributes, cell attributes, cell text) for every <td> in a document."""

    def __init__(self):
        super().__init__()
        self.cells: list[tuple[dict, dict, str]] = []
        self._row: dict = {}
        self._cell: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = dict(attrs)
        elif tag == "td":
            self._cell, self._text = dict(attrs), []

    def handle_data(self, data):
        if self._cell is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append((self._row, self._cell, "".join(self._text)))
            self._cell = None


def printed_type_figures(page: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(authority type, column) -> (data-value, printed text) from type-average tables."""
    collector = CellCollector()
    collector.feed(page)
    figures = {}
    for row, cell, text in collector.cells:
        if "data-authority-type" in row and cell.get("data-column", "").startswith("type_avg_"):
            figures[(row["data-authority-type"], cell["data-column"])] = (cell.get("data-value"), text)
    return figures


# ---------------------------------------------------------------------------
# the committed notebook


def test_committed_notebook_is_clean_and_parameterised():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell in code_cells:
        assert cell.outputs == []
        assert cell.execution_count is None
        assert cell.metadata.get("tags"), f"code cell {cell.get('id')} has no tags, so an export might show it"
    parameters = [cell for cell in code_cells if "parameters" in cell.metadata["tags"]]
    assert len(parameters) == 1
    namespace: dict = {}
    exec(parameters[0].source, namespace)  # noqa: S102 - our own parameters cell: four assignments
    assert (namespace["year"], namespace["data_dir"], namespace["stats_file"], namespace["generated_at"]) == (2020, "", "", "")


# ---------------------------------------------------------------------------
# the executed notebook


@pytest.mark.slow
def test_notebook_type_averages_match_statistics_types_exactly(executed, statistics):
    page = "\n".join(html_outputs(executed))
    figures = printed_type_figures(page)
    types = statistics.types[statistics.types["year"] == YEAR].set_index("authority_type")
    assert set(types.index) == set(AUTHORITY_TYPES)
    for authority_type, row in types.iterrows():
        for column in TYPE_RATE_COLUMNS:
            value_text, printed = figures[(authority_type, column)]
            assert float(value_text) == row[column], (authority_type, column)
            assert printed == percent(row[column])
        # The 2019-20 review carries no figure per 100,000 residents: the 2020 letters had none (parameters/2020.yaml).
        assert (authority_type, "type_avg_upheld_per_100k") not in figures


def test_type_averages_agree_with_the_councils_they_pool(statistics):
    """Independent check of the figure the review prints: sum of upheld / sum of detailed investigations."""
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    printed = printed_type_figures(national.type_averages_html(statistics, YEAR))
    for authority_type in AUTHORITY_TYPES:
        of_type = councils[councils["authority_type"] == authority_type]
        pooled = of_type["upheld"].sum() / of_type["detailed_investigations"].sum()
        value_text, _ = printed[(authority_type, "type_avg_upheld_rate")]
        assert float(value_text) == pytest.approx(pooled, rel=1e-12)


@pytest.mark.slow
def test_notebook_matches_statistics_xlsx(executed, statistics, pack):
    xlsx_path = pack[0]
    figures = printed_type_figures("\n".join(html_outputs(executed)))
    sheet = openpyxl.load_workbook(xlsx_path)["Types"]
    header = [cell.value for cell in sheet[1]]
    type_col = header.index("Council type")
    checked = 0
    for row in sheet.iter_rows(min_row=2, values_only=True):
        authority_type = row[type_col]
        for column in TYPE_RATE_COLUMNS:
            # Pooled averages are the type's own rates: the sheet holds them once, under the rate's own title.
            title = statistics_pack.column_title(column)
            if title not in header:
                title = statistics_pack.column_title(column.removeprefix("type_avg_"))
            value = row[header.index(title)]
            value_text, printed = figures[(authority_type, column)]
            # openpyxl writes numbers as "%.16g": the cell keeps 16 significant digits.
            assert value == pytest.approx(float(value_text), rel=1e-15, abs=0)
            assert float(f"{float(value_text):.16g}") == value
            assert percent(value) == printed
            checked += 1
    assert checked == len(AUTHORITY_TYPES) * len(TYPE_RATE_COLUMNS)


@pytest.mark.slow
def test_notebook_banner_metadata_and_sections(executed):
    page = "\n".join(html_outputs(executed))
    assert f'<div class="lgsco-sample-banner" role="note">{SAMPLE_BANNER}</div>' in page
    bundles = [
        output["data"][DOCUMENT_MIMETYPE]
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if DOCUMENT_MIMETYPE in output.get("data", {})
    ]
    assert len(bundles) == 1
    metadata = bundles[0] if isinstance(bundles[0], dict) else json.loads(bundles[0])
    assert metadata["title"] == "Review of local government complaints 2019-20"
    assert (metadata["kind"], metadata["lang"], metadata["is_sample"]) == ("report", "en-GB", True)
    for heading in ("England: totals and rates", "Averages for similar councils", "Largest differences from similar councils",
                    "Councils that did not comply with every recommendation", "Notes"):
        assert heading in page
    assert page.count('<img src="data:image/png;base64,') == 4  # three distributions and the map
    assert "<dt>Produced</dt><dd class=\"lgsco-generated\">29 July 2020, 09:00 UTC+01:00</dd>" in page
    assert "<dt>Period covered</dt><dd class=\"lgsco-period\">1 April 2019 to 31 March 2020" in page
    # No stream or error output: every cell displayed cleanly.
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] == "display_data", (cell.get("id"), output["output_type"])


@pytest.mark.slow
def test_notebook_exports_to_pdf_naming_every_type(executed, tmp_path):
    html_path, pdf_path = export_letter(executed, tmp_path / "review.html", tmp_path / "review.pdf", kind="report")
    reader = PdfReader(pdf_path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for authority_type in AUTHORITY_TYPES:
        assert authority_type in flat
    assert SAMPLE_BANNER in flat
    assert reader.metadata.title == "Review of local government complaints 2019-20"
    assert len(reader.pages) >= 3
    exported = html_path.read_text(encoding="utf-8")
    assert 'lang="en-GB"' in exported
    assert "prepare_review" not in exported  # code never exported


# ---------------------------------------------------------------------------
# building blocks


def printed_gaps(statistics, year, rate="upheld_rate", min_basis=5):
    """Each eligible council's printed rate minus its printed average (Decimal points), from formatting alone."""
    from decimal import Decimal

    key = national.figures.key_rate(rate)
    councils = statistics.councils[statistics.councils["year"] == year]
    eligible = councils[(councils[key.basis_column] >= min_basis) & councils[rate].notna()
                        & councils[f"type_avg_{rate}"].notna()]
    gaps = [Decimal(percent(r)[:-1]) - Decimal(percent(a)[:-1]) for r, a in zip(eligible[rate], eligible[f"type_avg_{rate}"])]
    return eligible, pd.Series(gaps, index=eligible.index, dtype=object).map(float)


def test_outliers_respect_min_basis_and_order(statistics):
    above, below = national.outliers(statistics, YEAR, "upheld_rate", n=4, min_basis=5)
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    eligible, gaps = printed_gaps(statistics, YEAR)
    # Every council whose printed difference is among the 4 largest (ties at the cut-off included), and no other.
    positive, negative = gaps[gaps > 0], gaps[gaps < 0]
    assert len(above) == int((positive.rank(method="min", ascending=False) <= 4).sum()) >= 4
    assert len(below) == int((negative.rank(method="min", ascending=True) <= 4).sum()) >= 4
    assert (above["detailed_investigations"] >= 5).all() and (below["detailed_investigations"] >= 5).all()
    assert float(above["printed_difference"].iloc[0]) == gaps.max()
    assert float(below["printed_difference"].iloc[0]) == gaps.min()
    assert list(above["printed_difference"]) == sorted(above["printed_difference"], reverse=True)
    assert list(below["printed_difference"]) == sorted(below["printed_difference"])
    # The unrounded difference is kept beside the printed one.
    assert (above["difference"] == above["upheld_rate"] - above["type_avg_upheld_rate"]).all()
    # A council with a big gap on a tiny basis must not appear.
    tiny = councils[(councils["detailed_investigations"].between(1, 4))]
    assert not set(tiny["authority_code"]) & (set(above["authority_code"]) | set(below["authority_code"]))
    with pytest.raises(ValueError, match="not a key rate"):
        national.outliers(statistics, YEAR, "received_total")


def outlier_tables(page: str) -> list[list[dict]]:
    """Each outliers table of a page: its rows, each the row's attributes and its cells' texts by column."""
    tables = []
    for chunk in page.split("<table")[1:]:
        collector = CellCollector()
        collector.feed("<table" + chunk.split("</table>")[0])
        rows: dict[int, dict] = {}
        for row, cell, text in collector.cells:
            rows.setdefault(id(row), {"row": row, "cells": {}})["cells"][cell["data-column"]] = text
        tables.append(list(rows.values()))
    return tables


def test_every_outliers_table_is_ordered_on_what_it_prints(statistics):
    """Every sample year, every key rate, both directions: the printed differences are monotonic in the printed
    order, have one precision per table, the councils printed at one difference are together and all there."""
    for year in statistics.years:
        page = national.outliers_html(statistics, year)
        assert ">Place<" not in page and "=1" not in page  # not a league table
        for table in outlier_tables(page):
            texts = [row["cells"]["difference"] for row in table]
            numbers = [t.split("\u00a0")[0] for t in texts]
            assert all(t.endswith(("\u00a0point", "\u00a0points")) for t in texts), texts
            assert len({len(n.partition(".")[2]) for n in numbers}) == 1, (year, numbers)  # one precision
            values = [float(n.replace("\u2212", "-")) for n in numbers]
            assert values in (sorted(values), sorted(values, reverse=True)), (year, numbers)
            assert values == sorted(values, key=abs, reverse=True), (year, numbers)  # largest first
            # Equal printed differences are one group: adjacent, each row saying how many share it.
            groups = [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]
            assert len(groups) == len(set(values)), (year, numbers)
            for row, value in zip(table, values):
                shared = sum(int(r["row"].get("data-tied", 1)) if "data-authority-codes" in r["row"] else 1
                             for r, v in zip(table, values) if v == value)
                assert int(row["row"]["data-tied"]) == shared, (year, numbers)


@pytest.mark.slow
def test_a_table_that_would_be_all_ties_is_a_sentence(statistics):
    """More councils than the table's length tied at the top: one sentence naming the count and every council."""
    for year in statistics.years:
        for key in national.key_rates():
            page = national.outliers_html(statistics, year)
            above, below = national.outliers(statistics, year, key.column)
            for direction, frame in (("above", above), ("below", below)):
                top = frame[frame["rank"] == 1]
                caption = f"{key.label}: largest differences {direction} similar councils"
                if len(top) > 5 or (len(frame) > 1 and len(top) == len(frame)):
                    assert caption not in page
                    names = ", ".join(markupsafe.escape(n) for n in top["authority_name"])
                    assert f"{len(top)} councils share the largest difference {direction} the average for their type" in page
                    assert names in page
                elif len(frame):
                    assert caption in page
def test_outliers_html_shows_basis_counts_and_points(statistics):
    page = national.outliers_html(statistics, YEAR, n=3, min_basis=5)
    above, _ = national.outliers(statistics, YEAR, "upheld_rate", n=3, min_basis=5)
    first = above.iloc[0]
    collector = CellCollector()
    collector.feed(page)
    row_cells = {cell["data-column"]: text for row, cell, text in collector.cells
                 if row.get("data-authority-code") == first["authority_code"] and "data-column" in cell}
    assert row_cells["detailed_investigations"] == str(int(first["detailed_investigations"]))
    assert row_cells["upheld_rate"] == percent(first["upheld_rate"])
    expected_gap = int(percent(first["upheld_rate"])[:-1]) - int(percent(first["type_avg_upheld_rate"])[:-1])
    assert row_cells["difference"].startswith(f"+{expected_gap}\u00a0point")


def test_non_compliance_lists_exactly_councils_below_100(statistics):
    frame = national.non_compliance(statistics, YEAR)
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    expected = councils[(councils["complied"] + councils["complied_late"]) < councils["compliance_outcomes"]]
    assert set(frame["authority_code"]) == set(expected["authority_code"])
    assert len(frame) > 0
    assert list(frame["compliance_rate"]) == sorted(frame["compliance_rate"])
    page = national.non_compliance_html(statistics, YEAR)
    for name in frame["authority_name"]:
        assert str(markupsafe.escape(name)) in page


def test_national_totals_years_and_missing_year(statistics):
    frame = national.national_totals(statistics, YEAR, n_years=5)
    assert list(frame["year"]) == [y for y in statistics.years if YEAR - 4 <= y <= YEAR]
    page = national.national_totals_html(statistics, "2019-20")
    assert f"{int(frame.iloc[-1]['received_total']):,}" in page
    with pytest.raises(ValueError, match="years in the data: 2018-19"):
        national.type_averages_html(statistics, 2010)


def test_hostile_council_names_are_escaped(statistics):
    councils = statistics.councils.copy()
    target = national.non_compliance(statistics, YEAR)["authority_code"].iloc[0]
    councils.loc[councils["authority_code"] == target, "authority_name"] = HOSTILE
    hostile_statistics = dataclasses.replace(statistics, councils=councils)
    pages = [
        national.non_compliance_html(hostile_statistics, YEAR),
        national.outliers_html(hostile_statistics, YEAR, n=400, min_basis=0),
        national.map_chart(hostile_statistics, YEAR).to_html(),
    ]
    for page in pages:
        assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]


def test_prepare_review_from_cache_and_bad_inputs(statistics, tmp_path):
    cache = statistics.save(tmp_path / "statistics.pkl")
    review = national.prepare_review("2019-20", stats_file=cache, generated_at=GENERATED_AT)
    assert review.year == YEAR and review.is_sample
    assert review.generated_at.isoformat() == GENERATED_AT
    assert national.document_metadata(review)[DOCUMENT_MIMETYPE]["title"].endswith("2019-20")
    with pytest.raises(ValueError, match="ISO date-time"):
        national.prepare_review(YEAR, stats_file=cache, generated_at="tomorrow")
    with pytest.raises(FileNotFoundError, match="no such file"):
        national.prepare_review(YEAR, stats_file=tmp_path / "missing.pkl")
    with pytest.raises(ValueError, match="no statistics for 2009-10"):
        national.prepare_review(2010, stats_file=cache)


def test_sample_banner_only_for_sample_data():
    assert national.sample_banner_html(False) == ""
    assert 'role="note"' in national.sample_banner_html(True)


# ---------------------------------------------------------------------------
# statistics pack


def test_pack_sheets_headers_frozen_panes_and_formats(pack, statistics):
    xlsx_path, csv_path, about_path = pack
    assert (xlsx_path.name, csv_path.name, about_path.name) == ("statistics.xlsx", "statistics.csv", "statistics-about.txt")
    workbook = openpyxl.load_workbook(xlsx_path)
    assert workbook.sheetnames == ["About", "Councils", "Types", "National", "Categories"]
    for sheet in workbook.worksheets[1:]:
        # Header row and the name column stay in view (Councils: code and name).
        assert sheet.freeze_panes == ("C2" if sheet.title == "Councils" else "B2")
        assert sheet["A1"].font.bold
    councils_sheet = workbook["Councils"]
    header = [cell.value for cell in councils_sheet[1]]
    assert "Uphold rate" in header and "Council" in header and "Received: Adult Care Services" in header
    rate_column = header.index("Uphold rate") + 1
    assert councils_sheet.cell(row=2, column=rate_column).number_format == "0%"
    name_width = councils_sheet.column_dimensions["B"].width
    assert name_width >= 20
    table = published_table(statistics, YEAR)
    assert councils_sheet.max_row == len(table) + 1
    types_sheet = workbook["Types"]
    assert types_sheet.max_row == len(AUTHORITY_TYPES) + 1
    national_years = [row[0] for row in workbook["National"].iter_rows(min_row=2, values_only=True)]
    assert national_years == [y for y in statistics.years if y <= YEAR]


def test_pack_values_equal_published_table(pack, statistics):
    xlsx_path, csv_path, _ = pack
    table = published_table(statistics, YEAR)
    from_csv = pd.read_csv(csv_path)
    assert list(from_csv.columns) == list(table.columns)
    pd.testing.assert_frame_equal(from_csv, table, check_dtype=False)
    from_xlsx = pd.read_excel(xlsx_path, sheet_name="Councils")
    assert list(from_xlsx["Uphold rate"].isna()) == list(table["upheld_rate"].isna())
    mask = table["upheld_rate"].notna()
    assert from_xlsx.loc[mask, "Uphold rate"].to_numpy() == pytest.approx(table.loc[mask, "upheld_rate"].to_numpy(), rel=1e-15)
    assert list(from_xlsx["Authority code (GSS)"]) == list(table["authority_code"])


def test_pack_overwrites_atomically_and_rejects_missing_year(statistics, tmp_path):
    first = statistics_pack.write_statistics_pack(statistics, YEAR, tmp_path / "out")
    first_csv = first[1].read_bytes()
    first[1].write_text("stale", encoding="utf-8")
    second = statistics_pack.write_statistics_pack(statistics, YEAR, tmp_path / "out")
    assert first == second
    # Replaced in place, no temporary files left behind, same figures give the same CSV bytes.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["statistics-about.txt", "statistics.csv", "statistics.xlsx"]
    assert second[1].read_bytes() == first_csv
    with pytest.raises(ValueError, match="years available"):
        statistics_pack.write_statistics_pack(statistics, 2010, tmp_path / "other")


@pytest.mark.slow
def test_type_averages_in_the_review_equal_those_the_letters_print(executed, statistics, tmp_path):
    """The "similar authorities" figures: one council's letter per type against the review's table."""
    from lgsco_report.letter import prepare_letter

    stats_file = statistics.save(tmp_path / "statistics.pkl")
    figures = printed_type_figures("\n".join(html_outputs(executed)))
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    context_keys = {
        "type_avg_upheld_rate": "type_avg_uphold_pct",
        "type_avg_satisfactory_remedy_rate": "type_avg_remedy_pct",
        "type_avg_compliance_rate": "type_avg_compliance_pct",
    }
    for authority_type in AUTHORITY_TYPES:
        code = councils[councils["authority_type"] == authority_type]["authority_code"].iloc[0]
        letter = prepare_letter(code, YEAR, stats_file=stats_file)
        markup = letter.section("key_statistics")
        for column, key in context_keys.items():
            _, printed = figures[(authority_type, column)]
            assert letter.context[key] == printed, (authority_type, column)
            assert f"was {printed}." in markup
    # Per 100,000 residents, in a year whose review carries it (2023-24).
    figures = printed_type_figures(national.type_averages_html(statistics, 2024))
    councils = statistics.councils[statistics.councils["year"] == 2024]
    for authority_type in AUTHORITY_TYPES:
        code = councils[councils["authority_type"] == authority_type]["authority_code"].iloc[0]
        _, per_100k = figures[(authority_type, "type_avg_upheld_per_100k")]
        assert prepare_letter(code, 2024, stats_file=stats_file).context["type_avg_upheld_per_100k"] == per_100k


# ---------------------------------------------------------------------------
# the auditor's points: population, ties, provenance, dates, summary, categories, map


@pytest.fixture(scope="module")
def exported(executed, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    return export_letter(executed, folder / "review.html", folder / "review.pdf", kind="report")


def pdf_pages(pdf_path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(pdf_path).pages]


@pytest.mark.parametrize("year", [2020, 2024])
def test_summary_table_gives_this_year_previous_year_and_change(statistics, year):
    YEAR = year  # both editions: the 2019-20 one without per 100,000 residents, the 2023-24 one with it
    page = national.summary_html(statistics, YEAR)
    assert 'class="lgsco-table lgsco-summary-table lgsco-keep"' in page
    rows = statistics.national.set_index("year")
    collector = CellCollector()
    collector.feed(page)
    cells = {(row["data-measure"], cell["data-column"]): (cell.get("data-value"), text) for row, cell, text in collector.cells}
    for metric, _ in metrics.view("national_summary"):
        measure, kind = metric.column, metric.display
        if kind == "per_100k" and YEAR < 2023:
            assert (measure, "current") not in cells and "100,000" not in page
            continue
        for column, year in (("current", YEAR), ("previous", YEAR - 1)):
            value, text = cells[(measure, column)]
            expected = rows.loc[year, measure]
            if kind == "percent":
                assert float(value) == expected and text == percent(expected)
            elif kind == "per_100k":
                assert float(value) == expected and text == per_100k_text(expected)
            else:
                assert text == f"{int(expected):,}"
    # England's upheld per 100,000 counts each resident once (about 4.6 on the sample, not 3.4).
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    upheld_with_population = councils.loc[councils["population"].notna(), "upheld"].sum()
    if YEAR >= 2023:
        assert float(cells[("upheld_per_100k", "current")][0]) == pytest.approx(
            upheld_with_population / rows.loc[YEAR, "population"] * 100_000)
    assert rows.loc[YEAR, "population"] < 60_000_000
    change = cells[("upheld_rate", "change")][1]
    gap = int(percent(rows.loc[YEAR, "upheld_rate"])[:-1]) - int(percent(rows.loc[YEAR - 1, "upheld_rate"])[:-1])
    assert change == (f"+{gap} points" if gap > 1 else f"\u2212{-gap} points" if gap < -1 else change)


def test_categories_table_matches_category_table(statistics):
    from lgsco_report.stats import category_table

    page = national.categories_html(statistics, YEAR)
    frame = category_table(statistics, YEAR).set_index("category")
    collector = CellCollector()
    collector.feed(page)
    cells = {(row.get("data-category"), cell["data-column"]): text for row, cell, text in collector.cells}
    assert {category for category, _ in cells} == set(statistics.categories) | {None}  # None: the total row
    for category, record in frame.iterrows():
        assert cells[(category, "received")] == f"{int(record['received']):,}"
        assert cells[(category, "upheld")] == f"{int(record['upheld']):,}"
        assert cells[(category, "received_share")] == percent(record["received_share"])
        assert cells[(category, "upheld_rate")] == percent(record["upheld_rate"])
        change = int(record["received"]) - int(record["previous_received"])
        assert cells[(category, "received_change")] == (f"+{change:,}" if change > 0 else f"\u2212{-change:,}" if change else "0")
    # The shares add up to all complaints received: every complaint is in one category.
    assert frame["received"].sum() == statistics.national.set_index("year").loc[YEAR, "received_total"]


@pytest.mark.parametrize("year", [2020, 2024])
def test_categories_table_ends_with_england_s_totals_from_the_statistics(statistics, year):
    from lgsco_report.stats import category_table

    page = national.categories_html(statistics, year)
    collector = CellCollector()
    collector.feed(page)
    total = {cell["data-column"]: text for row, cell, text in collector.cells if row.get("class") == "lgsco-total"}
    national_row = statistics.national.set_index("year")
    row, before = national_row.loc[year], national_row.loc[year - 1]
    assert "<th scope=\"row\">All categories</th>" in page
    assert total["received"] == f"{int(row['received_total']):,}" and total["received_share"] == "100%"
    assert total["detailed_investigations"] == f"{int(row['detailed_investigations']):,}"
    assert total["upheld"] == f"{int(row['upheld']):,}" and total["upheld_rate"] == percent(row["upheld_rate"])
    change = int(row["received_total"]) - int(before["received_total"])
    assert total["received_change"] == (f"+{change:,}" if change > 0 else f"\u2212{-change:,}" if change else "0")
    # The national figures are the categories' sums: the total row and the rows agree.
    frame = category_table(statistics, year)
    for column in ("received", "detailed_investigations", "upheld"):
        assert total[column] == f"{int(frame[column].sum()):,}", column


def test_ties_are_shown_as_ties_never_cut_alphabetically(statistics):
    above, _ = national.outliers(statistics, YEAR, "compliance_rate", n=5)
    eligible, gaps = printed_gaps(statistics, YEAR, "compliance_rate", national.SMALL_BASE)
    top = gaps.max()
    tied = eligible[gaps == top]
    assert len(tied) > 5  # the sample has a large tie at the top: the case in point
    assert set(above["authority_code"]) == set(tied["authority_code"])
    assert (above["rank"] == 1).all() and (above["tied"] == len(tied)).all()
    page = national.outliers_html(statistics, YEAR, n=5)
    assert f"{len(tied)} councils share the largest difference above the average for their type" in page
    assert "each with a compliance rate of 100%" in page
    for name in tied["authority_name"]:
        assert str(markupsafe.escape(name)) in page  # every tied council is named
    # A tie too large to list row by row, inside a table: one row naming the first few.
    page = national.outliers_html(statistics, 2024, n=5)
    assert "and 4 others at the same figure" in page and 'data-tied="7"' in page


def test_small_bases_are_not_ranked(statistics):
    for metric, _ in metrics.view("national_key_rates"):
        above, below = national.outliers(statistics, YEAR, metric.column)
        for frame in (above, below):
            assert (frame[metric.denominator[0]] >= national.SMALL_BASE).all(), metric.column
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    small = councils[councils["detailed_investigations"].between(1, national.SMALL_BASE - 1)]
    above, below = national.outliers(statistics, YEAR, "upheld_rate", n=400)
    assert not set(small["authority_code"]) & (set(above["authority_code"]) | set(below["authority_code"]))
    assert f"at least {national.SMALL_BASE} cases" in national.outliers_html(statistics, YEAR)


def test_title_and_notes_cite_data_files_and_label_the_dates(statistics, tmp_path):
    cache = statistics.save(tmp_path / "statistics-f45db627e7091972.pkl")
    review = national.prepare_review(YEAR, stats_file=cache, generated_at="2026-11-27T10:00:00+00:00")
    title, notes = national.title_html(review), national.notes_html(review)
    assert "<dt>Period covered</dt><dd class=\"lgsco-period\">1 April 2019 to 31 March 2020" in title
    assert "<dt>Produced</dt><dd class=\"lgsco-generated\">27 November 2026, 10:00 UTC</dd>" in title
    for page in (title, notes):
        assert ".pkl" not in page and "f45db627" not in page and "cache" not in page
    for source in statistics.sources:
        assert source["sha256"] in notes
        assert f'<span class="lgsco-file">{source["path"].rsplit("/", 1)[-1]}</span>' in notes
    # One form for the time, on the title page and in the notes.
    assert "Period covered: 1 April 2019 to 31 March 2020. Produced: 27 November 2026, 10:00 UTC." in notes
    provenance = national.document_metadata(review)[DOCUMENT_MIMETYPE]["provenance"]
    assert [f["sha256"] for f in provenance["data_files"]] == [s["sha256"] for s in statistics.sources]


def test_distribution_charts_show_types_beside_england(statistics):
    made = national.distribution_charts(statistics, YEAR)
    key_rates = metrics.view("national_key_rates")
    assert len(made) == len(key_rates)
    national_row = statistics.national.set_index("year").loc[YEAR]
    for chart, (metric, _) in zip(made, key_rates):
        assert f"England as a whole: {percent(national_row[metric.column])}" in chart.alt
        for authority_type in AUTHORITY_TYPES:
            assert f"{authority_type}: " in chart.alt
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    small = int(councils["detailed_investigations"].between(1, national.SMALL_BASE - 1).sum())
    assert f"{small} councils with fewer than {national.SMALL_BASE} cases behind the rate drawn hollow" in made[0].alt
    note = national.distribution_note_html(statistics, YEAR)
    assert f"{small} of {len(councils)} councils" in note


def test_map_draws_every_council_as_an_area_with_attribution(statistics):
    from lgsco_report import boundaries

    chart = national.map_chart(statistics, YEAR)
    assert "without a boundary" not in chart.alt and "not shown" not in chart.caption
    assert boundaries.ATTRIBUTION in chart.caption and "Crown copyright" in chart.caption
    assert national.map_chart(statistics, YEAR).png == chart.png  # deterministic bytes
    # The councils whose register entry has no coordinates are drawn from their boundaries.
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    assert councils["lat"].isna().sum() == 13
    districts = boundaries.council_districts(councils, boundaries.district_rings())
    assert all(districts[code] for code in councils["authority_code"])


def test_map_falls_back_to_points_and_names_councils_not_shown(statistics):
    councils = statistics.councils[statistics.councils["year"] == YEAR].copy()
    extra = councils.iloc[[0, 1]].copy()
    extra["authority_code"] = ["E07999998", "E07999999"]
    extra["authority_name"] = ["Pointshire District Council", "Nowhere District Council"]
    extra["lat"] = [52.5, float("nan")]
    extra["long"] = [-1.5, float("nan")]
    from lgsco_report import charts

    chart = charts.uphold_map(pd.concat([councils, extra], ignore_index=True))
    assert "Drawn as points (no boundary in the map data): Pointshire District Council." in chart.caption
    assert "Not shown (no boundary and no location): Nowhere District Council." in chart.caption
    assert "1 council without a boundary drawn as a point" in chart.alt
    assert "1 council without a boundary or a location not shown" in chart.alt


def test_topojson_decoding_by_hand():
    from lgsco_report import boundaries

    # Two unit squares sharing the arc x=1 (grid units, scale 0.5, translate (10, 50)).
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [10, 50]},
        "arcs": [
            [[1, 0], [0, 1]],                    # shared edge: (1,0) -> (1,1)
            [[1, 1], [-1, 0], [0, -1], [1, 0]],  # left square's other edges: (1,1) -> (0,1) -> (0,0) -> (1,0)
            [[1, 0], [1, 0], [0, 1], [-1, 0]],   # right square's other edges: (1,0) -> (2,0) -> (2,1) -> (1,1)
        ],
        "objects": {"lad": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "arcs": [[0, 1]], "properties": {"LAD13CD": "L"}},
            {"type": "MultiPolygon", "arcs": [[[2, -1]]], "properties": {"LAD13CD": "R"}},
        ]}},
    }
    areas = boundaries.decode_topology(topology)
    assert areas["L"][0].tolist() == [[10.5, 50.0], [10.5, 50.5], [10.0, 50.5], [10.0, 50.0], [10.5, 50.0]]
    # ~0 (= -1) is arc 0 reversed; the joining point is kept once.
    assert areas["R"][0].tolist() == [[10.5, 50.0], [11.0, 50.0], [11.0, 50.5], [10.5, 50.5], [10.5, 50.0]]
    assert boundaries.geometry_arcs(topology) == {"L": {0, 1}, "R": {0, 2}}
    # Simplifying keeps arc ends, so the squares still share their edge exactly.
    simplified = boundaries.decode_topology(boundaries.simplify_topology(topology, tolerance=0.5))
    assert simplified["L"][0].tolist() == areas["L"][0].tolist()


def test_carried_boundaries_and_their_licence():
    from importlib import resources

    from lgsco_report import boundaries
    from lgsco_report.register import councils_for_year

    data = resources.files("lgsco_report.data")
    licence = data.joinpath("england_lad_2013.LICENSE").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0" in licence and "Crown copyright" in licence
    assert "Douglas-Peucker" in licence  # the change made to the data is stated
    rings = boundaries.district_rings()
    assert len(rings) == 326
    for year in (2020, 2024):
        register = councils_for_year(year)
        districts = boundaries.council_districts(register, rings)
        lower = [d for code, ds in districts.items()
                 if register.set_index("authority_code").loc[code, "authority_type"] != "County Council" for d in ds]
        assert sorted(lower) == sorted(rings), year  # single-tier councils and districts tile England once
        counties = register[register["authority_type"] == "County Council"]["authority_code"]
        assert all(districts[code] for code in counties)


@pytest.mark.slow
def test_review_pdf_text_tables_and_pages(exported, tmp_path):
    from pdf_render import page_count, render_page

    _, pdf_path = exported
    pages = pdf_pages(pdf_path)
    text = " ".join(pages)
    for needed in ("Period covered", "Produced", "at a glance", "Complaints by service category",
                   "How to read these charts", "Crown copyright", "SHA-256"):
        assert needed in text, needed
    assert ".pkl" not in text
    # Small tables keep together: each caption is on the same page as the table's last row.
    for caption, last_row in (("England's key figures", "Compliance rate 99%"),
                              ("Complaints received and upheld by service category", "All categories")):
        caption_pages = [i for i, page in enumerate(pages) if caption.replace("'", "\u2019") in page or caption in page]
        assert caption_pages, caption
        assert last_row in pages[caption_pages[0]], (caption, pages[caption_pages[0]][:300])
    # The map page has the map's colours (viridis yellow and purple), not a blank page.
    map_page = next(i for i, page in enumerate(pages) if "Uphold rates across England" in page)
    pixels = render_page(pdf_path, map_page, dpi=60, png_path=tmp_path / "map.png")
    yellowish = ((pixels[..., 0] > 0.8) & (pixels[..., 1] > 0.8) & (pixels[..., 2] < 0.3)).sum()
    assert yellowish > 50
    assert page_count(pdf_path) == len(pages)


# ---------------------------------------------------------------------------
# remedies, service improvements and public reports (optional tables)


def test_remedies_by_type_reconcile_with_the_national_totals(statistics):
    frame = national.remedies_by_type(statistics, 2020)
    row = statistics.national.set_index("year").loc[2020]
    assert frame["remedy_type"].tolist() == list(REMEDY_TYPES)
    assert frame["remedies"].sum() == row["remedies_total"]
    assert frame.loc[frame["service_improvement"], "remedies"].sum() == row["service_improvements"]
    html = national.remedies_html(statistics, 2020)
    assert "Remedies and service improvements" in html and f"{int(row['service_improvements']):,} service improvements" in html
    # Late remedies are reported from 2021-22 (parameters/<year>.yaml, 'review'): not in the 2019-20 review.
    assert "late or overdue" not in html
    for year in (2022, 2024):
        row = statistics.national.set_index("year").loc[year]
        rate = formatting.percent_of(int(row["remedies_completed_late"] + row["remedies_overdue"]), int(row["remedies_due_or_done"]))
        assert f"{rate} late or overdue" in national.remedies_html(statistics, year)


def test_public_reports_list_every_report_of_the_year(statistics, sample_dir):
    listed = national.public_reports(statistics, 2020)
    reports = load_cases(sample_dir).reports
    in_year = reports[(reports["report_date"] >= "2019-04-01") & (reports["report_date"] <= "2020-03-31")]
    assert sorted(listed["case_ref"]) == sorted(in_year["case_ref"])
    assert len(listed) == statistics.national.set_index("year").loc[2020, "public_reports"]
    assert listed["report_date"].is_monotonic_increasing
    html = national.public_reports_html(statistics, 2020)
    first = listed.iloc[0]
    assert f"<th scope=\"row\">{first['authority_name']}</th>" in html and first["case_ref"] in html


def test_without_the_optional_tables_the_review_has_no_such_sections(sample_dir, tmp_path):
    for name in ("received.csv", "decided.csv", "compliance.csv"):
        (tmp_path / name).write_bytes((sample_dir / name).read_bytes())
    plain = compute_statistics(load_cases(tmp_path))
    assert national.remedies_by_type(plain, 2020) is None and national.public_reports(plain, 2020) is None
    assert national.remedies_html(plain, 2020) == "" and national.public_reports_html(plain, 2020) == ""


@pytest.mark.slow
def test_executed_review_shows_remedies_and_public_reports(executed):
    shown = "".join(
        output.get("data", {}).get("text/html", "") for cell in executed.cells for output in cell.get("outputs", [])
    )
    assert "<h2>Remedies and service improvements</h2>" in shown and "<h2>Public reports</h2>" in shown


# ---------------------------------------------------------------------------
# the review's wording lives in its templates (templates/national/<section>.html.j2)


TEMPLATES = Path(national.TEMPLATE_DIR)


def _review(statistics, tmp_path, **options):
    cache = statistics.save(tmp_path / "statistics.json")
    return national.prepare_review(YEAR, stats_file=cache, generated_at=GENERATED_AT, **options)


def test_every_national_template_is_a_section_or_a_partial():
    names = {path.name.removesuffix(".html.j2") for path in TEMPLATES.glob("*.html.j2")}
    sections = {name for name in names if not name.startswith("_")}
    assert sections == set(national.SECTIONS) | {"sample_banner"}
    assert {name for name in names if name.startswith("_")} == {"_table", "_phrases"}
    # The notebook shows every section, one call a cell, in the order of SECTIONS.
    nb = nbformat.read(NOTEBOOK, as_version=4)
    shown = [name for cell in nb.cells for name in national.SECTIONS if f'review.section("{name}")' in cell.source]
    assert shown == list(national.SECTIONS)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")  # committed without outputs


def test_no_sentence_of_the_review_is_written_in_python():
    """Each sentence (caption, heading, note, empty table, tie) is in a template, and in no module of the package."""
    sentences = ("at a glance", "No council with ", "Councils abolished before", "did not comply with every",
                 "at the same figure", "Tied at", "service improvement)", "Uphold rates across England",
                 "Complaints about councils in England", "Cases behind the averages", "late or overdue",
                 "We issued no public reports", "not in this year", "All remedies", "1 April")
    sources = {path.name: path.read_text(encoding="utf-8") for path in Path(national.__file__).parent.glob("*.py")}
    for sentence in sentences:
        assert not [name for name, text in sources.items() if sentence in text], sentence
    templates = "".join(path.read_text(encoding="utf-8") for path in TEMPLATES.glob("*.j2"))
    for sentence in sentences[:-2]:
        assert sentence in templates or sentence.replace("'", "&#39;") in templates, sentence


def test_editing_a_template_copy_changes_the_review(statistics, tmp_path):
    """Each section, and each phrase inside a table, is made by its template: an edited copy changes the review."""
    copy = tmp_path / "national"
    shutil.copytree(TEMPLATES, copy)
    for name in (*national.SECTIONS, "sample_banner"):
        template = copy / f"{name}.html.j2"
        template.write_text(f"<!-- edited {name} -->" + template.read_text(encoding="utf-8"), encoding="utf-8")
    summary = copy / "summary.html.j2"
    summary.write_text(summary.read_text(encoding="utf-8").replace("at a glance", "in brief"), encoding="utf-8")
    phrases = copy / "_phrases.html.j2"
    phrases.write_text(phrases.read_text(encoding="utf-8").replace("All remedies", "Every remedy"), encoding="utf-8")
    as_shipped, edited = _review(statistics, tmp_path), _review(statistics, tmp_path, template_dir=copy)
    for name in national.SECTIONS:
        before, after = as_shipped.section(name), edited.section(name)
        assert f"<!-- edited {name} -->" not in before and f"<!-- edited {name} -->" in after, name
    assert "<!-- edited sample_banner -->" in edited.section("title")
    assert "<h2>2019-20 in brief</h2>" in edited.section("summary") and "in brief" not in as_shipped.section("summary")
    assert '<th scope="row">Every remedy</th>' in edited.section("remedies")
    assert '<th scope="row">All remedies</th>' in as_shipped.section("remedies")
    # The module-level functions read the package's templates, as the shipped review does.
    assert national.summary_html(statistics, YEAR) == as_shipped.section("summary")


def test_a_misspelt_name_in_a_template_fails_loudly(statistics, tmp_path):
    import jinja2

    copy = tmp_path / "national"
    shutil.copytree(TEMPLATES, copy)
    (copy / "totals.html.j2").write_text("<p>{{ recieved | count }}</p>", encoding="utf-8")
    review = _review(statistics, tmp_path, template_dir=copy)
    with pytest.raises(jinja2.UndefinedError, match="recieved"):
        review.section("totals")
    with pytest.raises(KeyError, match="no section 'outlier'.*outliers"):
        review.section("outlier")


# ---------------------------------------------------------------------------
# one definition of the compliance rate; what each year's review carries


OLD_COMPLIANCE_TEXT = "recommendations the council carried out, on time or late, as a share of compliance outcomes"


def test_every_document_defines_the_compliance_rate_with_the_one_text(statistics, pack, tmp_path):
    """The review's notes, both letter editions' notes, the pack and the index legend: metrics' one text."""
    from lgsco_report import index_page
    from lgsco_report.letter import prepare_letter

    text = metrics.COMPLIANCE_RATE_DEFINITION
    assert metrics.rate("compliance_rate").definition == text and "cases" in text
    assert f"<li>Compliance rate: {text}</li>" in national.notes_html(_review(statistics, tmp_path))
    stats_file = statistics.save(tmp_path / "statistics.pkl")
    for year in (2020, 2024):  # the 2020 edition and the current one
        code = statistics.councils[statistics.councils["year"] == year]["authority_code"].iloc[0]
        assert f"<dt>Compliance rate</dt><dd>{text}</dd>" in prepare_letter(code, year, stats_file=stats_file).annex()
    workbook = openpyxl.load_workbook(next(p for p in pack if p.suffix == ".xlsx"))
    cells = [str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value]
    assert any(cell.startswith(text) for cell in cells)  # the About sheet: the definition, then its column
    assert text in [column["definition"] for column in index_page.figure_columns()]
    # The review's old wording (recommendations, not cases) is in no template.
    package = Path(national.TEMPLATE_DIR).parent
    assert not [p for p in package.rglob("*.j2") if OLD_COMPLIANCE_TEXT in p.read_text(encoding="utf-8")]


def test_each_years_review_carries_only_the_figures_of_its_letters(statistics):
    """Per 100,000 residents from 2022-23, late remedies from 2021-22, the Code from 2023-24: from the year files."""
    from lgsco_report.yearparams import review_parameters

    for year in statistics.years:
        carried, code = review_parameters(year)
        assert carried.per_100k == (year >= 2023) and carried.late_remedies == (year >= 2022), year
        assert (code is not None) == (year >= 2024), year
        per_100k_pages = (national.summary_html(statistics, year), national.type_averages_html(statistics, year))
        assert all(("100,000" in page) == carried.per_100k for page in per_100k_pages), year
        assert ("late or overdue" in national.remedies_html(statistics, year)) == carried.late_remedies, year
        summary = national.summary_html(statistics, year)
        assert ("Complaint Handling Code" in summary) == (code is not None), year
        if code is not None:  # its dates are not confirmed: none is printed
            assert code.confirmed_start is None and "applies from" not in summary


def test_the_codes_date_is_printed_only_once_confirmed(tmp_path):
    import datetime as dt

    from lgsco_report.yearparams import YearParametersError, load_year_parameters

    base = (REPO / "parameters" / "2024.yaml").read_text(encoding="utf-8")
    path = tmp_path / "2024.yaml"
    path.write_text(base.replace("  applies_from:\n", "  applies_from: 2024-04-01\n"), encoding="utf-8")
    code = load_year_parameters(2024, path).complaint_handling_code
    assert code.applies_from == dt.date(2024, 4, 1) and code.confirmed_start is None
    path.write_text(base.replace("  applies_from:\n  dates_confirmed: false", "  applies_from: 2024-04-01\n  dates_confirmed: true"),
                    encoding="utf-8")
    assert load_year_parameters(2024, path).complaint_handling_code.confirmed_start == dt.date(2024, 4, 1)
    path.write_text(base.replace("  per_100k: true", "  per_100k: yes please"), encoding="utf-8")
    with pytest.raises(YearParametersError, match="key 'carries' should map some of per_100k, late_remedies"):
        load_year_parameters(2024, path)


@pytest.fixture(scope="module")
def exported_2024(sample_dir, tmp_path_factory):
    """The 2023-24 review (the current edition) run by papermill and exported to PDF."""
    folder = tmp_path_factory.mktemp("run2024")
    previous = os.environ.get("LGSCO_REPORT_DATA")
    os.environ["LGSCO_REPORT_DATA"] = str(sample_dir)
    try:
        papermill.execute_notebook(str(NOTEBOOK), str(folder / "review.ipynb"), kernel_name="python3", cwd=str(REPO),
                                   parameters={"year": "2023-24", "generated_at": GENERATED_AT}, progress_bar=False)
    finally:
        if previous is None:
            os.environ.pop("LGSCO_REPORT_DATA", None)
        else:
            os.environ["LGSCO_REPORT_DATA"] = previous
    return export_letter(nbformat.read(folder / "review.ipynb", as_version=4), folder / "review.html",
                         folder / "review.pdf", kind="report")


@pytest.mark.slow
def test_the_wide_tables_fit_the_page_in_both_editions(exported, exported_2024, tmp_path):
    """England's totals and the categories stay inside the right margin (the banner's right edge), with
    every heading word whole, in the 2019-20 review and the 2023-24 one."""
    from pdf_render import render_page

    for name, (_, pdf_path) in (("2020", exported), ("2024", exported_2024)):
        pages = pdf_pages(pdf_path)
        for caption in ("Complaints about councils in England", "Complaints received and upheld by service category"):
            index = next(i for i, page in enumerate(pages) if caption in page)
            text = PdfReader(pdf_path).pages[index].extract_text()
            assert not re.search("[-\u2010\u00ad]\n", text), (name, caption)  # no word hyphenated at a line end
            pixels = render_page(pdf_path, index, dpi=100, png_path=tmp_path / f"{name}-{index}.png")
            ink = pixels.min(axis=2) < 0.9
            banner_rows = ink[: ink.shape[0] // 8]
            margin = int(banner_rows.any(axis=0).nonzero()[0].max())  # the banner spans the text width
            assert not ink[:, margin + 3:].any(), (name, caption, int(ink.any(axis=0).nonzero()[0].max()), margin)


def test_the_current_editions_letters_mention_the_code_and_the_2020_ones_do_not(statistics, tmp_path):
    from lgsco_report.letter import prepare_letter

    stats_file = statistics.save(tmp_path / "statistics.pkl")
    for year in (2020, 2024):
        code = statistics.councils[statistics.councils["year"] == year]["authority_code"].iloc[0]
        markup = prepare_letter(code, year, stats_file=stats_file).section("key_statistics")
        assert ("against our Complaint Handling Code." in markup) == (year == 2024), year  # no unconfirmed date


@pytest.mark.parametrize("others, expected", [(1, "A, B, C and one other at the same figure"),
                                              (4, "A, B, C and 4 others at the same figure")])
def test_a_large_tie_counts_the_others_as_the_letters_count(others, expected):
    assert national.sections.phrase("tied_councils", shown=["A", "B", "C"], others=others) == expected


@pytest.mark.parametrize("counts", [(0, 0, 0, 0), (1, 1, 1, 0), (1, 2, 1, 1), (5, 7, 2, 3)])
def test_the_remedies_note_words_every_count_one_way(counts):
    from test_letter_counts import count_problems
    service_improvements, remedies_total, late, overdue = counts
    due_or_done = late + overdue + 1 if remedies_total else 0
    html = national.sections.render("remedies", year=2020, rows=[], service_improvements=service_improvements,
                                    remedies_total=remedies_total, due_or_done=due_or_done, late=late, overdue=overdue,
                                    late_remedies=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "1 remedies" not in text and " 1 were" not in text and "no figure%" not in text, text
    assert not count_problems(text.split("A remedy counts")[0]), text
