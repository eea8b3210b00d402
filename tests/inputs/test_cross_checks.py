"""Tests for lgsco_report.inputs.cross_checks: the optional tables checked against the decided cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from case_files import REMEDIES, REPORTS, only, problems_of, with_optional


@pytest.mark.parametrize(
    "table, old, new, row, column, words",
    [
        ("reports", "19 000 001,E07000192", "19 000 099,E07000192", 2, "case_ref", ["19 000 099", "not in decided.csv"]),
        ("reports", "19 000 001,E07000192", "19 000 001,E07000103", 2, "authority", ["E07000103", "E07000192", "decided.csv, row 2"]),
        ("reports", "2019-09-01", "2019-08-31", 2, "report_date", ["2019-08-31", "before the decision date 2019-09-01"]),
        ("reports", "public interest report", "press release", 2, "kind", ["unknown report kind", "Further report"]),
        ("remedies", "Apology,2019-09-05", "Apology,2019-09-01", 2, "agreed_date", ["not after the decision date", "decided.csv, row 2"]),
        ("remedies", "2019-10-05,2019-10-01", "2019-09-04,2019-10-01", 2, "due_date", ["2019-09-04", "due before it was agreed"]),
        ("remedies", "2019-10-05,2019-10-01", "2019-10-05,2019-09-01", 2, "completed_date", ["completed before it was agreed"]),
        ("remedies", "2019-10-05,2019-10-01", "2019-10-05,10/32/2019", 2, "completed_date", ["10/32/2019", "not"]),
        ("remedies", "staff training", "staff trainning", 3, "remedy_type", ["unknown remedy type", "did you mean 'Staff training'"]),
        ("remedies", "2019-12-05,\n", ",\n", 3, "due_date", ["the date is empty"]),
    ],
)
def test_optional_table_problems_name_file_row_and_column(tmp_path: Path, table: str, old: str, new: str, row: int, column: str, words: list[str]) -> None:
    texts = {"reports": REPORTS, "remedies": REMEDIES}
    assert old in texts[table]
    texts[table] = texts[table].replace(old, new, 1)
    problem = only(problems_of(with_optional(tmp_path, **texts)))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", row, column)
    for word in words:
        assert word in problem.message
