"""Every realistic input mistake gives the right figures or a clear error, never a traceback.

The corpus is ``tests/data/bad/``: one folder per mistake, and ``expected.yaml``
saying what each must give (hand-worked figures, or the exact problems with
file, row and column). Each entry is run through ``inputs.load`` (plus
``stats.compute_statistics`` when accepted) and through the command line.
Further tests feed hostile values (markup, template syntax, paths, NUL bytes,
100,000-character cells) and a 50 MB table generated on the fly.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from lgsco_report.errors import CaseDataError
from lgsco_report.inputs import QUOTE_LIMIT, Problem, clean_text, load as load_cases, shown
from lgsco_report.stats import compute_statistics

CORPUS = Path(__file__).resolve().parent / "data" / "bad"
VALID = CORPUS / "_valid"
EXPECTED: dict = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
ENTRIES: dict[str, dict] = EXPECTED["entries"]
REPO = Path(__file__).resolve().parent.parent
YEAR = 2020
#: Characters that must never reach a terminal through an error message.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def build_data_dir(entry: str, folder: Path) -> Path:
    """The valid tables with the entry's table file(s) in place of theirs."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = ENTRIES[entry]
    provided = sorted((CORPUS / entry).iterdir())
    replaced = {path.stem.lower() for path in provided}
    for path in sorted(VALID.iterdir()):
        if spec.get("keep_valid") or path.stem.lower() not in replaced:
            shutil.copyfile(path, folder / path.name)
    for path in provided:
        shutil.copyfile(path, folder / path.name)
    return folder


def run_cli(data_dir: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``python -m lgsco_report stats`` as a user would run it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "lgsco_report", "stats", "--year", str(YEAR), "--data", str(data_dir), "--out", str(out)],
        capture_output=True, text=True, encoding="utf-8", errors="replace", env=env, cwd=data_dir, timeout=300,
    )


def place(problem: Problem) -> tuple[str, int | None, str | None]:
    return (problem.file, problem.row, problem.column)


def assert_safe_text(text: str, max_line: int = 700) -> None:
    """No control characters and no runaway lines: a message cannot break a terminal, log or page."""
    assert not CONTROL.search(text), repr(text[:300])
    for line in text.splitlines():
        assert len(line) <= max_line, line[:200]


# ------------------------------------------------------------------ the corpus itself


def test_every_corpus_folder_has_an_expected_outcome_and_vice_versa() -> None:
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert folders == set(ENTRIES)
    assert len(folders) >= 25
    for name, spec in ENTRIES.items():
        assert spec["outcome"] in ("accepted", "error"), name
        assert spec.get("mistake"), name
        assert any((CORPUS / name).iterdir()), name
        assert ("figures" in spec) == (spec["outcome"] == "accepted"), name
        assert ("problems" in spec) == (spec["outcome"] == "error"), name


@pytest.mark.parametrize("entry", sorted(name for name, spec in ENTRIES.items() if "bytes_hex" in spec))
def test_corpus_files_keep_the_bytes_that_make_the_mistake(entry: str) -> None:
    # Guards against an editor or git setting silently "fixing" a fixture (CRLF, BOM, encoding).
    wanted = bytes.fromhex(ENTRIES[entry]["bytes_hex"])
    assert any(wanted in path.read_bytes() for path in (CORPUS / entry).iterdir())


def test_valid_base_tables_give_the_hand_worked_figures(tmp_path: Path) -> None:
    folder = tmp_path / "valid"
    shutil.copytree(VALID, folder)
    statistics = compute_statistics(load_cases(folder))
    for code, figures in EXPECTED["base_figures"].items():
        row = statistics.council(code, YEAR)
        assert {name: int(row[name]) for name in figures} == figures
    assert statistics.council("E07000192", YEAR)["upheld_rate"] == pytest.approx(2 / 3)


