"""Former councils' late decisions: counted as *legacy* decisions, never a reason to stop a real year.

Councils abolished on 1 April 2023 (South Lakeland E07000031, successor
Westmorland and Furness E06000064) and on 1 April 2020 (Aylesbury Vale
E07000004, successor Buckinghamshire Council E06000060) still have decisions
and compliance outcomes after their end, on complaints made before it. The rule
comes from the register's dates and ``replaced-by``, for every abolition.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lgsco_report import counting, register
from lgsco_report.inputs import load, read_table
from lgsco_report.sample import ensure_sample_data

from case_files import make_dir, only, problems_of

SOUTH_LAKELAND, WESTMORLAND = "E07000031", "E06000064"
AYLESBURY, BUCKS = "E07000004", "E06000060"

RECEIVED = (
    "case_ref,authority,received_date,category\n"
    "22 000 001,E07000031,2023-01-10,Housing\n"
    "23 000 002,E06000064,2023-05-01,Housing\n"
    "19 000 003,E07000004,2020-02-01,Planning and Development\n"
)
DECIDED = (
    "case_ref,authority,decision_date,category,outcome,remedy_by_authority\n"
    "22 000 001,South Lakeland District Council,2023-07-01,Housing,Upheld,yes\n"
    "23 000 002,E06000064,2023-09-01,Housing,Not upheld,\n"
    "19 000 003,E07000004,2020-06-01,Planning and Development,Not upheld,\n"
)
COMPLIANCE = "case_ref,authority,compliance_date,outcome\n22 000 001,E07000031,2023-10-01,Complied\n"


def legacy_folder(tmp_path: Path, **texts: str) -> Path:
    return make_dir(tmp_path, **{"received": RECEIVED, "decided": DECIDED, "compliance": COMPLIANCE, **texts})


def test_a_decision_after_the_councils_end_on_an_earlier_complaint_is_accepted(tmp_path: Path) -> None:
    cases = load(legacy_folder(tmp_path))
    assert cases.decided["authority_code"].tolist() == [SOUTH_LAKELAND, WESTMORLAND, AYLESBURY]
    assert cases.warnings == []  # every case is in the received table: nothing unproven


def test_legacy_decisions_are_counted_in_rows_of_the_former_council(tmp_path: Path) -> None:
    counts = counting.count_cases(load(legacy_folder(tmp_path)))
    rows = counts.councils
    former = rows[rows["former"]].set_index(["year", "authority_code"])
    assert set(former.index) == {(2024, SOUTH_LAKELAND), (2021, AYLESBURY)}
    lakeland = former.loc[(2024, SOUTH_LAKELAND)]
    assert lakeland["authority_name"] == "South Lakeland District Council" and lakeland["authority_type"] == "District Council"
    assert lakeland["successor_codes"] == WESTMORLAND and former.loc[(2021, AYLESBURY), "successor_codes"] == BUCKS
    assert (lakeland["decisions_total"], lakeland["upheld"], lakeland["satisfactory_remedies"], lakeland["complied"]) == (1, 1, 1, 1)
    assert lakeland["received_total"] == 0  # its complaint was received in 2022-23, in its own last year
    assert counts.unassigned.empty
    current = rows[~rows["former"]]
    assert (current["successor_codes"] == "").all()
    assert len(current[current["year"] == 2024]) == len(register.councils_for_year(2024))
    # Each year's register rows come first, in register order, then that year's former councils.
    year_2024 = rows[rows["year"] == 2024]
    assert year_2024["former"].tolist() == [False] * (len(year_2024) - 1) + [True]


def test_a_complaint_received_after_the_end_is_still_refused_naming_the_successor(tmp_path: Path) -> None:
    text = RECEIVED.replace("22 000 001,E07000031,2023-01-10", "22 000 001,E07000031,2023-05-10")
    problems = problems_of(legacy_folder(tmp_path, received=text))
    received, decided, compliance = problems  # the case's decision and compliance outcome must move with it
    assert (received.file, received.row, received.column) == ("received.csv", 2, "authority")
    assert "did not exist on 2023-05-10" in received.message and "Westmorland and Furness Council" in received.message
    assert (decided.file, decided.row, decided.column) == ("decided.csv", 2, "authority")
    assert decided.message == (
        "South Lakeland District Council (E07000031) was abolished on 2023-04-01, before this complaint was received "
        "(2023-05-10, received.csv row 2); record the case against Westmorland and Furness Council"
    )
    assert (compliance.file, compliance.row) == ("compliance.csv", 2) and "before this complaint was received" in compliance.message


def test_a_case_missing_from_the_received_table_is_accepted_within_two_years_with_a_warning(tmp_path: Path) -> None:
    text = DECIDED + "22 000 009,E07000031,2025-03-01,Housing,Advice given,\n"
    cases = load(legacy_folder(tmp_path, decided=text))
    (warning,) = cases.warnings
    assert warning.startswith("decided.csv: 1 row(s) of former councils dated after their abolition were counted as legacy decisions")
    assert "'22 000 009'" in warning
    rows = counting.count_cases(cases).councils
    assert rows[(rows["year"] == 2025) & rows["former"]]["authority_code"].tolist() == [SOUTH_LAKELAND]


def test_a_case_missing_from_the_received_table_long_after_the_end_is_refused(tmp_path: Path) -> None:
    text = DECIDED + "22 000 009,E07000031,2025-04-01,Housing,Advice given,\n"
    problem = only(problems_of(legacy_folder(tmp_path, decided=text)))
    assert (problem.file, problem.row, problem.column) == ("decided.csv", 5, "authority")
    assert "more than 2 years before this date (2025-04-01)" in problem.message
    assert "add the case to the received table, or record it against Westmorland and Furness Council" in problem.message


def test_a_compliance_outcome_after_the_end_follows_a_decision_made_before_it(tmp_path: Path) -> None:
    decided = DECIDED + "21 000 010,E07000004,2020-03-01,Housing,Upheld,no\n"
    compliance = COMPLIANCE + "21 000 010,E07000004,2022-06-01,Complied late\n"  # no received row; decided before the end
    cases = load(legacy_folder(tmp_path, decided=decided, compliance=compliance))
    assert cases.warnings == []
    rows = counting.count_cases(cases).councils
    row = rows[(rows["year"] == 2023) & (rows["authority_code"] == AYLESBURY)].iloc[0]
    assert bool(row["former"]) and row["complied_late"] == 1 and row["decisions_total"] == 0


def test_a_single_decided_table_read_alone_applies_the_same_rule(tmp_path: Path) -> None:
    path = tmp_path / "decided.csv"
    path.write_text(DECIDED + "22 000 009,E07000031,2026-01-01,Housing,Advice given,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="more than 2 years before this date"):
        read_table(path, "decided")
    path.write_text(DECIDED, encoding="utf-8")  # no received table: accepted within the window
    assert read_table(path, "decided")["authority_code"].tolist() == [SOUTH_LAKELAND, WESTMORLAND, AYLESBURY]


@pytest.mark.slow
def test_without_legacy_cases_the_counts_are_as_before() -> None:
    """The sample (no legacy cases): the same Counts as counting against each year's register alone."""
    cases = load(ensure_sample_data())
    extended = counting.count_cases(cases)
    register_only = counting.count_cases(cases, register=register.councils_for_year)
    assert "former" not in extended.councils.columns
    pd.testing.assert_frame_equal(extended.councils, register_only.councils, check_exact=True)
    pd.testing.assert_frame_equal(extended.unassigned, register_only.unassigned)
    pd.testing.assert_frame_equal(extended.by_category, register_only.by_category)
    assert counting.is_former(extended.councils).sum() == 0
