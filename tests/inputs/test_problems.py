"""Tests for lgsco_report.inputs.problems: every problem gathered, listed up to a limit, then counted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lgsco_report.errors import CaseDataError
from lgsco_report.inputs import MAX_LISTED_PROBLEMS, load as load_cases
from case_files import DECIDED, RECEIVED, make_dir, problems_of


def test_every_problem_in_every_file_is_gathered(tmp_path: Path) -> None:
    received = RECEIVED.replace("2019-05-01", "2019-5-x").replace("Planning and Development", "Plannning")
    decided = DECIDED.replace("Upheld,no", "Upheld,")
    compliance = "case_ref,authority,date,outcome\n19 000 001,E07000192,2019-11-01,Complied\n"
    error = pytest.raises(CaseDataError, load_cases, make_dir(tmp_path, received=received, decided=decided, compliance=compliance))
    places = [(p.file, p.row, p.column) for p in error.value.problems]
    assert places == [
        ("received.csv", 2, "received_date"),
        ("received.csv", 3, "category"),
        ("decided.csv", 2, "remedy_by_authority"),
        ("compliance.csv", 1, "date"),
        ("compliance.csv", 1, "compliance_date"),
    ]
    text = str(error.value)
    assert text.startswith("5 problems in the case data")
    assert "received.csv, row 3, column 'category': unknown category 'Plannning'" in text


def test_listing_is_capped_but_every_problem_is_counted(tmp_path: Path) -> None:
    bad_rows = "".join(f"19 {n:03d} 000,E07000192,2019-05-01,Nonsense\n" for n in range(MAX_LISTED_PROBLEMS + 10))
    problems_error = pytest.raises(
        CaseDataError, load_cases, make_dir(tmp_path, received="case_ref,authority,received_date,category\n" + bad_rows)
    )
    assert len(problems_error.value.problems) == MAX_LISTED_PROBLEMS + 10
    lines = str(problems_error.value).splitlines()
    assert len(lines) == 1 + MAX_LISTED_PROBLEMS + 1
    assert lines[-1].strip().startswith("... and 10 more")
    assert problems_error.value.problems[-1].row == MAX_LISTED_PROBLEMS + 11


def test_case_data_error_is_a_value_error() -> None:
    assert issubclass(CaseDataError, ValueError)


def test_the_same_problem_in_thousands_of_rows_is_listed_a_thousand_times_then_counted(tmp_path: Path) -> None:
    from lgsco_report.inputs import MAX_PROBLEMS_PER_CHECK

    rows = "".join(f"19 {n:06d},E07000192,2019-05-01,Housng\n" for n in range(MAX_PROBLEMS_PER_CHECK + 500))
    problems = problems_of(make_dir(tmp_path, received="case_ref,authority,received_date,category\n" + rows))
    assert len(problems) == MAX_PROBLEMS_PER_CHECK + 1
    assert [p.row for p in problems[:MAX_PROBLEMS_PER_CHECK]] == list(range(2, MAX_PROBLEMS_PER_CHECK + 2))
    last = problems[-1]
    assert (last.row, last.column) == (MAX_PROBLEMS_PER_CHECK + 2, "category")
    assert "499 more" in last.message and "same kind of problem" in last.message
