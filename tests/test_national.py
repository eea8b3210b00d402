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
from pathlib import Path

import markupsafe
import nbformat
import openpyxl
import pandas as pd
import papermill
import pytest
from pypdf import PdfReader

from lgsco_report import national, statistics_pack
from lgsco_report.cases import load_cases
from lgsco_report.definitions import AUTHORITY_TYPES, SAMPLE_BANNER
from lgsco_report.exporters import DOCUMENT_MIMETYPE, export_letter
from lgsco_report.stats import compute_statistics, per_100k_text, percent, published_table

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
def statistics(sample_dir):  # sample_dir: the session fixture in conftest.py
    return compute_statistics(load_cases(sample_dir))


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
        value_text, printed = figures[(authority_type, "type_avg_upheld_per_100k")]
        assert float(value_text) == row["type_avg_upheld_per_100k"]
        assert printed == per_100k_text(row["type_avg_upheld_per_100k"])


def test_type_averages_agree_with_the_councils_they_pool(statistics):
    """Independent check of the figure the review prints: sum of upheld / sum of detailed investigations."""
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    printed = printed_type_figures(national.type_averages_html(statistics, YEAR))
    for authority_type in AUTHORITY_TYPES:
        of_type = councils[councils["authority_type"] == authority_type]
        pooled = of_type["upheld"].sum() / of_type["detailed_investigations"].sum()
        value_text, _ = printed[(authority_type, "type_avg_upheld_rate")]
        assert float(value_text) == pytest.approx(pooled, rel=1e-12)


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
    for heading in ("England: totals and rates", "Averages for similar councils", "Councils furthest from similar councils",
                    "Councils that did not comply with every recommendation", "Notes"):
        assert heading in page
    assert page.count('<img src="data:image/png;base64,') == 4  # three distributions and the map
    assert "<dt>Produced</dt><dd class=\"lgsco-generated\">29 July 2020</dd>" in page
    assert "<dt>Period covered</dt><dd class=\"lgsco-period\">1 April 2019 to 31 March 2020" in page
    # No stream or error output: every cell displayed cleanly.
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] == "display_data", (cell.get("id"), output["output_type"])


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
    assert "national.prepare_review" not in exported  # code never exported


# ---------------------------------------------------------------------------
# building blocks


def test_outliers_respect_min_basis_and_order(statistics):
    above, below = national.outliers(statistics, YEAR, "upheld_rate", n=4, min_basis=5)
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    eligible = councils[(councils["detailed_investigations"] >= 5) & councils["upheld_rate"].notna()]
    gaps = eligible["upheld_rate"] - eligible["type_avg_upheld_rate"]
    # Every council whose place is 1-4 (ties at the cut-off included), and no other.
    assert len(above) == int((gaps.rank(method="min", ascending=False) <= 4).sum()) >= 4
    assert len(below) == int((gaps.rank(method="min", ascending=True) <= 4).sum()) >= 4
    assert (above["detailed_investigations"] >= 5).all() and (below["detailed_investigations"] >= 5).all()
    assert above["difference"].iloc[0] == gaps.max()
    assert below["difference"].iloc[0] == gaps.min()
    assert list(above["difference"]) == sorted(above["difference"], reverse=True)
    assert list(below["difference"]) == sorted(below["difference"])
    # A council with a big gap on a tiny basis must not appear.
    tiny = councils[(councils["detailed_investigations"].between(1, 4))]
    assert not set(tiny["authority_code"]) & (set(above["authority_code"]) | set(below["authority_code"]))
    with pytest.raises(ValueError, match="not a key rate"):
        national.outliers(statistics, YEAR, "received_total")


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
    assert row_cells["difference"].startswith(f"+{expected_gap} point")


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
        _, per_100k = figures[(authority_type, "type_avg_upheld_per_100k")]
        assert letter.context["type_avg_upheld_per_100k"] == per_100k
