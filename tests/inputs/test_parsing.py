"""Tests for lgsco_report.inputs.parsing: dates, labels and yes/no, refused with a reason rather than guessed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lgsco_report import definitions as d
from lgsco_report.inputs import load as load_cases, parse_dates
from case_files import DECIDED, RECEIVED, TABLES, make_dir, only, problems_of


def test_labels_match_ignoring_case_spaces_and_curly_apostrophes(tmp_path: Path) -> None:
    folder = make_dir(
        tmp_path,
        received="case_ref,authority,received_date,category\n"
        "19 000 001,  cannock chase district council ,2019-05-01,  education and children\u2019s services \n"
        "19 000 002,e07000103,2019-06-02,HOUSING\n",
        decided="case_ref,authority,decision_date,category,outcome,remedy_by_authority\n"
        "19 000 001,E07000192,2019-09-01,housing,  UPHELD ,Yes\n"
        "19 000 002,E07000103,2019-10-01,Housing,closed AFTER initial enquiries,0\n",
        compliance="case_ref,authority,compliance_date,outcome\n19 000 001,E07000192,2019-11-01, complied LATE\n",
    )
    cases = load_cases(folder)
    assert cases.received["category"].tolist() == ["Education and Children's Services", "Housing"]
    assert cases.received["authority_code"].tolist() == ["E07000192", "E07000103"]
    assert cases.decided["outcome"].tolist() == [d.UPHELD, d.CLOSED_AFTER_INITIAL_ENQUIRIES]
    assert cases.decided["remedy_by_authority"].tolist() == [True, False]
    assert cases.compliance["outcome"].tolist() == [d.COMPLIED_LATE]


def test_parse_dates_accepts_iso_and_uk_order_and_explains_the_rest() -> None:
    values = pd.Series(["2020-03-31", "31/03/2020", "1/4/2020", "01-02-2020", "1/2/20", "2020-02-30", "", "soon", "2020/03/31"])
    dates, messages = parse_dates(values)
    assert dates[:3].tolist() == [pd.Timestamp("2020-03-31"), pd.Timestamp("2020-03-31"), pd.Timestamp("2020-04-01")]
    assert messages[:3].isna().all()
    assert "ambiguous" in messages[3] and "day-month or month-day" in messages[3]
    assert "two-digit year" in messages[4]
    assert "not a real calendar date" in messages[5]
    assert "empty" in messages[6]
    assert "not understood" in messages[7] and "yyyy-mm-dd" in messages[7]
    assert "not understood" in messages[8]
    assert dates[3:].isna().all()


def test_bad_date_names_file_row_column_and_the_accepted_formats(tmp_path: Path) -> None:
    text = DECIDED.replace("2019-09-01", "09-01-2019")
    problem = only(problems_of(make_dir(tmp_path, decided=text)))
    assert (problem.file, problem.row, problem.column) == ("decided.csv", 2, "decision_date")
    assert "'09-01-2019'" in problem.message and "dd/mm/yyyy" in problem.message and "yyyy-mm-dd" in problem.message


@pytest.mark.parametrize("word, expected", [("YES", True), ("true", True), ("1", True), ("No", False), ("FALSE", False), ("0", False)])
def test_remedy_words(tmp_path: Path, word: str, expected: bool) -> None:
    folder = make_dir(tmp_path, decided=DECIDED.replace("Upheld,no", f"Upheld,{word}"))
    assert load_cases(folder).decided["remedy_by_authority"].tolist()[0] is expected


def test_parse_dates_refuses_dates_before_2000_or_after_the_load_day() -> None:
    values = pd.Series(["1999-12-31", "2000-01-01", "2021-06-30", "2021-07-01", "31/12/1899", "9999-01-01"])
    dates, messages = parse_dates(values, latest=pd.Timestamp("2021-06-30").date())
    assert dates[1:3].tolist() == [pd.Timestamp("2000-01-01"), pd.Timestamp("2021-06-30")]
    assert messages[1:3].isna().all()
    assert "before 2000-01-01" in messages[0] and "before 2000-01-01" in messages[4]
    assert "in the future" in messages[3] and "2021-06-30" in messages[3] and "in the future" in messages[5]
    assert dates[[0, 3, 4, 5]].isna().all()


def test_parse_dates_explains_month_first_dates_and_reads_slashes_day_first() -> None:
    dates, messages = parse_dates(pd.Series(["03/25/2020", "01/02/2020", "31/02/2020"]))
    assert "(US) order" in messages[0] and "2020-03-25" in messages[0]
    assert dates[1] == pd.Timestamp("2020-02-01") and pd.isna(messages[1])
    assert "not a real calendar date" in messages[2] and "(US)" not in messages[2]  # 02/31 is no date either way


@pytest.mark.parametrize(
    "date",
    ["\uff12\uff10\uff11\uff19-\uff10\uff15-\uff10\uff11", "\u0662\u0660\u0661\u0669-\u0660\u0665-\u0660\u0661",
     "\u06f2\u06f0\u06f1\u06f9-\u06f0\u06f5-\u06f0\u06f1", "\u0968\u0966\u0967\u096f-\u0966\u096b-\u0966\u0967",
     "\uff10\uff11/\uff10\uff15/\uff12\uff10\uff11\uff19", "2019-05-\U0001d7ce\U0001d7cf", "2019\u201005\u201001",
     "2019-05-01\u200b"],
)
def test_dates_in_non_ascii_digits_are_refused_naming_file_row_and_column(tmp_path: Path, date: str) -> None:
    problem = only(problems_of(make_dir(tmp_path, received=RECEIVED.replace("2019-05-01", date))))
    assert (problem.file, problem.row, problem.column) == ("received.csv", 2, "received_date")
    assert "ASCII" in problem.message and "yyyy-mm-dd" in problem.message


def test_parse_dates_never_leaves_a_value_without_date_or_message() -> None:
    values = pd.Series(["\uff12\uff10\uff11\uff19-\uff10\uff15-\uff10\uff11", "2019-05-01", "\u0662\u0660\u0661\u0669-05-01"])
    dates, messages = parse_dates(values)
    assert (dates.notna() | messages.notna()).all()
    assert dates[1] == pd.Timestamp("2019-05-01") and pd.isna(messages[1])


@pytest.mark.parametrize(
    "table, old, new, column",
    [
        ("received", "Housing", "H\u043eusing", "category"),  # Cyrillic o
        ("received", "E07000192", "E\uff10\uff17000192", "authority"),  # full-width digits
        ("received", "19 000 001", "19 \uff10\uff10\uff10 001", "case_ref"),
        ("decided", "Upheld,no", "Uphel\u0501,no", "outcome"),  # Cyrillic komi de looks like d
        ("decided", "Upheld,no", "Upheld,\uff4e\uff4f", "remedy_by_authority"),  # full-width no
    ],
)
def test_look_alike_characters_are_named_in_the_message(tmp_path: Path, table: str, old: str, new: str, column: str) -> None:
    text = TABLES[table].replace(old, new, 1)
    problem = only(problems_of(make_dir(tmp_path, **{table: text})))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", 2, column)
    assert "U+" in problem.message and "ASCII" in problem.message
