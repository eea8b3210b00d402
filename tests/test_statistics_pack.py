"""The statistics pack as a spreadsheet user meets it: opened with openpyxl, read with pandas.

Every expected value is taken from ``Statistics`` or the register (never typed in),
except the formats, which follow the letters' rule worked by hand (0.996 -> 99.6%).
"""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pandas as pd
import pytest

from lgsco_report import statistics_pack
from lgsco_report.documents import SAMPLE_BANNER
from lgsco_report.register import councils_for_year
from lgsco_report.formatting import percent
from lgsco_report.stats import compute_statistics

YEAR = 2020
TABLE_SHEETS = ("Councils", "Types", "National", "Categories")


@pytest.fixture(scope="module")
def pack(statistics, tmp_path_factory):
    return statistics_pack.write_statistics_pack(statistics, YEAR, tmp_path_factory.mktemp("pack"))


@pytest.fixture(scope="module")
def workbook(pack):
    return openpyxl.load_workbook(pack[0])


def header(sheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def test_about_sheet_comes_first_with_marker_files_and_definitions(workbook, statistics):
    assert workbook.sheetnames == ["About", *TABLE_SHEETS]
    about = workbook["About"]
    rows = [(a, b) for a, b in about.iter_rows(values_only=True)]
    assert rows[0][0] == SAMPLE_BANNER and about["A1"].font.bold
    labels = {a: b for a, b in rows if a}
    for source in statistics.sources:
        text = labels[f"Data file ({source['table']})"]
        assert source["sha256"] in text and source["path"].rsplit("/", 1)[-1] in text
        assert "/" not in text  # file names, never folders
    assert labels["Average for similar councils"].startswith("pooled")
    assert "never 0" in labels["Empty cell"]
    assert "100%" in labels["Percentages"]
    # Every column of every table sheet is defined, with its CSV name.
    for name in TABLE_SHEETS:
        start = next(i for i, (a, _) in enumerate(rows) if a == f"Sheet {name}")
        definitions = rows[start + 1: start + 1 + len(header(workbook[name]))]
        assert [a for a, _ in definitions] == header(workbook[name])
        for _, meaning in definitions:
            text, machine = meaning.rsplit(" [", 1)
            assert text.strip() and machine.endswith("]"), meaning


def test_companion_text_file_carries_the_same_about(pack, workbook):
    about_text = pack[2].read_text(encoding="utf-8")
    assert about_text.startswith(SAMPLE_BANNER)
    for label, text in workbook["About"].iter_rows(values_only=True):
        if label and text:
            assert f"{label}: {text}" in about_text
    # The CSV itself stays a plain table: header in the first row.
    table = pd.read_csv(pack[1])
    assert table.columns[0] == "authority_code" and len(table) == 343


def test_real_data_carries_no_sample_mark(statistics, tmp_path):
    real = dataclasses.replace(statistics, is_sample=False)
    xlsx, _, about = statistics_pack.write_statistics_pack(real, YEAR, tmp_path)
    first = openpyxl.load_workbook(xlsx)["About"]["A1"].value
    assert first == "Title" and SAMPLE_BANNER not in about.read_text(encoding="utf-8")


def test_frozen_panes_keep_header_and_name_column_and_every_table_filters(workbook):
    for name in TABLE_SHEETS:
        sheet = workbook[name]
        frozen = sheet.freeze_panes
        assert frozen.endswith("2"), name  # header row
        name_column = {"Councils": "Council", "Types": "Council type", "National": "Year ending March",
                       "Categories": "Service category"}[name]
        position = header(sheet).index(name_column) + 1
        assert openpyxl.utils.column_index_from_string(frozen[:-1]) == position + 1, name
        assert sheet.auto_filter.ref == sheet.dimensions, name


def _shown(value: float, number_format: str) -> str:
    """What a spreadsheet shows for ``value`` under a 0%/0.0%/0.00% format (half up, like Excel)."""
    places = len(number_format.split(".")[1]) - 1 if "." in number_format else 0
    quantum = Decimal(1).scaleb(-places)
    return f"{(Decimal(repr(value)) * 100).quantize(quantum, rounding=ROUND_HALF_UP)}%"


def test_rate_cells_show_what_the_letters_print(statistics, tmp_path):
    councils = statistics.councils.copy()
    rows = councils.index[councils["year"] == YEAR][:3]
    councils.loc[rows, "compliance_rate"] = [0.996, 0.9996, 0.004]  # would read 100%, 100%, 0% when rounded
    xlsx, _, _ = statistics_pack.write_statistics_pack(dataclasses.replace(statistics, councils=councils), YEAR, tmp_path)
    workbook = openpyxl.load_workbook(xlsx)
    checked = 0
    for name in TABLE_SHEETS:
        sheet = workbook[name]
        for index, title in enumerate(header(sheet), start=1):
            if not (title.endswith("rate") or title.startswith("Share") or "rate, similar" in title):
                continue
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                if cell.value is None:
                    continue
                assert _shown(cell.value, cell.number_format) == percent(cell.value), (name, title, cell.value)
                checked += 1
    assert checked > 343
    sheet = workbook["Councils"]
    column = header(sheet).index("Compliance rate") + 1
    assert [sheet.cell(row=r, column=column).number_format for r in (2, 3, 4)] == ["0.0%", "0.00%", "0.0%"]


def test_no_column_repeats_another_on_the_types_sheet(workbook):
    def repeated(sheet):
        columns = list(zip(*sheet.iter_rows(min_row=2, values_only=True)))
        titles = header(sheet)
        return [(titles[i], titles[j]) for i, j in itertools.combinations(range(len(columns)), 2)
                if columns[i] == columns[j]]

    assert repeated(workbook["Types"]) == []
    assert "Uphold rate, similar councils" not in header(workbook["Types"])  # pooled: the type's own rate


def test_mean_method_keeps_the_averages(sample_cases, tmp_path):
    mean = compute_statistics(sample_cases, average_method="mean")
    xlsx, _, _ = statistics_pack.write_statistics_pack(mean, YEAR, tmp_path)
    workbook = openpyxl.load_workbook(xlsx)
    assert "Uphold rate, similar councils" in header(workbook["Types"])  # the mean differs from the pooled rate
    labels = {a: b for a, b in workbook["About"].iter_rows(values_only=True) if a}
    assert labels["Average for similar councils"].startswith("mean")


def test_national_population_counts_each_resident_once(workbook):
    sheet = workbook["National"]
    titles = header(sheet)
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[titles.index("Year ending March")] == YEAR)
    register = councils_for_year(YEAR)
    assert row[titles.index("Population")] == register.loc[register["authority_type"] != "County Council", "population"].sum()


