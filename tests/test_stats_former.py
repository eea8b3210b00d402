"""Former councils' late decisions in the statistics, the pack, the index and the successor's letter.

Records shaped like the real ones: the sample's case tables plus legacy cases
of councils abolished on 1 April 2023, decided in 2023-24 on complaints made
before: South Lakeland District Council (E07000031) and Eden District Council
(E07000030), both replaced by Westmorland and Furness Council (E06000064), and
Carlisle City Council (E07000028), replaced by Cumberland Council (E06000063).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from lgsco_report import counting, register, stats
from lgsco_report.batch import plan
from lgsco_report.index_page import index_rows, render_index
from lgsco_report.inputs import load
from lgsco_report.letter import LetterInputError, prepare_letter
from lgsco_report.year_folder.manifest import Manifest
from lgsco_report.statistics_pack import write_statistics_pack

SOUTH_LAKELAND, EDEN, CARLISLE = "E07000031", "E07000030", "E07000028"
WESTMORLAND, CUMBERLAND = "E06000064", "E06000063"

LEGACY = {
    "received": [
        "22 900 001,E07000031,2023-01-10,Housing",
        "22 900 002,E07000031,2023-02-10,Planning and Development",
        "22 900 003,E07000030,2023-03-01,Housing",
        "22 900 004,E07000028,2023-03-20,Highways and Transport",
    ],
    "decided": [
        "22 900 001,South Lakeland District Council,2023-07-01,Housing,Upheld,yes",
        "22 900 002,E07000031,2023-08-01,Planning and Development,Not upheld,",
        "22 900 003,E07000030,2023-06-01,Housing,Upheld,no",
        "22 900 004,E07000028,2023-09-15,Highways and Transport,Closed after initial enquiries,",
    ],
    "compliance": ["22 900 001,E07000031,2023-10-01,Complied"],
}


@pytest.fixture(scope="module")
def legacy_dir(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("legacy")
    for source in sample_dir.glob("*.csv"):
        shutil.copy(source, folder / source.name)
    for table, lines in LEGACY.items():
        with open(folder / f"{table}.csv", "a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
    return folder


@pytest.fixture(scope="module")
def legacy_stats(legacy_dir: Path) -> stats.Statistics:
    return stats.compute_statistics(load(legacy_dir))


@pytest.fixture(scope="module")
def sample_stats(sample_cases) -> stats.Statistics:
    return stats.compute_statistics(sample_cases)


def _former_rows(statistics: stats.Statistics, year: int = 2024) -> pd.DataFrame:
    councils = statistics.councils
    return councils[(councils["year"] == year) & councils["former"]].set_index("authority_code")


def test_legacy_decisions_are_counted_against_the_former_councils(legacy_stats):
    former = _former_rows(legacy_stats)
    assert set(former.index) == {CARLISLE, EDEN, SOUTH_LAKELAND}
    lakeland = former.loc[SOUTH_LAKELAND]
    assert (lakeland["decisions_total"], lakeland["upheld"], lakeland["not_upheld"], lakeland["complied"]) == (2, 1, 1, 1)
    assert lakeland["upheld_rate"] == 0.5 and lakeland["compliance_rate"] == 1.0
    assert lakeland["successor_codes"] == WESTMORLAND and former.loc[CARLISLE, "successor_codes"] == CUMBERLAND
    # A former council belongs to no type any more: every average is n/a.
    averages = [c for c in legacy_stats.councils.columns if c.startswith("type_avg_")]
    assert former[averages].isna().all().all()
    current = legacy_stats.councils[~legacy_stats.councils["former"]]
    assert (current["successor_codes"] == "").all() and current["type_avg_upheld_rate"].notna().any()


def test_the_type_averages_and_totals_are_unchanged_by_them(legacy_stats, sample_stats):
    year = 2024  # the legacy complaints were received in 2022-23, so only that year's received counts change
    pd.testing.assert_frame_equal(
        legacy_stats.types[legacy_stats.types["year"] == year].reset_index(drop=True),
        sample_stats.types[sample_stats.types["year"] == year].reset_index(drop=True), check_exact=True,
    )
    current = legacy_stats.councils[(legacy_stats.councils["year"] == year) & ~legacy_stats.councils["former"]]
    expected = sample_stats.councils[sample_stats.councils["year"] == year]
    pd.testing.assert_frame_equal(
        current.drop(columns=["former", "successor_codes"]).reset_index(drop=True), expected.reset_index(drop=True), check_exact=True)


def test_the_national_totals_include_them_but_not_their_residents(legacy_stats, sample_stats):
    legacy = legacy_stats.national.set_index("year").loc[2024]
    sample = sample_stats.national.set_index("year").loc[2024]
    assert legacy["decisions_total"] - sample["decisions_total"] == 4
    assert legacy["upheld"] - sample["upheld"] == 2 and legacy["complied"] - sample["complied"] == 1
    assert legacy["councils"] - sample["councils"] == 3
    assert legacy["population"] == sample["population"]  # their residents are counted in the successors'
    assert legacy["upheld_per_100k"] == pytest.approx(legacy["upheld"] / legacy["population"] * 100_000)


def test_the_cache_keeps_the_former_columns(legacy_stats, tmp_path):
    loaded = stats.Statistics.load(legacy_stats.save(tmp_path / "stats.json"))
    pd.testing.assert_frame_equal(loaded.councils, legacy_stats.councils, check_exact=True)


def test_the_pack_lists_them_marked_former_council_with_averages_not_applicable(legacy_stats, tmp_path):
    xlsx, csv_path, about = write_statistics_pack(legacy_stats, 2024, tmp_path)
    with open(csv_path, encoding="utf-8", newline="") as handle:
        rows = {row["authority_code"]: row for row in csv.DictReader(handle)}
    lakeland = rows[SOUTH_LAKELAND]
    assert lakeland["former"] == "former council" and lakeland["successor_codes"] == WESTMORLAND
    assert lakeland["decisions_total"] == "2" and lakeland["type_avg_upheld_rate"] == ""
    assert rows[WESTMORLAND]["former"] == "" and rows[WESTMORLAND]["type_avg_upheld_rate"] != ""
    sheet = load_workbook(xlsx)["Councils"]
    header = [cell.value for cell in sheet[1]]
    codes = [cell.value for cell in sheet["A"]]
    row = codes.index(SOUTH_LAKELAND) + 1
    averages = [i + 1 for i, title in enumerate(header) if "similar councils" in str(title).lower()]
    assert averages and all(sheet.cell(row=row, column=col).value == "n/a" for col in averages)
    assert "Former councils:" in about.read_text(encoding="utf-8")


def test_the_index_lists_them_as_former_councils_without_a_letter(legacy_stats, tmp_path):
    year_councils = legacy_stats.councils[legacy_stats.councils["year"] == 2024]
    rows = {row["code"]: row for row in index_rows(year_councils, Manifest(year=2024), tmp_path, 2024)}
    lakeland = rows[SOUTH_LAKELAND]
    assert lakeland["status"] == "no letter" and lakeland["links"] == []
    assert lakeland["abolished"].startswith("former council (abolished 31 March 2023; successor: Westmorland and Furness Council")
    assert all(figure["type_text"] == "n/a" for figure in lakeland["figures"])
    assert rows[WESTMORLAND]["status"] == "not run"
    page = render_index(2024, year_councils, Manifest(year=2024), tmp_path)
    assert "former council (abolished 31 March 2023" in page


def test_the_batch_makes_no_letter_for_a_former_council():
    selected = plan._select_councils(2024, None)
    assert not set(selected["authority_code"]) & {SOUTH_LAKELAND, EDEN, CARLISLE}
    assert set(selected["authority_code"]) == set(register.councils_for_year(2024)["authority_code"])
    with pytest.raises(Exception, match="South Lakeland District Council is not in the letters"):
        plan._select_councils(2024, [SOUTH_LAKELAND])


def test_no_letter_is_addressed_to_a_former_council(legacy_dir):
    with pytest.raises(LetterInputError, match="replaced by Westmorland and Furness Council"):
        prepare_letter(SOUTH_LAKELAND, 2024, data_dir=str(legacy_dir))


@pytest.mark.parametrize("edition", ["current", "2020"])
def test_the_successors_letter_says_how_many_decisions_and_where_they_are_shown(legacy_dir, legacy_stats, edition, tmp_path):
    params = (Path(__file__).resolve().parents[1] / "parameters" / "2024.yaml").read_text(encoding="utf-8")
    params_file = tmp_path / "2024.yaml"
    params_file.write_text(params.replace("edition: current", f"edition: \"{edition}\""), encoding="utf-8")
    letter = prepare_letter(WESTMORLAND, 2024, data_dir=str(legacy_dir), params_file=str(params_file))
    assert letter.context["former_councils"]["decisions"] == 3  # South Lakeland's two and Eden's one
    text = " ".join(letter.section("heading").split())
    assert ("In the same year we also made 3 decisions on complaints about South Lakeland District Council and Eden "
            "District Council that people had made before those councils ceased to exist") in text
    assert "shown in our statistics pack and on" in text and "our council pages" in text
    own = legacy_stats.council(WESTMORLAND, 2024)
    assert letter.context["decisions_total"] == int(own["decisions_total"])  # not counted in its own figures
    cumberland = prepare_letter(CUMBERLAND, 2024, data_dir=str(legacy_dir), params_file=str(params_file))
    assert "one decision on complaints about Carlisle City Council that people had made before that council" in " ".join(
        cumberland.section("heading").split())


def test_without_former_councils_the_letter_has_no_such_sentence(sample_dir):
    letter = prepare_letter(WESTMORLAND, 2024, data_dir=str(sample_dir))
    assert letter.context["former_councils"] is None and "lgsco-former-councils" not in letter.section("heading")


def test_counts_without_legacy_rows_have_no_former_column(sample_cases):
    assert "former" not in counting.count_cases(sample_cases).councils.columns


def test_the_national_reviews_council_views_leave_them_out(legacy_stats, sample_stats):
    """Distributions, map and lists compare the year's councils: the former ones are in England's totals only."""
    from lgsco_report.national import figures

    shown = figures.year_councils(legacy_stats, 2024)
    assert not {SOUTH_LAKELAND, EDEN, CARLISLE} & set(shown["authority_code"])
    assert len(shown) == len(figures.year_councils(sample_stats, 2024))
    assert figures.national_row(legacy_stats, 2024)["decisions_total"] == figures.national_row(sample_stats, 2024)["decisions_total"] + 4
