"""Statistics and letters from a figures table (council-level figures, with or without the published averages).

(1) A full year of figures written from the sample's own counts gives the same
statistics as the case tables; (2) a partial table takes the published
averages; (3) a published average that the figures contradict is named; (4) a
type with neither is refused; (5) a real letter (papermill, then the PDF
exporter) from one council's figures prints exactly what the table gives.
"""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest
from pypdf import PdfReader

from lgsco_report import counting, stats
from lgsco_report.batch.plan import _select_councils
from lgsco_report.exporters import LetterPDFExporter
from lgsco_report.inputs import CaseDataError, FiguresData, load
from lgsco_report.inputs.figures import figure_columns
from lgsco_report.letter import LetterInputError, prepare_letter
from lgsco_report.letter.coverage import letters_with_figures
from lgsco_report.statistics_pack import write_statistics_pack

from pdf_render import page_count, render_page

YEAR = 2024
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "annual_review_letter.ipynb"
CANNOCK, WATFORD = "E07000192", "E07000103"
HEADER = (
    "year,authority,decisions_total,upheld,not_upheld,closed_after_initial_enquiries,referred_back,incomplete_invalid,"
    "advice_given,satisfactory_remedies,compliance_outcomes,complied,received_total,complied_late"
)
#: Cannock Chase alone: 30 decisions, 5 upheld of 9 investigated, 1 satisfactory remedy, 5 compliance outcomes (4 on time, 1 late).
ONE_COUNCIL = f"{HEADER}\n2024,E07000192,30,5,4,12,6,1,2,1,5,4,35,1\n"
AVERAGES = (
    "year,authority_type,uphold_rate,compliance_rate,satisfactory_remedy_rate,upheld_per_100k\n"
    "2024,County Councils,80%,99%,15,1.2\n"
    "2024,District Councils,78%,99.5%,12,4.1\n"
    "2024,Unitary Councils,81%,100%,10%,5.6\n"
    "2024,Metropolitan Boroughs,79%,98%,11%,5.0\n"
    "2024,London Boroughs,82%,97%,9%,6.3\n"
)