@pytest.mark.slow
def test_cli_xlsx_is_the_same_annotated_workbook(tmp_path, sample_dir, pack):
    out = tmp_path / "stats.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "lgsco_report", "stats", "--year", "2019-20", "--data", str(sample_dir), "--out", str(out)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    from_cli, from_batch = openpyxl.load_workbook(out), openpyxl.load_workbook(pack[0])
    assert from_cli.sheetnames == from_batch.sheetnames
    for name in from_cli.sheetnames:
        cli_sheet, batch_sheet = from_cli[name], from_batch[name]
        assert list(cli_sheet.iter_rows(values_only=True)) == list(batch_sheet.iter_rows(values_only=True)), name
        assert cli_sheet.freeze_panes == batch_sheet.freeze_panes
        assert [c.number_format for row in cli_sheet.iter_rows() for c in row] == \
               [c.number_format for row in batch_sheet.iter_rows() for c in row]


def test_count_cells_show_whole_numbers(workbook):
    """Every count (remedies of each type included) is shown without decimal places: 3, never 3.0000."""
    from lgsco_report import metrics

    count_titles = {m.title for m in metrics.all_metrics() if m.display == "count"}
    sheet = workbook["Councils"]
    checked = set()
    for index, title in enumerate(header(sheet), start=1):
        if title not in count_titles:
            continue
        formats = {cell.number_format for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index) if cell.value is not None}
        assert formats and not any("." in f for f in formats), (title, formats)
        checked.add(title)
    assert "Remedies: procedure or policy change" in checked