# ------------------------------------------------------------------ every entry, loaded


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_corpus_entry_through_load_cases(entry: str, tmp_path: Path) -> None:
    spec = ENTRIES[entry]
    data_dir = build_data_dir(entry, tmp_path / "data")
    if spec["outcome"] == "error":
        with pytest.raises(CaseDataError) as caught:
            load_cases(data_dir)
        problems = caught.value.problems
        expected = spec["problems"]
        assert [place(p) for p in problems] == [(e["file"], e["row"], e["column"]) for e in expected], str(caught.value)
        for problem, wanted in zip(problems, expected):
            for words in wanted["contains"]:
                assert words in str(problem), (words, str(problem))
        assert_safe_text(str(caught.value))
        return
    cases = load_cases(data_dir)
    statistics = compute_statistics(cases)
    for code, figures in spec["figures"].items():
        row = statistics.council(code, YEAR)
        assert {name: int(row[name]) for name in figures} == figures, code
    for check in spec.get("values", []):
        frame = getattr(cases, check["table"]).set_index("case_ref")
        value = frame.loc[check["case_ref"], check["column"]]
        expected_value = pd.Timestamp(check["value"]) if check["column"].endswith("_date") else check["value"]
        assert value == expected_value
    # Nothing dropped: every case row of every table is there.
    assert (len(cases.received), len(cases.decided), len(cases.compliance)) == (5, 4, 1)


#: The entries the fast tier also runs through the command line (one accepted, one refused); every entry goes
#: through ``load_cases`` in process above, and the slow tier starts the command line for each of them.
CLI_IN_FAST_TIER = ("bom_utf8", "missing_column")


@pytest.mark.parametrize("entry", [pytest.param(entry, marks=() if entry in CLI_IN_FAST_TIER else pytest.mark.slow)
                                   for entry in sorted(ENTRIES)])
def test_corpus_entry_through_the_command_line(entry: str, tmp_path: Path) -> None:
    spec = ENTRIES[entry]
    data_dir = build_data_dir(entry, tmp_path / "data")
    out = tmp_path / "published.csv"
    result = run_cli(data_dir, out)
    assert "Traceback" not in result.stderr, result.stderr
    if spec["outcome"] == "error":
        assert result.returncode == 2, result.stderr
        assert not out.exists()
        assert result.stderr.startswith("lgsco-report: error: ")
        for wanted in spec["problems"]:
            where = wanted["file"]
            if wanted["row"] is not None:
                where += f", row {wanted['row']}"
            if wanted["column"] is not None:
                where += f", column '{wanted['column']}'"
            assert where + ":" in result.stderr, (where, result.stderr)
        assert_safe_text(result.stderr)
        return
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, dtype={"authority_code": str}).set_index("authority_code")
    for code, figures in spec["figures"].items():
        assert {name: int(table.loc[code, name]) for name in figures} == figures, code
    assert table.loc["E07000192", "upheld_rate"] == pytest.approx(2 / 3)


# ------------------------------------------------------------------ hostile values

HOSTILE_VALUES = {
    "html": '<img src=x onerror="alert(1)">Cannock Chase',
    "markdown": "**Housing** [click](javascript:alert(1))",
    "jinja2": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "jinja2_block": "{% include '/etc/passwd' %}",
    "latex": "\\input{/etc/passwd}\\immediate\\write18{rm -rf ~}",
    "posix_path": "../../../../etc/passwd",
    "windows_path": "..\\..\\Windows\\System32",
    "nul_byte": "Housing\x00",
    "ansi_escape": "\x1b[2J\x1b[31mHousing",
    "bidi_override": "Housing\u202egnisuoH",
    "very_long": "Housing " * 12_500,
}