def figures_dir(folder: Path, figures: str, averages: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "figures.csv").write_text(figures, encoding="utf-8")
    if averages is not None:
        (folder / "averages.csv").write_text(averages, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def sample_stats(sample_cases) -> stats.Statistics:
    return stats.compute_statistics(sample_cases)


@pytest.fixture(scope="module")
def full_year_dir(sample_cases, tmp_path_factory) -> Path:
    """figures.csv holding every council's 2023-24 counts, as counted from the sample's case tables."""
    councils = counting.count_cases(sample_cases).councils
    year = councils[councils["year"] == YEAR].rename(columns={"authority_code": "authority"})
    columns = [c for c in figure_columns() if c != "authority_name"]
    folder = tmp_path_factory.mktemp("full-figures")
    year.loc[:, columns].to_csv(folder / "figures.csv", index=False)
    return folder


def _same_columns(left: pd.DataFrame, right: pd.DataFrame) -> None:
    common = [column for column in left.columns if column in right.columns]
    assert len(common) > 20
    pd.testing.assert_frame_equal(left[common].reset_index(drop=True), right[common].reset_index(drop=True),
                                  check_dtype=False, check_exact=True)


def test_a_full_year_of_figures_gives_the_statistics_of_the_case_tables(full_year_dir, sample_stats):
    data = load(full_year_dir)
    assert isinstance(data, FiguresData) and data.is_sample is False
    from_figures = stats.compute_statistics(data)
    assert from_figures.is_sample is False and [s["table"] for s in from_figures.sources] == ["figures"]
    for table in ("councils", "types", "national"):
        cases = getattr(sample_stats, table)
        _same_columns(getattr(from_figures, table), cases[cases["year"] == YEAR])
    assert from_figures.councils["upheld"].dtype == np.float64 and from_figures.councils["has_figures"].all()
    # The cache keeps them as they are.
    loaded = stats.Statistics.load(from_figures.save(full_year_dir.parent / "figures-cache.json"))
    pd.testing.assert_frame_equal(loaded.councils, from_figures.councils, check_exact=True)


def test_the_mean_of_council_rates_is_the_same_from_figures(full_year_dir, sample_cases):
    from_figures = stats.compute_statistics(load(full_year_dir), average_method="mean")
    from_cases = stats.compute_statistics(sample_cases, average_method="mean")
    _same_columns(from_figures.types, from_cases.types[from_cases.types["year"] == YEAR])


def test_a_rate_with_an_unknown_part_is_missing_never_made_from_zero(tmp_path):
    text = f"{HEADER}\n2024,E07000192,30,5,4,12,6,1,2,1,5,4,35,\n"  # complied_late blank
    statistics = stats.compute_statistics(load(figures_dir(tmp_path, text, AVERAGES)))
    row = statistics.council(CANNOCK, YEAR)
    assert math.isnan(row["compliance_rate"]) and row["upheld_rate"] == 5 / 9
    assert not bool(statistics.council(WATFORD, YEAR)["has_figures"])
    assert math.isnan(statistics.council(WATFORD, YEAR)["upheld"])  # no row: not known, not zero
    national = statistics.national.iloc[0]
    assert national["upheld"] == 5 and national["councils_with_figures"] == 1  # the total over councils with figures
    assert math.isnan(national["compliance_rate"])


def test_a_partial_table_takes_the_published_averages(tmp_path):
    statistics = stats.compute_statistics(load(figures_dir(tmp_path, ONE_COUNCIL, AVERAGES)))
    district = statistics.type_row("District Council", YEAR)
    assert (district["type_avg_upheld_rate"], district["type_avg_compliance_rate"]) == (0.78, 0.995)
    assert (district["type_avg_satisfactory_remedy_rate"], district["type_avg_upheld_per_100k"]) == (0.12, 4.1)
    row = statistics.council(CANNOCK, YEAR)
    assert row["type_avg_upheld_rate"] == 0.78 and row["upheld_rate"] == 5 / 9
    assert statistics.type_row("London Borough", YEAR)["type_avg_upheld_rate"] == 0.82


def test_a_published_average_the_figures_contradict_is_named(full_year_dir, sample_stats, tmp_path):
    folder = tmp_path / "contradicted"
    folder.mkdir()
    (folder / "figures.csv").write_bytes((full_year_dir / "figures.csv").read_bytes())
    district = sample_stats.type_row("District Council", YEAR)
    near = round(district["upheld_rate"] * 100)  # the published whole percent: within the rounding
    far = near + 2
    text = "year,authority_type,uphold_rate,compliance_rate,satisfactory_remedy_rate,upheld_per_100k\n"
    (folder / "averages.csv").write_text(text + f"2024,District Council,{near}%,,,\n", encoding="utf-8")
    assert stats.compute_statistics(load(folder)).type_row("District Council", YEAR)["type_avg_upheld_rate"] == district["upheld_rate"]
    (folder / "averages.csv").write_text(text + f"2024,District Council,{far}%,,,\n", encoding="utf-8")
    with pytest.raises(CaseDataError) as caught:
        stats.compute_statistics(load(folder))
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("averages.csv", 2, "upheld_rate")
    assert f"is {far:.1f}%" in problem.message and "more than the rounding apart (0.5%)" in problem.message


def test_a_type_with_neither_figures_nor_a_published_average_is_refused(tmp_path):
    averages = "\n".join(line for line in AVERAGES.splitlines() if not line.startswith("2024,London")) + "\n"
    with pytest.raises(CaseDataError) as caught:
        stats.compute_statistics(load(figures_dir(tmp_path, ONE_COUNCIL, averages)))
    problems = caught.value.problems
    assert {(p.file, p.row) for p in problems} == {("averages.csv", None)}
    assert {p.column for p in problems} == {"upheld_rate", "satisfactory_remedy_rate", "compliance_rate", "upheld_per_100k"}
    assert all("for London Boroughs in 2023-24" in p.message and "no row for London Borough in 2024" in p.message for p in problems)
    with pytest.raises(CaseDataError, match="there is no averages table"):
        stats.compute_statistics(load(figures_dir(tmp_path / "alone", ONE_COUNCIL)))


def test_the_batch_writes_letters_only_for_councils_with_figures(tmp_path):
    statistics = stats.compute_statistics(load(figures_dir(tmp_path, ONE_COUNCIL, AVERAGES)))
    selected, lines = letters_with_figures(_select_councils(YEAR, None), statistics, YEAR)
    assert selected["authority_code"].tolist() == [CANNOCK]
    assert lines[0].startswith("316 council(s) with no figures in 2023-24: no letter (") and lines[0].endswith("and 311 more).")
    assert "1 letter(s) leave out trend: the figures give one year only, so there is no trend to show." in lines
    assert any(line.startswith("1 letter(s) leave out received by category: not in the figures table: received_") for line in lines)
    with pytest.raises(LetterInputError, match="no row for Watford Borough Council"):
        prepare_letter(WATFORD, YEAR, data_dir=str(tmp_path))


def test_the_pack_from_figures_prints_whole_counts_and_blanks(tmp_path):
    statistics = stats.compute_statistics(load(figures_dir(tmp_path / "data", ONE_COUNCIL, AVERAGES)))
    _, csv_path, about = write_statistics_pack(statistics, YEAR, tmp_path / "pack")
    table = pd.read_csv(csv_path, dtype=str, keep_default_na=False).set_index("authority_code")
    assert table.loc[CANNOCK, "upheld"] == "5" and table.loc[CANNOCK, "received_housing"] == ""
    assert table.loc[WATFORD, "upheld"] == "" and table.loc[WATFORD, "upheld_rate"] == ""
    assert "Figures table:" in about.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def figures_letter_pdf(tmp_path_factory) -> Path:
    """Cannock Chase's 2023-24 letter from ONE_COUNCIL and AVERAGES: executed by papermill, exported to PDF."""
    folder = tmp_path_factory.mktemp("figures-letter")
    data = figures_dir(folder / "data", ONE_COUNCIL, AVERAGES)
    out = folder / "letter.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), parameters={"council": CANNOCK, "year": YEAR, "data_dir": str(data),
                                             "generated_at": "2024-07-01T09:00:00+00:00"},
        cwd=str(folder), kernel_name="python3", progress_bar=False,
    )
    pdf, _ = LetterPDFExporter().from_notebook_node(nbformat.read(out, as_version=4))
    path = folder / "letter.pdf"
    path.write_bytes(pdf)
    return path


