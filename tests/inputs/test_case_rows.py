"""Tests for lgsco_report.inputs.case_rows: the checks on one table's columns and rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lgsco_report import definitions as d
from lgsco_report.inputs import load as load_cases, read_table
from case_files import COMPLIANCE, DECIDED, RECEIVED, REPORTS, make_dir, only, problems_of, with_optional


def test_read_table_loads_one_table(tmp_path: Path) -> None:
    folder = make_dir(tmp_path)
    frame = read_table(folder / "decided.csv", "decided")
    assert frame["outcome"].tolist() == [d.UPHELD, d.NOT_UPHELD]


def test_missing_column_is_reported_on_the_header_row(tmp_path: Path) -> None:
    text = "case_ref,authority,received_date\n19 000 001,E07000192,2019-05-01\n"
    problem = only(problems_of(make_dir(tmp_path, received=text)))
    assert (problem.file, problem.row, problem.column) == ("received.csv", 1, "category")
    assert "missing column 'category'" in problem.message


def test_extra_column_is_reported_with_the_closest_expected_name(tmp_path: Path) -> None:
    text = "case_ref,authority,received_date,category,categry\n19 000 001,E07000192,2019-05-01,Housing,x\n"
    problem = only(problems_of(make_dir(tmp_path, received=text)))
    assert (problem.row, problem.column) == (1, "categry")
    assert "unexpected column" in problem.message and "did you mean 'category'" in problem.message


def test_column_names_ignore_case_and_spaces(tmp_path: Path) -> None:
    text = " Case_Ref ,AUTHORITY,Received_Date,Category\n19 000 001,E07000192,2019-05-01,Housing\n"
    cases = load_cases(make_dir(tmp_path, received=text))
    assert cases.received["case_ref"].tolist() == ["19 000 001"]


def test_unknown_authority_suggests_closest_register_names(tmp_path: Path) -> None:
    text = RECEIVED.replace("Watford Borough Council", "Cannock Chase Distrct Council")
    problem = only(problems_of(make_dir(tmp_path, received=text)))
    assert (problem.file, problem.row, problem.column) == ("received.csv", 3, "authority")
    assert "unknown authority 'Cannock Chase Distrct Council'" in problem.message
    assert "Cannock Chase District Council" in problem.message


def test_unknown_gss_code(tmp_path: Path) -> None:
    text = DECIDED.replace("E07000103", "E07999999")
    problem = only(problems_of(make_dir(tmp_path, decided=text)))
    assert (problem.row, problem.column) == (3, "authority") and "'E07999999'" in problem.message


def test_unknown_category_lists_the_allowed_labels(tmp_path: Path) -> None:
    text = RECEIVED.replace("Housing", "Parking")
    problem = only(problems_of(make_dir(tmp_path, received=text)))
    assert (problem.row, problem.column) == (2, "category")
    assert "unknown category 'Parking'" in problem.message
    for label in d.CATEGORIES:
        assert label in problem.message


def test_custom_category_list(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=RECEIVED.replace("Housing", "Parking"))
    cases = load_cases(folder, categories=d.CATEGORIES + ("Parking",))
    assert cases.received["category"].tolist() == ["Parking", "Planning and Development"]


def test_unknown_decision_and_compliance_outcomes(tmp_path: Path) -> None:
    decided = DECIDED.replace("Not upheld", "Partly upheld")
    compliance = COMPLIANCE.replace("Complied", "Done")
    problems = problems_of(make_dir(tmp_path, decided=decided, compliance=compliance))
    assert [(p.file, p.row, p.column) for p in problems] == [("decided.csv", 3, "outcome"), ("compliance.csv", 2, "outcome")]
    assert "'Partly upheld'" in problems[0].message and "Referred back for local resolution" in problems[0].message
    assert "'Done'" in problems[1].message and "Not complied" in problems[1].message


def test_remedy_must_be_given_for_upheld_cases_and_be_yes_or_no(tmp_path: Path) -> None:
    decided = (
        "case_ref,authority,decision_date,category,outcome,remedy_by_authority\n"
        "19 000 001,E07000192,2019-09-01,Housing,Upheld,\n"
        "19 000 002,E07000103,2019-10-01,Housing,Not upheld,maybe\n"
    )
    problems = problems_of(make_dir(tmp_path, decided=decided))
    assert [(p.row, p.column) for p in problems] == [(2, "remedy_by_authority"), (3, "remedy_by_authority")]
    assert "empty for an upheld case" in problems[0].message
    assert "'maybe'" in problems[1].message and "yes or no" in problems[1].message


def test_duplicate_case_ref_names_both_rows(tmp_path: Path) -> None:
    text = RECEIVED + "19 000 001,E07000192,2019-07-01,Housing\n"
    problem = only(problems_of(make_dir(tmp_path, received=text)))
    assert (problem.file, problem.row, problem.column) == ("received.csv", 4, "case_ref")
    assert "'19 000 001'" in problem.message and "row 2" in problem.message


def test_council_that_was_abolished_before_the_case(tmp_path: Path) -> None:
    text = RECEIVED + "20 000 003,E07000004,2020-05-01,Housing\n"
    problem = only(problems_of(make_dir(tmp_path, received=text)))
    assert (problem.row, problem.column) == (4, "authority")
    assert "Aylesbury Vale District Council" in problem.message and "2020-05-01" in problem.message
    assert "abolished on 2020-03-31" in problem.message and "Buckinghamshire Council" in problem.message


def test_council_that_was_created_after_the_case(tmp_path: Path) -> None:
    text = RECEIVED + "19 000 003,Buckinghamshire Council,2019-12-01,Housing\n"
    problem = only(problems_of(make_dir(tmp_path, received=text)))
    assert (problem.row, problem.column) == (4, "authority")
    assert "Buckinghamshire Council" in problem.message and "created on 2020-04-01" in problem.message


def test_council_is_accepted_on_its_first_and_last_day(tmp_path: Path) -> None:
    text = RECEIVED + "19 000 003,E07000004,2020-03-31,Housing\n20 000 004,E06000060,2020-04-01,Housing\n"
    cases = load_cases(make_dir(tmp_path, received=text))
    assert cases.received["authority_code"].tolist()[2:] == ["E07000004", "E06000060"]


@pytest.mark.parametrize(
    "ref, accepted",
    [("19 000 009", True), ("AB-12/34", True), ("x" * 40, True), ("x" * 41, False), (" -19", False),
     ("19.000.001", False), ("19_000", False), ("<b>1</b>", False)],
)
def test_case_reference_form(tmp_path: Path, ref: str, accepted: bool) -> None:
    text = RECEIVED.replace("19 000 002", ref)
    folder = make_dir(tmp_path, received=text)
    if accepted:
        assert load_cases(folder).received["case_ref"].tolist()[1] == ref.strip()
    else:
        problem = only(problems_of(folder))
        assert (problem.row, problem.column) == (3, "case_ref") and "not a case reference" in problem.message


def test_optional_table_with_a_wrong_column_is_refused_like_the_case_tables(tmp_path: Path) -> None:
    folder = with_optional(tmp_path, reports=REPORTS.replace("kind", "type", 1))
    messages = [str(p) for p in problems_of(folder)]
    assert any("unexpected column 'type'" in m for m in messages) and any("missing column 'kind'" in m for m in messages)
