"""Tests for lgsco_report.cases: every validation rule on small hand-written files.

Council codes used here are checked against the carried register:
E07000192 Cannock Chase District Council, E07000103 Watford Borough Council,
E07000004 Aylesbury Vale District Council (abolished 31 March 2020),
E06000060 Buckinghamshire Council (created 1 April 2020).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd
import pytest

from lgsco_report import definitions as d
from lgsco_report.inputs import MAX_LISTED_PROBLEMS, CaseDataError, Problem, load as load_cases, parse_dates, read_table

RECEIVED = (
    "case_ref,authority,received_date,category\n"
    "19 000 001,E07000192,2019-05-01,Housing\n"
    "19 000 002,Watford Borough Council,02/06/2019,Planning and Development\n"
)
DECIDED = (
    "case_ref,authority,decision_date,category,outcome,remedy_by_authority\n"
    "19 000 001,E07000192,2019-09-01,Housing,Upheld,no\n"
    "19 000 002,E07000103,2020-04-10,Planning and Development,Not upheld,\n"
)
COMPLIANCE = "case_ref,authority,compliance_date,outcome\n19 000 001,E07000192,2019-11-01,Complied\n"
TABLES = {"received": RECEIVED, "decided": DECIDED, "compliance": COMPLIANCE}


def make_dir(folder: Path, **texts: str) -> Path:
    """Write the three tables as CSV, replacing any given by keyword (None = leave it out)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, default in TABLES.items():
        text = texts.get(table, default)
        if text is not None:
            (folder / f"{table}.csv").write_text(text, encoding="utf-8")
    return folder


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(CaseDataError) as caught:
        load_cases(folder)
    return caught.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


# ---------------------------------------------------------------- valid input


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


def test_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    folder = make_dir(tmp_path)
    (folder / "received.csv").write_text(RECEIVED, encoding="utf-8-sig")
    assert (folder / "received.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    cases = load_cases(folder)
    assert cases.received["case_ref"].tolist() == ["19 000 001", "19 000 002"]


def test_windows_line_endings(tmp_path: Path) -> None:
    folder = make_dir(tmp_path)
    (folder / "received.csv").write_bytes(RECEIVED.replace("Housing", "Housng").replace("\n", "\r\n").encode("utf-8"))
    problem = only(problems_of(folder))
    assert (problem.row, problem.column) == (2, "category")


def test_sample_marker_comment_sets_is_sample_and_counts_in_row_numbers(tmp_path: Path) -> None:
    marker = "# SAMPLE DATA - not real Ombudsman figures. Generated by a test.\n"
    folder = make_dir(tmp_path, received=marker + RECEIVED)
    assert load_cases(folder).is_sample is True
    bad = marker + RECEIVED.replace("Housing", "Housng")
    problem = only(problems_of(make_dir(tmp_path, received=bad)))
    # Line 1 marker, line 2 header, line 3 the first case.
    assert (problem.file, problem.row, problem.column) == ("received.csv", 3, "category")


def test_blank_lines_count_in_row_numbers(tmp_path: Path) -> None:
    text = RECEIVED.replace("\n19 000 002", "\n\n19 000 002").replace("Planning and Development", "Planning")
    problem = only(problems_of(make_dir(tmp_path, received=text)))
    assert problem.row == 4 and problem.column == "category"


def test_quoted_values_with_commas_and_line_breaks_keep_exact_row_numbers(tmp_path: Path) -> None:
    text = (
        "case_ref,authority,received_date,category\n"
        '19 000 001,"Bournemouth, Christchurch and Poole Council",2019-05-01,Housing\n'
        '19 000 002,E07000103,2019-06-02,"Hous\ning"\n'
        "19 000 003,E07000192,2019-13-01,Housing\n"
    )
    problems = problems_of(make_dir(tmp_path, received=text))
    assert [(p.row, p.column) for p in problems] == [(3, "category"), (5, "received_date")]
    # The record after a two-line record starts on line 5; the comma-holding name on row 2 resolved.


def test_read_table_loads_one_table(tmp_path: Path) -> None:
    folder = make_dir(tmp_path)
    frame = read_table(folder / "decided.csv", "decided")
    assert frame["outcome"].tolist() == [d.UPHELD, d.NOT_UPHELD]


# ---------------------------------------------------------------- dates


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


# ---------------------------------------------------------------- columns, files


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


def test_row_with_too_many_values_is_reported_not_dropped(tmp_path: Path) -> None:
    text = RECEIVED + "19 000 003,E07000192,2019-07-01,Housing,extra\n"
    problem = only(problems_of(make_dir(tmp_path, received=text)))
    assert (problem.row, problem.column) == (4, None)
    assert "5 values" in problem.message and "4 columns" in problem.message


def test_empty_file_and_header_only_file(tmp_path: Path) -> None:
    header_only = "case_ref,authority,compliance_date,outcome\n"
    problems = problems_of(make_dir(tmp_path, received="", compliance=header_only))
    assert [(p.file, p.row) for p in problems] == [("received.csv", None), ("compliance.csv", None)]
    assert "empty" in problems[0].message
    assert "no data rows" in problems[1].message


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


def test_binary_file_named_csv(tmp_path: Path) -> None:
    folder = make_dir(tmp_path)
    (folder / "decided.csv").write_bytes(bytes(range(256)) * 4)
    problem = only(problems_of(folder))
    assert problem.file == "decided.csv" and "binary" in problem.message


def test_file_that_is_not_an_xlsx_workbook(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, decided=None)
    (folder / "decided.xlsx").write_bytes(b"\xd0\xcf\x11\xe0 old excel file")
    problem = only(problems_of(folder))
    assert problem.file == "decided.xlsx" and "not an Excel .xlsx workbook" in problem.message


def test_non_utf8_csv_names_the_line(tmp_path: Path) -> None:
    folder = make_dir(tmp_path)
    (folder / "received.csv").write_bytes(RECEIVED.replace("Housing", "Housing \u00a3").encode("cp1252"))
    problem = only(problems_of(folder))
    assert (problem.file, problem.row) == ("received.csv", 2) and "UTF-8" in problem.message


def test_missing_folder(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path / "nowhere"))
    assert "does not exist" in problem.message