def test_a_letter_from_figures_prints_exactly_the_figures_and_averages_given(figures_letter_pdf):
    reader = PdfReader(figures_letter_pdf)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "SAMPLE" not in text and "sample" not in text
    assert "In the year we received 35 complaints and enquiries about Cannock Chase District Council." in text
    assert "We finished dealing with 30 complaints and enquiries" in text
    assert "5 of the 9 detailed investigations" in text and "We upheld 56% of the complaints" in text
    assert "The average for similar authorities (District Councils) was 78%." in text
    assert "was 12%." in text and "was 99.5%." in text  # the published remedy and compliance averages
    assert "In 1 of the 5 complaints we upheld (20%)" in text
    assert "in 5 cases about Cannock Chase District Council this year, and the council complied in all of them (100%)" in text
    assert "against an average of 4.1 upheld decisions" in text
    # The averages table of the five types is the published one.
    assert "London Boroughs 82% 9% 97%" in text and "County Councils 80% 15% 99%" in text
    # What the figures do not give is not there: no category table, no trend (one year), no zero for it.
    assert "by category" not in text and "Figure 2" not in text and "Uphold rate and detailed investigations" not in text
    assert "Decisions made about Cannock Chase District Council, 2023-24, by outcome" in text  # the outcomes were given
    assert "from 2 data files" in text and "For any other type it is the average we published for that type and year." in text
    provenance = str(reader.metadata)
    assert "figures.csv" in provenance and "averages.csv" in provenance


def test_the_figures_letters_pages_render(figures_letter_pdf):
    for index in range(page_count(figures_letter_pdf)):
        pixels = render_page(figures_letter_pdf, index, dpi=60,
                             png_path=figures_letter_pdf.with_name(f"page-{index + 1}.png"))
        assert pixels.mean() < 0.995  # something is printed on every page