def write_received(folder: Path, rows: list[list[str]], header: list[str] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in VALID.iterdir():
        shutil.copyfile(path, folder / path.name)
    with (folder / "received.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header or ["case_ref", "authority", "received_date", "category"])
        writer.writerows(rows)


@pytest.mark.parametrize("kind", [pytest.param(kind, marks=() if kind == "html" else pytest.mark.slow)
                                  for kind in sorted(HOSTILE_VALUES)])  # a command-line process per kind
def test_hostile_council_and_category_are_refused_with_short_safe_messages(kind: str, tmp_path: Path) -> None:
    value = HOSTILE_VALUES[kind]
    folder = tmp_path / "data"
    write_received(
        folder,
        [
            ["19 000 001", value, "2019-05-01", "Housing"],
            ["19 000 002", "E07000192", "2019-06-10", value],
            [value, "E07000192", "2019-07-15", "Housing"],
            ["19 000 004", "E07000103", "2019-08-20", "Benefits and Tax"],
            ["19 000 005", "E07000103", "2019-09-30", "Housing"],
        ],
    )
    with pytest.raises(CaseDataError) as caught:
        load_cases(folder)
    problems = caught.value.problems
    assert [place(p) for p in problems] == [
        ("received.csv", 2, "authority"),
        ("received.csv", 3, "category"),
        ("received.csv", 4, "case_ref"),
    ]
    text = str(caught.value)
    assert_safe_text(text)
    assert "unknown authority" in problems[0].message and "unknown category" in problems[1].message
    assert "not a case reference" in problems[2].message
    if len(value) > QUOTE_LIMIT or CONTROL.search(value):
        assert value not in text  # quoted escaped and cut, never verbatim
    assert shown(value.strip()) in text  # cells are read with surrounding spaces removed
    if kind == "very_long":
        assert len(text) < 2_000 and "99,999 characters" in text

    result = run_cli(folder, tmp_path / "out.csv")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "received.csv, row 2, column 'authority'" in result.stderr
    assert_safe_text(result.stderr)
    assert not (tmp_path / "out.csv").exists()


def test_hostile_column_names_are_quoted_safely(tmp_path: Path) -> None:
    long_name = "x" * 100_000
    folder = tmp_path / "data"
    header = ["case_ref", "authority", "received_date", "category", "<script>\x00", long_name]
    write_received(folder, [["19 000 001", "E07000192", "2019-05-01", "Housing", "a", "b"]], header=header)
    with pytest.raises(CaseDataError) as caught:
        load_cases(folder)
    problems = caught.value.problems
    assert [(p.row, p.column) for p in problems] == [(1, "<script>\\x00"), (1, clean_text(long_name))]
    assert all("unexpected column" in p.message for p in problems)
    text = str(caught.value)
    assert_safe_text(text)
    assert len(text) < 2_000


def test_shown_escapes_control_characters_and_cuts_long_values() -> None:
    assert shown("Housing") == "'Housing'"
    assert shown("a\x00b\x1b[0m\u202e") == "'a\\x00b\\x1b[0m\\u202e'"
    long = shown("y" * 100_000)
    assert long == "'" + "y" * QUOTE_LIMIT + "...' (100,000 characters)"
    assert clean_text("\n\t") == "\\n\\t"


# ------------------------------------------------------------------ a 50 MB table


def write_big_received(path: Path, target_bytes: int, bad_from_end: int | None) -> int | None:
    """A received.csv of about ``target_bytes`` of valid rows, but one bad category ``bad_from_end`` rows from the end.

    Returns the 0-based data row that is bad. Built with vectorised pandas
    string operations, so generating it takes a few seconds.
    """
    codes = ["E07000192", "E07000103", "Cannock Chase District Council", "E09000033"]
    categories = ["Housing", "Planning and Development", "Adult Care Services", "benefits and tax"]
    rows = target_bytes // 50  # rows average about 52 bytes
    numbers = pd.RangeIndex(rows)
    dates = (pd.Timestamp("2019-04-01") + pd.to_timedelta(numbers % 365, unit="D")).strftime("%Y-%m-%d")
    frame = pd.DataFrame(
        {
            "case_ref": [f"{n:08d}" for n in numbers],
            "authority": [codes[n % 4] for n in numbers],
            "received_date": dates,
            "category": [categories[n % 4] for n in numbers],
        }
    )
    bad_at = None if bad_from_end is None else rows - bad_from_end
    if bad_at is not None:
        frame.loc[bad_at, "category"] = "Housing\x00<b>"
    frame.to_csv(path, index=False, lineterminator="\n")
    return bad_at


@pytest.mark.slow
def test_fifty_megabyte_table_names_the_one_bad_row_near_the_end(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for path in VALID.iterdir():
        shutil.copyfile(path, folder / path.name)
    bad_at = write_big_received(folder / "received.csv", 50 * 1024 * 1024, bad_from_end=7)
    assert (folder / "received.csv").stat().st_size > 50 * 1024 * 1024
    with pytest.raises(CaseDataError) as caught:
        load_cases(folder)
    problem = caught.value.problems[0]
    assert len(caught.value.problems) == 1, str(caught.value)
    # Header is row 1, so 0-based data row n is spreadsheet row n + 2.
    assert (problem.file, problem.row, problem.column) == ("received.csv", bad_at + 2, "category")
    assert "'Housing\\x00<b>'" in problem.message


# ------------------------------------------------------------------ hostile files: bombs and huge counts

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_files  # noqa: E402

#: What loading each hostile file in a child process must say (besides naming the file).
HOSTILE_WORDS = {
    "stray cell at XFD1048576 (5 KB)": ["XFD1048576", "limit"],
    "mimetype entry of 1 GiB (1 MB)": ["'mimetype'", "limit"],
    "sheet entry of 1 GiB (1 MB)": ["'xl/worksheets/sheet1.xml'", "limit"],
    "20 million shared strings": ["'xl/sharedStrings.xml'", "limit"],
    "2.5 million distinct shared strings": ["'xl/sharedStrings.xml'", "2,000,000 shared strings", "limit"],
    "sheet padded with 200 MB of spaces": ["'xl/worksheets/sheet1.xml'", "limit"],
    "value on row 3,000,000": ["3,000,000", "limit"],
    "billion laughs entities": ["'xl/worksheets/sheet1.xml'", "entit"],
    "16,384 header columns": ["256 columns", "limit"],
    "CSV of 3 million lines": ["1,100,000 rows", "limit"],
    "CSV with a million comment lines": ["1,000 comment or blank lines", "limit"],
    "a million merged ranges": ["1,000 merged ranges", "limit"],
    "100,000 sheets": ["1,000 sheets", "limit"],
    "CSV row of 2 million fields": ["256 columns", "limit"],
    "CSV header of 2 million fields": ["256 columns", "limit"],
}
#: Generous bound on the loading process's peak memory (imports alone take about 75 MB); the bench measures it.
MAX_CHILD_RSS = 256 * 1024 * 1024


def load_in_child(folder: Path) -> tuple[int, str, int]:
    status, output, peak, _ = hostile_files.load_in_fresh_process(folder)
    return status, output, peak


#: The fast tier loads one hostile file in a child process; the slow tier every one.
HOSTILE_FILE_IN_FAST_TIER = "stray cell at XFD1048576 (5 KB)"


@pytest.mark.parametrize("name", [pytest.param(name, marks=() if name == HOSTILE_FILE_IN_FAST_TIER else pytest.mark.slow)
                                  for name in sorted(hostile_files.HOSTILE)])
def test_hostile_file_is_refused_naming_file_and_limit_with_bounded_memory(name: str, tmp_path: Path) -> None:
    file_name, write = hostile_files.HOSTILE[name]
    folder = tmp_path / "data"
    folder.mkdir()
    for path in VALID.iterdir():
        shutil.copyfile(path, folder / path.name)
    (folder / "received.csv").unlink()
    write(folder / file_name)
    status, output, peak = load_in_child(folder)
    assert status == 2, output[-2000:]
    assert f"  {file_name}" in output and "Traceback" not in output, output[-2000:]
    for words in HOSTILE_WORDS[name]:
        assert words in output, (words, output[-2000:])
    assert_safe_text(output)
    assert peak < MAX_CHILD_RSS, f"{peak / 2**20:.0f} MiB"


def test_zip_entry_that_inflates_beyond_its_declared_size_is_refused(tmp_path: Path) -> None:
    # The central directory says 1 KiB; the deflated data would give 100 MiB.
    data = bytearray(hostile_files.entry_bomb_workbook("xl/worksheets/sheet1.xml", 100 * hostile_files.MEBIBYTE))
    import struct
    import zipfile

    info = zipfile.ZipFile(__import__("io").BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    for signature, size_offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_length = struct.unpack_from("<H", data, start + (28 if signature == b"PK\x01\x02" else 26))[0]
            name_at = start + (46 if signature == b"PK\x01\x02" else 30)
            if bytes(data[name_at : name_at + name_length]) == info.filename.encode():
                struct.pack_into("<I", data, start + size_offset, 1024)
                extra_at = name_at + name_length  # zip64 extra field: the real sizes live here
                if struct.unpack_from("<H", data, extra_at)[0] == 1:
                    struct.pack_into("<Q", data, extra_at + 4, 1024)
            start += 4
    folder = tmp_path / "data"
    shutil.copytree(VALID, folder)
    (folder / "received.csv").unlink()
    (folder / "received.xlsx").write_bytes(bytes(data))
    status, output, peak = load_in_child(folder)
    assert status == 2 and "received.xlsx" in output and "Traceback" not in output, output[-2000:]
    assert peak < MAX_CHILD_RSS