# ---------------------------------------------------------------- values


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


@pytest.mark.parametrize("word, expected", [("YES", True), ("true", True), ("1", True), ("No", False), ("FALSE", False), ("0", False)])
def test_remedy_words(tmp_path: Path, word: str, expected: bool) -> None:
    folder = make_dir(tmp_path, decided=DECIDED.replace("Upheld,no", f"Upheld,{word}"))
    assert load_cases(folder).decided["remedy_by_authority"].tolist()[0] is expected


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


# ---------------------------------------------------------------- gathering


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


# ---------------------------------------------------------------- xlsx


def test_xlsx_round_trip_matches_csv(tmp_path: Path) -> None:
    csv_cases = load_cases(make_dir(tmp_path / "csv"))
    folder = tmp_path / "xlsx"
    folder.mkdir()
    for table, text in TABLES.items():
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        date_column = [c for c in frame.columns if c.endswith("_date")][0]
        iso = frame[date_column].map(lambda text: text if "-" in text else "-".join(reversed(text.split("/"))))
        frame[date_column] = pd.to_datetime(iso)  # real Excel date cells, not text
        frame.to_excel(folder / f"{table}.xlsx", index=False)
    xlsx_cases = load_cases(folder)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(xlsx_cases, table), getattr(csv_cases, table))
    assert [s.path.suffix for s in xlsx_cases.sources] == [".xlsx"] * 3


def test_xlsx_problems_use_excel_row_numbers(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=None)
    frame = pd.DataFrame(
        [["# SAMPLE DATA - not real Ombudsman figures", "", "", ""],
         ["case_ref", "authority", "received_date", "category"],
         ["19 000 001", "E07000192", "2019-05-01", "Housing"],
         ["19 000 002", "Nowhere Council", "2019-05-02", "Housing"]]
    )
    frame.to_excel(folder / "received.xlsx", index=False, header=False)
    problem = only(problems_of(folder))
    assert (problem.file, problem.row, problem.column) == ("received.xlsx", 4, "authority")


# ---------------------------------------------------------------- date limits, US order, case references


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


# ---------------------------------------------------------------- workbooks with several sheets


def write_workbook(path: Path, sheets: list[tuple[str, list[list[object]], str]]) -> None:
    """An .xlsx holding one worksheet per (title, rows, state: visible | hidden | veryHidden)."""
    from hostile_files import workbook_bytes

    path.write_bytes(workbook_bytes(sheets))


