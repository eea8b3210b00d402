"""A table continued on a second visible sheet is refused naming both sheets, never read in part.

The workbooks are written by openpyxl, as an office's script or Excel would save them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from lgsco_report.errors import CaseDataError
from lgsco_report.inputs import load

from case_files import make_dir, received_rows


def write_sheets(path: Path, sheets: list[tuple[str, list[list[object]]]], hidden: tuple[str, ...] = ()) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)


def refused(folder: Path):
    with pytest.raises(CaseDataError) as caught:
        load(folder)
    (problem,) = caught.value.problems
    return problem


def test_received_rows_continued_on_a_second_sheet_are_refused_naming_both(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=None)
    header, *rows = received_rows()
    write_sheets(folder / "received.xlsx", [("received", [header, rows[0]]), ("Sheet2", [header, rows[1]])])
    problem = refused(folder)
    assert (problem.file, problem.row, problem.column) == ("received.xlsx", None, None)
    assert "the sheets 'received' and 'Sheet2' of this workbook hold rows under the same header" in problem.message
    assert "put all its rows on the sheet 'received'" in problem.message


def test_a_header_spelt_differently_still_counts_as_the_same(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=None)
    header, *rows = received_rows()
    write_sheets(folder / "received.xlsx", [("Received", [header, *rows]), ("more", [[h.upper() + " " for h in header], rows[0]])])
    assert "'Received' and 'more'" in refused(folder).message


def test_a_sheet_with_other_columns_beside_the_table_is_fine(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=None)
    write_sheets(folder / "received.xlsx", [("notes", [["note", "by"], ["checked", "casework team"]]), ("received", received_rows())])
    assert load(folder).received["case_ref"].tolist() == ["19 000 001", "19 000 002"]


def test_a_hidden_copy_with_the_same_header_is_still_only_warned_about(tmp_path: Path) -> None:
    folder = make_dir(tmp_path, received=None)
    header, *rows = received_rows()
    write_sheets(folder / "received.xlsx", [("old", [header, rows[0]]), ("received", received_rows())], hidden=("old",))
    cases = load(folder)
    assert len(cases.received) == 2 and any("'old'" in warning for warning in cases.warnings)


def test_figures_continued_on_a_second_sheet_are_refused(tmp_path: Path) -> None:
    header = ["year", "authority", "decisions_total", "upheld", "not_upheld", "closed_after_initial_enquiries", "referred_back",
              "incomplete_invalid", "advice_given", "satisfactory_remedies", "compliance_outcomes", "complied"]
    first = [2024, "E07000192", 10, 2, 2, 3, 3, 0, 0, 1, 2, 2]
    second = [2024, "E07000103", 10, 2, 2, 3, 3, 0, 0, 1, 2, 2]
    tmp_path.mkdir(exist_ok=True)
    write_sheets(tmp_path / "figures.xlsx", [("figures", [header, first]), ("figures (2)", [header, second])])
    problem = refused(tmp_path)
    assert problem.file == "figures.xlsx" and "'figures' and 'figures (2)'" in problem.message and "the figures table" in problem.message
    write_sheets(tmp_path / "figures.xlsx", [("figures", [header, first, second])])
    assert len(load(tmp_path).figures) == 2
