"""The optional reports and remedies tables end to end: the letter, the index flags, the statistics pack,
the "nothing given" path, and real letters made by the batch (papermill, nbconvert, WeasyPrint)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from lgsco_report import letter, register, stats, statistics_pack
from lgsco_report.batch import run_batch
from lgsco_report.formatting import percent, percent_of
from lgsco_report.inputs import load as load_cases
from lgsco_report.index_page import council_flags
from lgsco_report.yearparams import load_year_parameters

HEADING = "Public reports and putting things right"
#: 2021-22: the first year whose letters report late remedies (parameters, key carries).
YEAR = 2022


@pytest.fixture(scope="module")
def three_tables(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's three case tables only: a data folder as it was before the optional tables."""
    folder = tmp_path_factory.mktemp("three-tables")
    for name in ("received.csv", "decided.csv", "compliance.csv"):
        shutil.copyfile(sample_dir / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def three_table_statistics(three_tables: Path) -> stats.Statistics:
    """The statistics of the three case tables alone (computed once: two tests read them)."""
    return stats.compute_statistics(load_cases(three_tables))


def _council_with_everything(statistics: stats.Statistics) -> str:
    councils = statistics.councils[statistics.councils["year"] == YEAR]
    chosen = councils[(councils["public_reports"] > 0) & (councils["remedies_overdue"] > 0) & (councils["remedies_completed_late"] > 0)]
    return str(chosen.sort_values("authority_name").iloc[0]["authority_code"])


def test_nothing_given_the_letter_and_figures_are_as_before(sample_dir: Path, three_tables: Path, statistics: stats.Statistics,
                                                            three_table_statistics: stats.Statistics) -> None:
    code = _council_with_everything(statistics)
    without = letter.prepare_letter(code, YEAR, data_dir=three_tables, generated_at="2020-07-01T00:00:00+00:00")
    with_tables = letter.prepare_letter(code, YEAR, data_dir=sample_dir, generated_at="2020-07-01T00:00:00+00:00")
    assert without.context["reports_and_remedies"] is None
    plain, full = str(without.section("key_statistics")), str(with_tables.section("key_statistics"))
    assert HEADING not in plain and "public report" not in plain and "service improvement" not in plain
    # The section is the only difference: cut it out of the full letter and the two are the same.
    cut = re.sub(r"<h3>Public reports and putting things right</h3>.*?(?=</section>)", "", full, flags=re.S)
    assert cut.split() == plain.split()
    before = three_table_statistics
    table = stats.published_table(before, YEAR)
    assert list(table.columns) == stats.published_columns()
    assert table.equals(stats.published_table(statistics, YEAR)[stats.published_columns()])


def test_letter_sentences_for_each_case(statistics: stats.Statistics, stats_file: Path) -> None:
    councils = statistics.councils[statistics.councils["year"] == YEAR].set_index("authority_code")
    none_code = str(councils[(councils["public_reports"] == 0) & (councils["service_improvements"] == 0)
                             & (councils["remedies_total"] > 0)].index[0])
    text = str(letter.prepare_letter(none_code, YEAR, stats_file=stats_file).section("key_statistics"))
    name = register.name_in_text(councils.loc[none_code, "authority_name"])
    assert f"We issued no public reports about {name} this year." in text
    assert "agreed no service improvements with us this year" in text
    # A council that agreed no remedies at all is told so once, with no average beside a rate it does not have.
    nothing_code = str(councils[councils["remedies_total"] == 0].index[0])
    section = str(letter.prepare_letter(nothing_code, YEAR, stats_file=stats_file).section("key_statistics"))
    paragraph = " ".join(re.sub(r"<[^>]+>", " ", section.split('class="lgsco-service-improvements">')[1].split("</p>")[0]).split())
    name = register.name_in_text(councils.loc[nothing_code, "authority_name"], start=True)
    assert paragraph == (f"{name} agreed no remedies with us this year, so there are no service improvements (changes that "
                         "put things right for others, not only for the person who complained) and no remedies completed late to report.")
    code = _council_with_everything(statistics)
    made = letter.prepare_letter(code, YEAR, stats_file=stats_file)
    text = " ".join(str(made.section("key_statistics")).split())
    figures = made.context["reports_and_remedies"]
    numbers = stats.reports_and_remedies(statistics, code, YEAR)["remedies"]
    # The statistics give numbers; the letter's context words them, once, through formatting.
    assert figures["remedies"]["late_or_overdue_pct"] == percent_of(numbers["late_or_overdue"], numbers["due_or_done"])
    assert figures["remedies"]["type_avg_late_or_overdue_pct"] == percent(numbers["type_avg_late_or_overdue_rate"])
    assert "public report" in text and figures["remedies"]["late_or_overdue_pct"] + " late or overdue" in text
    assert f"The average for similar authorities ({made.context['type_plural']}) was {figures['remedies']['type_avg_late_or_overdue_pct']}." in text


def test_sentences_of_the_section_are_spaced_for_every_kind_of_council(statistics: stats.Statistics, stats_file: Path) -> None:
    """One council of each wording branch; no sentence runs into the next ("staff.Of")."""
    councils = statistics.councils[(statistics.councils["year"] == YEAR) & (statistics.councils["decisions_total"] > 0)]
    late = councils["remedies_completed_late"] + councils["remedies_overdue"]
    branches = {
        "no remedies agreed": councils[councils["remedies_total"] == 0],
        "no improvements, some due": councils[(councils["service_improvements"] == 0) & (councils["remedies_due_or_done"] > 0)],
        "all on time": councils[(councils["remedies_due_or_done"] > 0) & (late == 0)],
        "some late": councils[late > 0],
    }
    for why, chosen in branches.items():
        assert not chosen.empty, why
        section = str(letter.prepare_letter(chosen.iloc[0]["authority_code"], YEAR, stats_file=stats_file).section("key_statistics"))
        text = " ".join(re.sub(r"<[^>]+>", " ", section[section.index(HEADING):]).split())
        assert not re.search(r"[a-z)%]\.[A-Z]", text), (why, text)
        assert ("late or overdue" in text) != ("agreed no remedies" in text), (why, text)


def test_index_flags_public_reports_and_overdue_remedies() -> None:
    assert council_flags({"public_reports": 1, "remedies_overdue": 0}) == ["Public report issued"]
    assert council_flags({"public_reports": 2, "remedies_overdue": 3}) == ["2 public reports issued", "3 remedies overdue at year end"]
    assert council_flags({"public_reports": 0, "remedies_overdue": 1}) == ["Remedy overdue at year end"]
    assert council_flags({}) == []  # tables not given: no such flags


def test_statistics_pack_has_the_new_columns_with_titles_and_formats(statistics: stats.Statistics, three_table_statistics: stats.Statistics,
                                                                    tmp_path: Path) -> None:
    paths = statistics_pack.write_statistics_pack(statistics, YEAR, tmp_path / "with")
    sheet = openpyxl.load_workbook(next(p for p in paths if p.suffix == ".xlsx"))["Councils"]
    titles = [cell.value for cell in sheet[1]]
    expected = [statistics_pack.column_title(c) for c in (*stats.REPORT_PUBLISHED_COLUMNS, *stats.REMEDY_PUBLISHED_COLUMNS)]
    assert titles[-len(expected):] == expected
    assert "Late or overdue rate, similar councils" in titles and "Remedies overdue at the year end" in titles
    rate_column = titles.index("Late or overdue rate") + 1
    count_column = titles.index("Public reports") + 1
    assert sheet.cell(row=2, column=count_column).number_format == statistics_pack.COUNT_FORMAT
    rates = [sheet.cell(row=r, column=rate_column) for r in range(2, sheet.max_row + 1)]
    assert all(c.number_format.endswith("%") for c in rates if c.value is not None)
    about = (tmp_path / "with" / statistics_pack.ABOUT_NAME).read_text(encoding="utf-8")
    assert "overdue at the year end" in about
    paths = statistics_pack.write_statistics_pack(three_table_statistics, YEAR, tmp_path / "without")
    titles = [cell.value for cell in openpyxl.load_workbook(next(p for p in paths if p.suffix == ".xlsx"))["Councils"][1]]
    assert "Public reports" not in titles and "Late or overdue rate" not in titles


@pytest.mark.slow
def test_batch_letters_carry_the_new_sentences(statistics: stats.Statistics, sample_dir: Path, tmp_path: Path) -> None:
    """Two real letters: one council with a public report, late and overdue remedies; one with none of it."""
    code = _council_with_everything(statistics)
    councils = statistics.councils[statistics.councils["year"] == YEAR].set_index("authority_code")
    quiet = str(councils[(councils["public_reports"] == 0) & (councils["decisions_total"] > 0)].index[0])
    result = run_batch(YEAR, councils=[code, quiet], data_dir=sample_dir, out_dir=tmp_path, workers=1,
                       formats=("ipynb", "html", "pdf"), progress=False, reports=False)
    assert result.exit_code == 0
    texts = {}
    for folder in (tmp_path / str(YEAR)).iterdir():
        if (folder / "letter.pdf").is_file():
            pages = PdfReader(folder / "letter.pdf").pages
            texts[folder.name] = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert len(texts) == 2
    figures = stats.reports_and_remedies(statistics, code, YEAR)
    busy = texts[next(name for name in texts if name.startswith(re.sub(r"[^a-z]+", "-", councils.loc[code, "authority_name"].lower())))]
    assert HEADING in busy
    reports = figures["reports"]["total"]
    assert ("We issued one public report" if reports == 1 else f"We issued {reports} public reports") in busy
    late = percent_of(figures["remedies"]["late_or_overdue"], figures["remedies"]["due_or_done"])
    assert "overdue at the year end" in busy and f"{late} late or overdue" in busy
    assert "service improvement" in busy
    other = next(text for text in texts.values() if text is not busy)
    assert "We issued no public reports about" in other


def test_a_year_before_late_remedies_were_reported_says_nothing_of_them(statistics: stats.Statistics, stats_file: Path) -> None:
    """2019-20's letters (key 'carries' of parameters/2020.yaml) did not report late remedies: the council with
    late and overdue remedies is told of its service improvements only."""
    assert not load_year_parameters(2020).carries.late_remedies
    councils = statistics.councils[statistics.councils["year"] == 2020].set_index("authority_code")
    code = str(councils[(councils["remedies_completed_late"] > 0) & (councils["service_improvements"] > 0)].index[0])
    text = " ".join(re.sub(r"<[^>]+>", " ", str(letter.prepare_letter(code, 2020, stats_file=stats_file).to_html())).split())
    assert "service improvement" in text
    assert "late or overdue" not in text and "completed late" not in text and "overdue at the year end" not in text
    assert "100,000" not in text