def received_rows(text: str = RECEIVED) -> list[list[str]]:
    return [line.split(",") for line in text.strip().splitlines()]


STALE = [received_rows()[0], ["18 000 001", "E07000192", "2018-05-01", "Housing"]]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheet_before_the_table_is_ignored_with_a_warning(tmp_path: Path, state: str, caplog: pytest.LogCaptureFixture) -> None:
    folder = make_dir(tmp_path, received=None)
    write_workbook(folder / "received.xlsx", [("old 2018-19", STALE, state), ("2019-20", received_rows(), "visible")])
    cases = load_cases(folder)
    assert cases.received["case_ref"].tolist() == ["19 000 001", "19 000 002"]
    warning = [w for w in cases.warnings if "received.xlsx" in w]
    assert len(warning) == 1 and "'old 2018-19'" in warning[0] and "hidden" in warning[0] and "'2019-20'" in warning[0]
    assert any("old 2018-19" in record.getMessage() for record in caplog.records)


def test_two_visible_sheets_holding_data_are_refused_naming_both(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=None)
    rows = received_rows()
    write_workbook(folder / "received.xlsx", [("April-Sept", rows, "visible"), ("Oct-March", [rows[0], *rows[1:]], "visible")])
    problem = only(problems_of(folder))
    assert (problem.file, problem.row, problem.column) == ("received.xlsx", None, None)
    assert "'April-Sept'" in problem.message and "'Oct-March'" in problem.message and "received" in problem.message


def test_sheet_named_after_the_table_is_chosen_among_visible_sheets(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=None)
    write_workbook(folder / "received.xlsx", [("notes", [["made by the casework team"]], "visible"), ("Received", received_rows(), "visible")])
    assert load_cases(folder).received["case_ref"].tolist() == ["19 000 001", "19 000 002"]


@pytest.mark.parametrize("empty_names", [("Sheet2", "Sheet3"), ("received",)])
def test_empty_visible_sheets_beside_the_table_are_ignored(tmp_path: Path, empty_names: tuple[str, ...]) -> None:
    folder = make_dir(tmp_path, received=None)
    empty = [(name, [], "visible") for name in empty_names]
    write_workbook(folder / "received.xlsx", [*empty, ("Sheet1", received_rows(), "visible")])
    cases = load_cases(folder)
    assert cases.received["case_ref"].tolist() == ["19 000 001", "19 000 002"] and cases.warnings == []


