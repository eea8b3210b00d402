"""Counting and deriving: any input that produces the counts gets the same statistics.

The case-level path (case tables -> ``inputs.load`` -> ``counting.count_cases``)
and a second, tiny input (a CSV of council-level counts, one row per council and
year -> ``counting.counts_from_table``) are fed the same data: eight cases of
three real councils in the year ending March 2020, whose counts are worked out
by hand below. ``stats.derive_statistics`` must give the same figures from both.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from lgsco_report import counting, stats
from lgsco_report.errors import CaseDataError
from lgsco_report.inputs import load

CANNOCK, WATFORD, BRISTOL = "E07000192", "E07000103", "E06000023"  # two districts and a unitary council

RECEIVED = """case_ref,authority,received_date,category
19 000 001,E07000192,2019-05-01,Housing
19 000 002,E07000192,2019-06-01,Housing
19 000 003,E07000192,2019-07-01,Planning and Development
19 000 004,E07000103,2019-05-02,Housing
19 000 005,E06000023,2019-08-01,Adult Care Services
"""
DECIDED = """case_ref,authority,decision_date,category,outcome,remedy_by_authority
19 000 001,E07000192,2019-09-01,Housing,Upheld,yes
19 000 002,E07000192,2019-10-01,Housing,Upheld,no
19 000 003,E07000192,2019-11-01,Planning and Development,Not upheld,
19 000 004,E07000103,2019-09-02,Housing,Upheld,no
19 000 005,E06000023,2019-12-01,Adult Care Services,Advice given,
"""
COMPLIANCE = """case_ref,authority,compliance_date,outcome
19 000 001,E07000192,2019-11-01,Complied
19 000 002,E07000192,2019-12-01,Complied late
19 000 004,E07000103,2019-12-02,Not complied
"""

# The same cases counted by hand: every count column not named here is 0.
# Cannock Chase: received 2 Housing + 1 Planning; decided 2 upheld (1 with the council's own
# remedy) + 1 not upheld, so 3 detailed investigations; compliance 1 on time + 1 late.
# Watford: 1 Housing received, 1 upheld without remedy, not complied.
# Bristol: 1 Adult Care received, advice given (no detailed investigation).
HAND_COUNTS = {
    CANNOCK: {"received_total": 3, "received_housing": 2, "received_planning_and_development": 1,
              "decisions_total": 3, "upheld": 2, "not_upheld": 1, "detailed_investigations": 3,
              "satisfactory_remedies": 1, "compliance_outcomes": 2, "complied": 1, "complied_late": 1},
    WATFORD: {"received_total": 1, "received_housing": 1, "decisions_total": 1, "upheld": 1,
              "detailed_investigations": 1, "compliance_outcomes": 1, "not_complied": 1},
    BRISTOL: {"received_total": 1, "received_adult_care_services": 1, "decisions_total": 1, "advice_given": 1},
}


def counts_csv() -> str:
    """The second input: a council-level counts table as an office might keep it (only councils with cases)."""
    columns = ["year", "authority_code", *stats.count_columns()]
    lines = [",".join(columns)]
    for code, counts in HAND_COUNTS.items():
        lines.append(",".join(["2020", code, *(str(counts.get(column, 0)) for column in columns[2:])]))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def case_data(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("cases")
    for name, text in (("received", RECEIVED), ("decided", DECIDED), ("compliance", COMPLIANCE)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return load(folder)


def test_counting_cases_gives_the_hand_counted_table(case_data) -> None:
    councils = counting.count_cases(case_data).councils.set_index("authority_code")
    for code, counts in HAND_COUNTS.items():
        row = councils.loc[code]
        assert {column: int(row[column]) for column in stats.count_columns()} == {
            column: counts.get(column, 0) for column in stats.count_columns()
        }
    others = councils.drop(index=list(HAND_COUNTS))
    assert len(others) > 300 and (others[stats.count_columns()] == 0).all().all()  # every other council: zeros


@pytest.mark.parametrize("method", ["pooled", "mean"])
def test_council_level_counts_derive_the_same_statistics_as_the_cases(case_data, method: str) -> None:
    from_cases = stats.compute_statistics(case_data, average_method=method)
    table = pd.read_csv(io.StringIO(counts_csv()))
    from_counts = stats.derive_statistics(counting.counts_from_table(table), average_method=method)
    for name in ("councils", "types", "national", "unassigned"):
        pd.testing.assert_frame_equal(getattr(from_counts, name), getattr(from_cases, name), check_exact=True, obj=name)
    assert from_counts.years == from_cases.years == [2020]
    pd.testing.assert_series_equal(from_counts.by_category["received"], from_cases.by_category["received"])
    # What a council-level table cannot say: decisions by service category.
    assert from_counts.by_category["upheld"].isna().all() and from_cases.by_category["upheld"].sum() == 3
    cannock = from_counts.council(CANNOCK, 2020)
    assert cannock["upheld_rate"] == 2 / 3 and cannock["compliance_rate"] == 1.0


def test_a_counts_table_naming_a_council_outside_the_register_is_refused_with_its_row() -> None:
    text = counts_csv().replace(WATFORD, "E07999999")
    with pytest.raises(CaseDataError) as caught:
        counting.counts_from_table(pd.read_csv(io.StringIO(text)), label="counts.csv")
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("counts.csv", 3, "authority_code")
    assert "'E07999999' is not a council in the register for the year ending 31 March 2020" in problem.message


def test_a_counts_table_without_a_count_column_is_refused_naming_it() -> None:
    table = pd.read_csv(io.StringIO(counts_csv())).drop(columns=["complied_late"])
    with pytest.raises(CaseDataError) as caught:
        counting.counts_from_table(table, label="counts.csv")
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (1, "complied_late")
    assert problem.message.startswith("missing column 'complied_late'")


def test_a_council_given_twice_in_a_year_is_refused() -> None:
    text = counts_csv()
    lines = text.splitlines()
    table = pd.read_csv(io.StringIO("\n".join([*lines, lines[1]]) + "\n"))
    with pytest.raises(CaseDataError, match="given twice"):
        counting.counts_from_table(table)


def test_a_figures_folder_gives_the_same_counts_as_the_cases(case_data, tmp_path: Path) -> None:
    """Every council of 2019-20 in a figures table (the hand counts; zeros elsewhere): the case-level counts, as floats."""
    from lgsco_report import register

    columns = [c for c in stats.count_columns() if c != "detailed_investigations"]
    lines = [",".join(["year", "authority", *columns])]
    for code in register.councils_for_year(2020)["authority_code"]:
        lines.append(",".join(["2019-20", code, *(str(HAND_COUNTS.get(code, {}).get(c, 0)) for c in columns)]))
    (tmp_path / "figures.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    from_figures = counting.count_cases(load(tmp_path))
    from_cases = counting.count_cases(case_data)
    assert from_figures.kind == "figures" and from_figures.councils["has_figures"].all()
    pd.testing.assert_frame_equal(
        from_figures.councils[stats.count_columns()], from_cases.councils[stats.count_columns()].astype("float64"), check_exact=True,
    )
    pd.testing.assert_frame_equal(from_figures.councils[list(counting.REGISTER_COLUMNS)], from_cases.councils[list(counting.REGISTER_COLUMNS)])
    assert from_figures.by_category["received"].tolist() == from_cases.by_category["received"].astype(float).tolist()
