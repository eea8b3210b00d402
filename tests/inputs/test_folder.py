"""Tests for lgsco_report.inputs.folder: finding, loading and fingerprinting a data folder's tables.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pandas as pd
import pytest

from lgsco_report import definitions as d
from lgsco_report.errors import CaseDataError
from lgsco_report.inputs import load as load_cases
from case_files import RECEIVED, REMEDIES, REPORTS, make_dir, only, problems_of, with_optional


def test_valid_tables_load_with_normalised_columns(tmp_path: Path) -> None:
    cases = load_cases(make_dir(tmp_path))
    assert list(cases.received.columns) == ["case_ref", "authority_code", "received_date", "category"]
    assert list(cases.decided.columns) == [
        "case_ref", "authority_code", "decision_date", "category", "outcome", "remedy_by_authority",
    ]
    assert list(cases.compliance.columns) == ["case_ref", "authority_code", "compliance_date", "outcome"]
    # A council name resolves to its GSS code; a UK-order date is day first.
    assert cases.received["authority_code"].tolist() == ["E07000192", "E07000103"]
    assert cases.received["received_date"].tolist() == [pd.Timestamp("2019-05-01"), pd.Timestamp("2019-06-02")]
    assert str(cases.received["received_date"].dtype) == "datetime64[ns]"
    # An empty remedy on a not-upheld case means no remedy.
    assert cases.decided["remedy_by_authority"].tolist() == [False, False]
    assert cases.decided["remedy_by_authority"].dtype == bool
    assert cases.years == [2020, 2021]  # decision 2020-04-10 falls in the year ending March 2021
    assert cases.is_sample is False


def test_sources_record_each_file_and_its_sha256(tmp_path: Path) -> None:
    folder = make_dir(tmp_path)
    cases = load_cases(folder)
    assert [s.table for s in cases.sources] == ["received", "decided", "compliance"]
    for source in cases.sources:
        assert source.path == folder / f"{source.table}.csv"
        assert source.sha256 == hashlib.sha256(source.path.read_bytes()).hexdigest()


def test_missing_table_file(tmp_path: Path) -> None:
    problem = only(problems_of(make_dir(tmp_path, compliance=None)))
    assert problem.file == "compliance.csv"
    assert "missing" in problem.message and "compliance.xlsx" in problem.message


def test_table_given_twice(tmp_path: Path) -> None:
    folder = make_dir(tmp_path)
    pd.DataFrame({"case_ref": ["x"]}).to_excel(folder / "received.xlsx", index=False)
    problem = only(problems_of(folder))
    assert "given twice" in problem.message
    assert "received.csv" in problem.message and "received.xlsx" in problem.message


def test_wrong_file_type_txt(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=None)
    (folder / "received.txt").write_text(RECEIVED, encoding="utf-8")
    problem = only(problems_of(folder))
    assert problem.file == "received.txt"
    assert ".csv or .xlsx" in problem.message and "received.csv" in problem.message


def test_missing_folder(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path / "nowhere"))
    assert "does not exist" in problem.message


def test_table_linked_from_outside_the_folder_is_refused_before_reading(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("TOP SECRET first line\ncase_ref\n", encoding="utf-8")
    folder = make_dir(tmp_path / "data", received=None)
    (folder / "received.csv").symlink_to(secret)
    with pytest.raises(CaseDataError) as caught:
        load_cases(folder)
    problem = only(caught.value.problems)
    assert (problem.file, problem.row, problem.column) == ("received.csv", None, None)
    assert str(secret) in problem.message and "outside the data folder" in problem.message
    assert "TOP SECRET" not in str(caught.value)
    from lgsco_report.inputs import fingerprint as data_fingerprint

    with pytest.raises(CaseDataError):
        data_fingerprint(folder)


def test_link_through_a_linked_folder_and_a_dangling_link_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "received.csv").write_text(RECEIVED, encoding="utf-8")
    folder = make_dir(tmp_path / "data", received=None, compliance=None)
    (folder / "sub").symlink_to(outside)
    (folder / "received.csv").symlink_to(Path("sub") / "received.csv")
    (folder / "compliance.csv").symlink_to(tmp_path / "missing.csv")
    problems = problems_of(folder)
    assert [(p.file, p.row) for p in problems] == [("received.csv", None), ("compliance.csv", None)]
    assert str(outside / "received.csv") in problems[0].message
    assert "missing.csv" in problems[1].message


def test_link_to_a_file_inside_the_folder_is_followed(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=None)
    (folder / "archive").mkdir()
    (folder / "archive" / "received-2020.csv").write_text(RECEIVED, encoding="utf-8")
    (folder / "received.csv").symlink_to(Path("archive") / "received-2020.csv")
    assert load_cases(folder).received["case_ref"].tolist() == ["19 000 001", "19 000 002"]


def test_optional_tables_load_with_normalised_columns(tmp_path: Path) -> None:
    cases = load_cases(with_optional(tmp_path))
    assert list(cases.reports.columns) == ["case_ref", "authority_code", "report_date", "kind"]
    assert cases.reports["kind"].tolist() == [d.PUBLIC_INTEREST_REPORT]
    assert list(cases.remedies.columns) == ["case_ref", "authority_code", "remedy_type", "agreed_date", "due_date", "completed_date"]
    # A case may have several remedies; a name resolves to its code; an empty completion date means not done.
    assert cases.remedies["authority_code"].tolist() == ["E07000192", "E07000192"]
    assert cases.remedies["remedy_type"].tolist() == ["Apology", d.STAFF_TRAINING]
    assert cases.remedies["completed_date"].isna().tolist() == [False, True]
    assert [s.table for s in cases.sources] == ["received", "decided", "compliance", "reports", "remedies"]


def test_without_optional_tables_nothing_changes(tmp_path: Path) -> None:
    cases = load_cases(make_dir(tmp_path))
    assert cases.reports is None and cases.remedies is None
    assert [s.table for s in cases.sources] == ["received", "decided", "compliance"]
    from lgsco_report.inputs import fingerprint as data_fingerprint

    assert sorted(data_fingerprint(tmp_path)) == ["compliance:compliance.csv", "decided:decided.csv", "received:received.csv"]
    assert "remedies:remedies.csv" in data_fingerprint(with_optional(tmp_path / "with"))


def test_optional_tables_with_only_a_header_mean_none(tmp_path: Path) -> None:
    """An office with no public report this year gives an empty reports table: the letters then say there were none."""
    from lgsco_report import stats

    folder = with_optional(tmp_path, reports=REPORTS.splitlines()[0] + "\n", remedies=REMEDIES.splitlines()[0] + "\n")
    cases = load_cases(folder)
    assert len(cases.reports) == 0 and len(cases.remedies) == 0
    figures = stats.reports_and_remedies(stats.compute_statistics(cases), "E07000192", 2020)
    assert figures["reports"] == {"total": 0, "public_interest": 0, "further": 0}
    assert figures["remedies"]["due_or_done"] == 0 and math.isnan(figures["remedies"]["late_or_overdue_rate"])