def test_workbook_whose_sheets_are_all_hidden_is_refused(tmp_path: Path) -> None:
    import zipfile

    folder = make_dir(tmp_path, received=None)
    write_workbook(tmp_path / "book.xlsx", [("a", received_rows(), "visible"), ("b", STALE, "hidden")])
    with zipfile.ZipFile(tmp_path / "book.xlsx") as source, zipfile.ZipFile(folder / "received.xlsx", "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/workbook.xml":  # Excel cannot save this; other programs can
                content = content.replace(b'state="visible"', b'state="hidden"')
            target.writestr(info, content)
    problem = only(problems_of(folder))
    assert problem.file == "received.xlsx" and "hidden" in problem.message and "'a'" in problem.message


# ---------------------------------------------------------------- non-ASCII digits and look-alike letters


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


# ---------------------------------------------------------------- title rows above the header


@pytest.mark.parametrize(
    "title",
    ["Complaints received 2019-20", "Complaints received, 2019-20", '"Complaints received, 2019-20"',
     "Complaints received 2019-20\nExtracted 1 April 2020", "Complaints received 2019-20\n\n", "LGSCO;received;2019"],
)
def test_title_lines_above_the_header_get_the_title_advice(tmp_path: Path, title: str) -> None:
    problem = only(problems_of(make_dir(tmp_path, received=title + "\n" + RECEIVED)))
    header_line = title.count("\n") + 2
    assert (problem.file, problem.row, problem.column) == ("received.csv", 1, None)
    assert "not the header" in problem.message and f"row {header_line}" in problem.message and "delete" in problem.message


def test_title_row_without_commas_in_a_workbook(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=None)
    write_workbook(folder / "received.xlsx", [("received", [["Complaints received 2019-20"], [], *received_rows()], "visible")])
    problem = only(problems_of(folder))
    assert (problem.row, problem.column) == (1, None) and "row 3" in problem.message


# ---------------------------------------------------------------- links out of the data folder


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


# ---------------------------------------------------------------- the streaming workbook reader


def excel_like_workbook(path: Path, date1904: bool) -> None:
    """A workbook as Excel writes it: shared strings (one in rich-text runs, one with a phonetic guide),
    a number stored as a number, date cells under a custom and a built-in date format, prefixed
    namespaces and no dimension; written by hand so every part is what Excel would save."""
    import zipfile

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    strings = ["case_ref", "authority", "received_date", "category", "19 000 001", "E07000192", "Watford Borough Council"]
    shared = "".join(f"<x:si><x:t>{text}</x:t></x:si>" for text in strings)
    shared += "<x:si><x:r><x:t>Hou</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>sing</x:t></x:r></x:si>"  # 7
    shared += "<x:si><x:t>Planning and Development</x:t><x:rPh sb='0' eb='1'><x:t>ignored</x:t></x:rPh></x:si>"  # 8
    offset = 1462 if date1904 else 0
    may, june = 43586 - offset, 43618 - offset  # 2019-05-01 and 2019-06-02
    cells = (
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
        '<x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="s"><x:v>3</x:v></x:c></x:row>'
        f'<x:row r="2"><x:c r="A2" t="s"><x:v>4</x:v></x:c><x:c r="B2" t="s"><x:v>5</x:v></x:c>'
        f'<x:c r="C2" s="1"><x:v>{may}</x:v></x:c><x:c r="D2" t="s"><x:v>7</x:v></x:c></x:row>'
        f'<x:row r="3"><x:c r="A3"><x:v>19000002</x:v></x:c><x:c r="B3" t="s"><x:v>6</x:v></x:c>'
        f'<x:c r="C3" s="2"><x:v>{june}.0</x:v></x:c><x:c r="D3" t="s"><x:v>8</x:v></x:c><x:c r="E3" s="1"/></x:row>'
    )
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": f'<x:workbook xmlns:x="{main}" xmlns:r="{rel}"><x:workbookPr date1904="{int(date1904)}"/>'
        '<x:sheets><x:sheet name="Cases" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId7" Type="{rel}/worksheet" Target="worksheets/data.xml"/>'
        f'<Relationship Id="rId8" Type="{rel}/sharedStrings" Target="/xl/strings.xml"/>'
        f'<Relationship Id="rId9" Type="{rel}/styles" Target="styles.xml"/></Relationships>',
        "xl/strings.xml": f'<x:sst xmlns:x="{main}">{shared}</x:sst>',
        "xl/styles.xml": f'<x:styleSheet xmlns:x="{main}"><x:numFmts><x:numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/></x:numFmts>'
        '<x:cellStyleXfs><x:xf numFmtId="0"/></x:cellStyleXfs>'
        '<x:cellXfs><x:xf numFmtId="0"/><x:xf numFmtId="164"/><x:xf numFmtId="14"/></x:cellXfs></x:styleSheet>',
        "xl/worksheets/data.xml": f'<x:worksheet xmlns:x="{main}"><x:sheetData>{cells}</x:sheetData></x:worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


@pytest.mark.parametrize("date1904", [False, True])
def test_workbook_written_as_excel_writes_it_reads_like_the_csv(tmp_path: Path, date1904: bool) -> None:
    folder = make_dir(tmp_path, received=None)
    excel_like_workbook(folder / "received.xlsx", date1904)
    frame = load_cases(folder).received
    assert frame["case_ref"].tolist() == ["19 000 001", "19000002"]
    assert frame["received_date"].tolist() == [pd.Timestamp("2019-05-01"), pd.Timestamp("2019-06-02")]
    assert frame["category"].tolist() == ["Housing", "Planning and Development"]
    assert frame["authority_code"].tolist() == ["E07000192", "E07000103"]


def test_the_same_problem_in_thousands_of_rows_is_listed_a_thousand_times_then_counted(tmp_path: Path) -> None:
    from lgsco_report.inputs import MAX_PROBLEMS_PER_CHECK

    rows = "".join(f"19 {n:06d},E07000192,2019-05-01,Housng\n" for n in range(MAX_PROBLEMS_PER_CHECK + 500))
    problems = problems_of(make_dir(tmp_path, received="case_ref,authority,received_date,category\n" + rows))
    assert len(problems) == MAX_PROBLEMS_PER_CHECK + 1
    assert [p.row for p in problems[:MAX_PROBLEMS_PER_CHECK]] == list(range(2, MAX_PROBLEMS_PER_CHECK + 2))
    last = problems[-1]
    assert (last.row, last.column) == (MAX_PROBLEMS_PER_CHECK + 2, "category")
    assert "499 more" in last.message and "same kind of problem" in last.message


@pytest.mark.parametrize("damage", ["encrypted", "deflate64", "truncated"])
def test_damaged_or_unreadable_workbook_parts_are_problems_not_crashes(tmp_path: Path, damage: str) -> None:
    import zipfile

    folder = make_dir(tmp_path, received=None)
    write_workbook(tmp_path / "book.xlsx", [("received", received_rows(), "visible")])
    data = bytearray((tmp_path / "book.xlsx").read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, flags_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = data.find(signature)
        while start >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if bytes(data[name_at : name_at + len(name)]) == name:
                if damage == "encrypted":
                    data[start + flags_at] |= 1
                elif damage == "deflate64":
                    data[start + method_at] = 9
            start = data.find(signature, start + 4)
    if damage == "truncated":
        info = zipfile.ZipFile(tmp_path / "book.xlsx").getinfo(name.decode())
        cut = info.header_offset + 30 + len(name) + info.compress_size // 2
        data[cut : cut + 40] = bytes(40)  # corrupt the compressed sheet in place
    (folder / "received.xlsx").write_bytes(bytes(data))
    problem = only(problems_of(folder))
    assert problem.file == "received.xlsx" and ".xlsx or CSV" in problem.message


# ---------------------------------------------------------------- optional tables: reports and remedies
# DECIDED: 19 000 001 Cannock Chase (E07000192) decided 2019-09-01, row 2; 19 000 002 Watford (E07000103) 2020-04-10, row 3.

REPORTS = "case_ref,authority,report_date,kind\n19 000 001,E07000192,2019-09-01,public interest report\n"
REMEDIES = (
    "case_ref,authority,remedy_type,agreed_date,due_date,completed_date\n"
    "19 000 001,Cannock Chase District Council,Apology,2019-09-05,2019-10-05,2019-10-01\n"
    "19 000 001,E07000192,staff training,2019-09-05,2019-12-05,\n"
)


def with_optional(folder: Path, reports: str | None = REPORTS, remedies: str | None = REMEDIES) -> Path:
    make_dir(folder)
    for name, text in (("reports", reports), ("remedies", remedies)):
        if text is not None:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


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


def test_optional_table_as_xlsx_with_hidden_sheet_is_read_from_the_visible_one(tmp_path: Path) -> None:
    from hostile_files import workbook_bytes

    folder = with_optional(tmp_path, reports=None)
    rows = [line.split(",") for line in REPORTS.strip().splitlines()]
    (folder / "reports.xlsx").write_bytes(workbook_bytes([("reports", rows, "visible"), ("old", rows, "hidden")]))
    cases = load_cases(folder)
    assert cases.reports["case_ref"].tolist() == ["19 000 001"]
    assert any("hidden" in warning for warning in cases.warnings)


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


def test_optional_table_with_a_wrong_column_is_refused_like_the_case_tables(tmp_path: Path) -> None:
    folder = with_optional(tmp_path, reports=REPORTS.replace("kind", "type", 1))
    messages = [str(p) for p in problems_of(folder)]
    assert any("unexpected column 'type'" in m for m in messages) and any("missing column 'kind'" in m for m in messages)


def test_optional_tables_with_only_a_header_mean_none(tmp_path: Path) -> None:
    """An office with no public report this year gives an empty reports table: the letters then say there were none."""
    from lgsco_report import stats

    folder = with_optional(tmp_path, reports=REPORTS.splitlines()[0] + "\n", remedies=REMEDIES.splitlines()[0] + "\n")
    cases = load_cases(folder)
    assert len(cases.reports) == 0 and len(cases.remedies) == 0
    figures = stats.reports_and_remedies(stats.compute_statistics(cases), "E07000192", 2020)
    assert figures["reports"] == {"total": 0, "public_interest": 0, "further": 0}
    assert figures["remedies"]["due_or_done"] == 0 and figures["remedies"]["late_or_overdue_pct"] is None
