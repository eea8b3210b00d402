"""Council-level figures (and published averages) as a data folder's input, instead of the case tables.

Councils: E07000192 Cannock Chase District Council, E07000103 Watford Borough
Council, E06000023 Bristol; E07000031 South Lakeland District Council
(abolished 1 April 2023), E06000064 Westmorland and Furness Council (created then).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lgsco_report import counting, register
from lgsco_report.errors import CaseDataError
from lgsco_report.inputs import FiguresData, fingerprint, load, write_figures_template

from case_files import make_dir

HEADER = (
    "year,authority,decisions_total,upheld,not_upheld,closed_after_initial_enquiries,referred_back,incomplete_invalid,"
    "advice_given,satisfactory_remedies,compliance_outcomes,complied,received_total,complied_late"
)
FIGURES = (
    f"{HEADER}\n"
    "2024,E07000192,30,5,4,12,6,1,2,1,5,4,35,1\n"
    "2023-24,Watford Borough Council,20,2,3,9,4,,,0,2,2,,\n"  # blanks: not known
    "2024,E06000023,100,30,10,40,15,3,2,5,28,27,120,\n"
)
AVERAGES = (
    "year,authority_type,uphold_rate,compliance_rate,satisfactory_remedy_rate,upheld_per_100k\n"
    "2024,District Councils,78%,99.5%,12,4.1\n"
    "2024,Unitary Council,81,100%,,5.6\n"
)


def figures_dir(folder: Path, figures: str = FIGURES, averages: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "figures.csv").write_text(figures, encoding="utf-8")
    if averages is not None:
        (folder / "averages.csv").write_text(averages, encoding="utf-8")
    return folder


def problems_of(folder: Path) -> list:
    with pytest.raises(CaseDataError) as caught:
        load(folder)
    return caught.value.problems


def only(folder: Path):
    problems = problems_of(folder)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_a_figures_folder_loads_as_figures_data_with_blanks_kept_unknown(tmp_path: Path) -> None:
    data = load(figures_dir(tmp_path))
    assert isinstance(data, FiguresData) and data.years == [2024] and data.is_sample is False
    assert [(s.table, s.path.name) for s in data.sources] == [("figures", "figures.csv")]
    watford = data.figures.set_index("authority_code").loc["E07000103"]
    assert watford["upheld"] == 2 and np.isnan(watford["advice_given"]) and np.isnan(watford["received_total"])
    assert np.isnan(watford["not_complied"])  # a column the file does not have: not known
    assert list(fingerprint(tmp_path)) == ["figures:figures.csv"]


def test_counts_from_figures_keep_every_council_and_tell_missing_from_zero(tmp_path: Path) -> None:
    counts = counting.count_cases(load(figures_dir(tmp_path)))
    assert counts.kind == "figures" and counts.is_sample is False and counts.sources[0]["table"] == "figures"
    rows = counts.councils.set_index("authority_code")
    assert len(rows) == len(register.councils_for_year(2024)) and "former" not in counts.councils.columns
    cannock = rows.loc["E07000192"]
    assert (cannock["upheld"], cannock["detailed_investigations"], cannock["received_total"]) == (5, 9, 35)
    assert bool(cannock["has_figures"]) and np.isnan(rows.loc["E07000103", "received_total"])
    kent = rows.loc["E10000016"]  # no row: no figures, not zeros
    assert not kent["has_figures"] and np.isnan(kent["decisions_total"])
    assert counting.has_figures(counts.councils).sum() == 3
    assert counts.by_category["received"].isna().all()  # no council gave its received categories


def test_coverage_says_which_types_the_figures_cover(tmp_path: Path) -> None:
    codes = register.councils_for_year(2024)
    london = codes[codes["authority_type"] == "London Borough"]["authority_code"]
    lines = [HEADER] + [f"2024,{code},10,2,2,3,3,0,0,1,2,2,12,0" for code in london]
    counts = counting.count_cases(load(figures_dir(tmp_path, "\n".join(lines) + "\n")))
    coverage = counting.figures_coverage(counts).set_index("authority_type")
    assert coverage.loc["London Borough", ["councils", "with_figures", "covered"]].tolist() == [33, 33, True]
    assert coverage.loc["District Council", ["with_figures", "covered"]].tolist() == [0, False]
    by_column = counting.figures_coverage(counts, columns=["not_complied"]).set_index("authority_type")
    assert not by_column.loc["London Borough", "covered"]  # the column is not in the file: not known


def test_averages_are_read_as_published(tmp_path: Path) -> None:
    data = load(figures_dir(tmp_path, averages=AVERAGES))
    averages = data.averages.set_index("authority_type")
    district = averages.loc["District Council"]
    assert (district["upheld_rate"], district["compliance_rate"], district["satisfactory_remedy_rate"], district["upheld_per_100k"]) == (
        0.78, 0.995, 0.12, 4.1)
    assert averages.loc["Unitary Council", "compliance_rate"] == 1.0 and np.isnan(averages.loc["Unitary Council", "satisfactory_remedy_rate"])
    assert [s.table for s in data.sources] == ["figures", "averages"]
    assert set(fingerprint(tmp_path)) == {"figures:figures.csv", "averages:averages.csv"}
    assert counting.count_cases(data).averages is data.averages


@pytest.mark.parametrize(
    "line, column, message",
    [
        ("2024,District Council,0.78,99.5,12,4", "uphold_rate",
         "'0.78' is ambiguous: a percentage under 1% or a fraction (78%)? Write it as a percentage (78%)"),
        ("2024,District Council,178%,99.5,12,4", "uphold_rate", "a rate is between 0% and 100%"),
        ("2024,District Council,high,99.5,12,4", "uphold_rate", "not a rate; write it as published (89 or 89%)"),
        ("2024,Parish Council,78,99.5,12,4", "authority_type", "unknown council type 'Parish Council'; the types are: County Council,"),
        ("2024,District Council,78,99.5,12,-4", "upheld_per_100k", "upheld decisions per 100,000 residents is a number of at least 0"),
        ("2024,District councils,70,99,10,4", "authority_type", "District Council is given twice for 2024 (also on row 2)"),
    ],
)
def test_a_mistake_in_the_averages_is_named(tmp_path: Path, line: str, column: str, message: str) -> None:
    good = AVERAGES.splitlines()[1]
    text = AVERAGES.splitlines()[0] + "\n" + (good + "\n" if "twice" in message else "") + line + "\n"
    problem = only(figures_dir(tmp_path, averages=text))
    assert (problem.file, problem.row, problem.column) == ("averages.csv", 3 if "twice" in message else 2,
                                                          "upheld_rate" if column == "uphold_rate" else column)
    assert message in problem.message, problem.message


def _with_row(line: str) -> str:
    return FIGURES + line + "\n"


@pytest.mark.parametrize(
    "line, column, message",
    [
        ("2024,E07000095,10,8,4,0,0,0,0,0,0,0,,", "decisions_total",
         "upheld + not upheld (the detailed investigations) make 12, more than decisions_total (10)"),
        ("2024,E07000095,10,2,4,3,3,0,0,0,0,0,,", "decisions_total", "the six decision outcomes together make 12, more than decisions_total (10)"),
        ("2024,E07000095,10,2,4,0,0,0,0,3,0,0,,", "upheld", "satisfactory remedies (a share of the upheld decisions) make 3, more than upheld (2)"),
        ("2024,E07000095,10,2,4,0,0,0,0,0,3,2,,2", "compliance_outcomes", "complied + complied late make 4, more than compliance_outcomes (3)"),
        ("2024,E07000095,10,2.5,4,0,0,0,0,0,0,0,,", "upheld", "'2.5': a count is a whole number"),
        ("2024,E07000095,10,-2,4,0,0,0,0,0,0,0,,", "upheld", "'-2': a count cannot be negative"),
        ("2024,E07000095,10,n/a,4,0,0,0,0,0,0,0,,", "upheld", "'n/a': not a number; write the count in digits, or leave the cell blank"),
        ("2024,E07000192,10,2,4,0,0,0,0,0,0,0,,", "authority", "E07000192 is given twice for the year ending 31 March 2024 (also on row 2)"),
        ("2024,Westmorland and Furness,10,2,4,0,0,0,0,0,0,0,,", "authority", None),  # resolves: Westmorland and Furness (no problem)
        ("2023,E06000064,10,2,4,0,0,0,0,0,0,0,,", "authority",
         "Westmorland and Furness Council (E06000064) is not in the register for the year ending 31 March 2023: it was created on 2023-04-01"),
        ("2024,E07000031,10,2,4,0,0,0,0,0,0,0,3,", "authority",
         "South Lakeland District Council (E07000031) was abolished on 2023-04-01, before the year ending 31 March 2024: a former "
         "council's row holds legacy decisions only, so received_total must be blank or 0; count complaints received in the year "
         "against Westmorland and Furness Council"),
        ("2024,Nowhere Council,10,2,4,0,0,0,0,0,0,0,,", "authority", "unknown authority 'Nowhere Council': not a GSS code or council name"),
        ("24,E07000095,10,2,4,0,0,0,0,0,0,0,,", "year", "year '24'"),
    ],
)
def test_a_mistake_in_the_figures_is_named_with_file_row_and_column(tmp_path: Path, line: str, column: str, message: str | None) -> None:
    folder = figures_dir(tmp_path, _with_row(line))
    if message is None:
        assert "E06000064" in set(load(folder).figures["authority_code"])
        return
    problem = only(folder)
    assert (problem.file, problem.row, problem.column) == ("figures.csv", 5, column)
    assert message in problem.message, problem.message


def test_received_categories_cannot_exceed_the_total_and_investigations_must_add_up(tmp_path: Path) -> None:
    text = "year,authority,received_total,received_housing,received_other,detailed_investigations," + HEADER.split(",", 2)[2].rsplit(",", 2)[0] + "\n"
    text += "2024,E07000192,5,4,3,9,30,5,4,12,6,1,2,1,5,4\n2024,E07000103,5,1,1,6,20,2,3,9,4,0,2,0,2,2\n"
    first, second = problems_of(figures_dir(tmp_path, text))
    assert (first.row, first.column) == (2, "received_total") and "the received categories together make 7, more than received_total (5)" in first.message
    assert (second.row, second.column) == (3, "detailed_investigations")
    assert "detailed_investigations (6) is not upheld + not upheld (5)" in second.message


def test_a_former_councils_decisions_only_row_is_a_legacy_row(tmp_path: Path) -> None:
    folder = figures_dir(tmp_path, _with_row("2024,South Lakeland District Council,4,1,1,1,1,0,0,0,1,1,0,"))
    rows = counting.count_cases(load(folder)).councils
    former = rows[counting.is_former(rows)]
    assert former["authority_code"].tolist() == ["E07000031"] and former["successor_codes"].tolist() == ["E06000064"]
    assert former["decisions_total"].tolist() == [4] and former["has_figures"].tolist() == [True]
    assert (rows["year"] == 2024).sum() == 318  # the 317 councils of the year's register and the former one


def test_unknown_and_missing_columns_are_named_with_the_nearest_known_name(tmp_path: Path) -> None:
    text = FIGURES.replace("satisfactory_remedies", "satisfactory_remedy").replace(",complied_late", ",complied_lately")
    problems = problems_of(figures_dir(tmp_path, text))
    messages = {(p.row, p.column): p.message for p in problems}
    assert "unknown column 'satisfactory_remedy' (did you mean 'satisfactory_remedies'?)" in messages[(1, "satisfactory_remedy")]
    assert "(did you mean 'complied_late'?)" in messages[(1, "complied_lately")]
    assert messages[(1, "satisfactory_remedies")].startswith("missing column 'satisfactory_remedies'; the figures table needs the columns: year, authority,")
    assert len(problems) == 3


def test_a_name_beside_the_code_must_be_the_same_council(tmp_path: Path) -> None:
    text = "year,authority,authority_name," + HEADER.split(",", 2)[2] + "\n2024,E07000192,Watford Borough Council,30,5,4,12,6,1,2,1,5,4,35,1\n"
    problem = only(figures_dir(tmp_path, text))
    assert (problem.row, problem.column) == (2, "authority_name")
    assert "'Watford Borough Council' is another council than 'E07000192' (E07000192)" in problem.message


def test_case_tables_and_figures_in_one_folder_are_refused(tmp_path: Path) -> None:
    folder = figures_dir(make_dir(tmp_path))
    problem = only(folder)
    assert problem.file == "figures.csv" and "this folder holds both case tables (received.csv, decided.csv, compliance.csv) and council-level figures" in problem.message
    with pytest.raises(CaseDataError, match="holds both case tables"):
        fingerprint(folder)


def test_averages_without_figures_are_refused(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "averages.csv").write_text(AVERAGES, encoding="utf-8")
    problem = only(tmp_path)
    assert problem.file == "averages.csv" and "an averages table is read only beside a figures table" in problem.message


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_filled_in_template_loads(tmp_path: Path, suffix: str) -> None:
    path = write_figures_template(2025, tmp_path / f"figures{suffix}")
    template = pd.read_csv(path, dtype=str, keep_default_na=False) if suffix == ".csv" else pd.read_excel(path, dtype=str).fillna("")
    councils = register.councils_for_year(2025)
    assert template["authority"].tolist() == councils["authority_code"].tolist()
    assert template["authority_name"].tolist() == councils["authority_name"].tolist()
    assert set(template["year"]) == {"2025"} and (template.iloc[:, 3:] == "").all().all()
    assert list(tmp_path.iterdir()) == [path]  # written by rename: no temporary file left
    data = load(tmp_path)
    assert data.years == [2025] and counting.has_figures(counting.count_cases(data).councils).sum() == 0  # nothing filled in yet
    filled = template.copy()
    filled.loc[0, ["decisions_total", "upheld", "not_upheld"]] = ["7", "3", "1"]
    path.unlink()
    if suffix == ".csv":
        filled.to_csv(path, index=False)
    else:
        filled.to_excel(path, index=False, sheet_name="figures")
    rows = counting.count_cases(load(tmp_path)).councils
    first = rows[rows["authority_code"] == councils["authority_code"].iloc[0]].iloc[0]
    assert (first["upheld"], first["detailed_investigations"], bool(first["has_figures"])) == (3, 4, True)
    assert np.isnan(first["complied"]) and counting.has_figures(rows).sum() == 1


def test_a_title_row_above_the_figures_header_is_named(tmp_path: Path) -> None:
    problem = only(figures_dir(tmp_path, "Council figures 2023-24,,\n" + FIGURES))
    assert (problem.file, problem.row, problem.column) == ("figures.csv", 1, None)
    assert problem.message.startswith("row 1 is not the header: the column names are on row 2; delete the 1 row(s) above them")


def test_outcomes_with_not_complied_cannot_exceed_the_compliance_outcomes(tmp_path: Path) -> None:
    text = f"{HEADER},not_complied\n2024,E07000192,30,5,4,12,6,1,2,1,3,1,35,1,2\n"
    problem = only(figures_dir(tmp_path, text))
    assert (problem.row, problem.column) == (2, "compliance_outcomes")
    assert "complied + complied late + not complied make 4, more than compliance_outcomes (3)" in problem.message
